// Study search over GraphQL: filters, wildcards, sorting, cursor pagination, nested DataLoaders
// with bounded SQL, reads audited, and typed errors for bad arguments and abusive queries.
import { syntheticCtSeries } from '@imaging/dicom';
import { startHarness, userCaller, gql, errorCodes, postDicom, type Harness, type Caller } from '../testing/harness';

const PATIENTS = [
  { name: 'DOE^JANE', id: 'P001', acc: 'ACC-001', date: '20260105', desc: 'CT CHEST' },
  { name: 'DOE^JOHN', id: 'P002', acc: 'ACC-002', date: '20260210', desc: 'CT ABDOMEN' },
  { name: 'SMITH^ANNA', id: 'P003', acc: 'ACC-003', date: '20260315', desc: 'CT HEAD' },
  { name: 'SMITHSON^BO', id: 'P004', acc: 'XYZ-004', date: '20260420', desc: 'CT CHEST LOW DOSE' },
  { name: 'O_BRIEN^PAT', id: 'P005', acc: 'ACC-005', date: '20260525', desc: 'CT CHEST' },
];

describe('studies query', () => {
  let h: Harness;
  let reader: Caller;
  beforeAll(async () => {
    h = await startHarness();
    reader = await userCaller(h, 'RADIOLOGIST');
    for (const [i, p] of PATIENTS.entries()) {
      const { files } = syntheticCtSeries({ seed: 100 + i, slices: 3, size: 32, patientName: p.name, patientId: p.id, accessionNumber: p.acc, studyDate: p.date, studyDescription: p.desc });
      const res = await postDicom(h, reader, files, { multipart: true });
      expect(res.status).toBe(200);
    }
  });
  afterAll(() => h.close());

  async function names(args: string): Promise<string[]> {
    const res = await gql<{ studies: { nodes: { patient: { patientName: string } }[] } }>(h, reader, `{ studies(${args}) { nodes { patient { patientName } } } }`);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.studies.nodes.map((n) => n.patient.patientName);
  }

  it('matches DICOM wildcards case-insensitively, and treats SQL wildcards literally', async () => {
    expect(await names('filter: { patientName: "doe*" }, sort: PATIENT_NAME, direction: ASC')).toEqual(['DOE^JANE', 'DOE^JOHN']);
    expect(await names('filter: { patientName: "SMITH^*" }')).toEqual(['SMITH^ANNA']);
    expect(await names('filter: { patientName: "DOE^J?NE" }')).toEqual(['DOE^JANE']);
    expect(await names('filter: { patientName: "O_B*" }')).toEqual(['O_BRIEN^PAT']);
    expect(await names('filter: { patientName: "%" }')).toEqual([]);
  });

  it('filters by patient id, accession, description, modality and date range', async () => {
    expect(await names('filter: { patientId: "P003" }')).toEqual(['SMITH^ANNA']);
    expect(await names('filter: { accessionNumber: "XYZ*" }')).toEqual(['SMITHSON^BO']);
    expect(await names('filter: { description: "*chest*" }, sort: PATIENT_NAME, direction: ASC')).toEqual(['DOE^JANE', 'O_BRIEN^PAT', 'SMITHSON^BO']);
    expect((await names('filter: { modality: "CT" }')).length).toBe(5);
    expect(await names('filter: { modality: "MR" }')).toEqual([]);
    expect(await names('filter: { studyDateFrom: "2026-02-01T00:00:00Z", studyDateTo: "2026-04-01T00:00:00Z" }, sort: STUDY_DATE, direction: ASC'))
      .toEqual(['DOE^JOHN', 'SMITH^ANNA']);
  });

  it('pages with cursors in a stable order and reports the total', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: Awaited<ReturnType<typeof gql<{ studies: { totalCount: number; nodes: { accessionNumber: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }>>> =
        await gql(h, reader, 'query($a:String){ studies(first: 2, after: $a, sort: STUDY_DATE, direction: ASC) { totalCount nodes { accessionNumber } pageInfo { hasNextPage endCursor } } }', { a: after });
      const page = res.body.data!.studies;
      expect(page.totalCount).toBe(5);
      seen.push(...page.nodes.map((n) => n.accessionNumber));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(['ACC-001', 'ACC-002', 'ACC-003', 'XYZ-004', 'ACC-005']);
  });

  it('resolves Study → Series → Instance with a bounded number of SQL statements', async () => {
    const query = '{ studies(first: 50) { nodes { studyInstanceUid numberOfInstances modalities patient { patientId } series { seriesInstanceUid numberOfInstances instances { sopInstanceUid sizeBytes } } } } }';
    h.services.queryCounter.count = 0;
    const res = await gql<{ studies: { nodes: { series: { instances: unknown[] }[] }[] } }>(h, reader, query);
    expect(res.body.errors).toBeUndefined();
    const studies = res.body.data!.studies.nodes;
    expect(studies.length).toBe(5);
    expect(studies.every((s) => s.series[0].instances.length === 3)).toBe(true);
    const statements = h.services.queryCounter.count;
    // auth (1) + search (2) + audit (~5) + patient, series, instances, counts loaders (4); independent of page size.
    expect(statements).toBeLessThanOrEqual(16);
    // More studies must not mean more statements.
    const { files } = syntheticCtSeries({ seed: 999, slices: 2, size: 32, patientName: 'EXTRA^ONE' });
    await postDicom(h, reader, files, { multipart: true });
    h.services.queryCounter.count = 0;
    await gql(h, reader, query);
    expect(h.services.queryCounter.count).toBe(statements);
  });

  it('audits every search without recording the search values', async () => {
    await names('filter: { patientName: "DOE*" }');
    const last = await h.services.db.auditEvent.findFirst({ where: { action: 'study.search' }, orderBy: { id: 'desc' } });
    expect(last?.actorType).toBe('USER');
    expect(JSON.stringify(last?.details)).not.toContain('DOE');
    expect((last?.details as { filters: string[] }).filters).toEqual(['patientName']);
  });

  it('answers bad arguments and abusive queries with typed errors and no stack traces', async () => {
    const badFirst = await gql(h, reader, '{ studies(first: 100000) { totalCount } }');
    expect(errorCodes(badFirst)).toEqual(['BAD_USER_INPUT']);
    const badCursor = await gql(h, reader, '{ studies(after: "garbage") { totalCount } }');
    expect(errorCodes(badCursor)).toEqual(['BAD_USER_INPUT']);
    const badModality = await gql(h, reader, '{ studies(filter: { modality: "C;T" }) { totalCount } }');
    expect(errorCodes(badModality)).toEqual(['BAD_USER_INPUT']);
    const badDates = await gql(h, reader, '{ studies(filter: { studyDateFrom: "2026-05-01T00:00:00Z", studyDateTo: "2026-01-01T00:00:00Z" }) { totalCount } }');
    expect(errorCodes(badDates)).toEqual(['BAD_USER_INPUT']);
    const unknown = await gql(h, reader, '{ study(studyInstanceUid: "9.9.9") { id } }');
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    for (const res of [badFirst, badCursor, unknown, badModality]) expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('refuses operations above the depth and complexity limits', async () => {
    const small = await startHarness({ graphqlMaxComplexity: 200, graphqlMaxDepth: 4 });
    try {
      const user = await userCaller(small, 'ADMIN');
      const res = await gql(small, user, '{ studies(first: 50) { nodes { studyInstanceUid studyDate accessionNumber description patient { patientId patientName sex birthDate } series { modality seriesNumber instances { sopInstanceUid rows columns } } } } }');
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors?.[0].message).toMatch(/too complex/);
      const deep = await gql(small, user, '{ studies(first: 1) { edges { node { series { instances { sopInstanceUid } } } } } }');
      expect(errorCodes(deep)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(deep.body.errors?.[0].message).toMatch(/exceeds maximum operation depth/);
      const fine = await gql(small, user, '{ studies(first: 2) { nodes { studyInstanceUid } } }');
      expect(fine.body.errors).toBeUndefined();
    } finally {
      await small.close();
    }
  });
});
