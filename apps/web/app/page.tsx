'use client';
// Studies list: search (DICOM wildcards), sort, cursor paging.
import Link from 'next/link';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { gql, formatBytes } from '../lib/graphql';
import { useSession } from '../lib/session';

interface StudyRow {
  studyInstanceUid: string; studyDate: string | null; accessionNumber: string | null; description: string | null; modalities: string[];
  numberOfSeries: number; numberOfInstances: number; sizeBytes: number; patient: { patientId: string; patientName: string | null };
}
type Sort = 'STUDY_DATE' | 'PATIENT_NAME' | 'ACCESSION_NUMBER' | 'CREATED_AT';

const QUERY = `query($filter: StudyFilterInput, $sort: StudySortField, $direction: SortDirection, $after: String) {
  studies(filter: $filter, sort: $sort, direction: $direction, first: 25, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { studyInstanceUid studyDate accessionNumber description modalities numberOfSeries numberOfInstances sizeBytes patient { patientId patientName } }
  }
}`;

export default function StudiesPage() {
  const { viewer } = useSession();
  const [form, setForm] = useState({ patientName: '', patientId: '', accessionNumber: '', modality: '', from: '', to: '' });
  const [filter, setFilter] = useState<Record<string, string | null>>({});
  const [sort, setSort] = useState<{ field: Sort; direction: 'ASC' | 'DESC' }>({ field: 'STUDY_DATE', direction: 'DESC' });
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const [data, setData] = useState<{ rows: StudyRow[]; total: number; next: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const r = await gql<{ studies: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: StudyRow[] } }>(
        QUERY, { filter, sort: sort.field, direction: sort.direction, after: pages[pages.length - 1] });
      setData({ rows: r.studies.nodes, total: r.studies.totalCount, next: r.studies.pageInfo.hasNextPage ? r.studies.pageInfo.endCursor : null });
    } catch (e) {
      setError((e as Error).message);
    }
  }, [filter, sort, pages]);
  useEffect(() => { if (viewer) void load(); }, [viewer, load]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    const f: Record<string, string | null> = {};
    if (form.patientName) f.patientName = form.patientName;
    if (form.patientId) f.patientId = form.patientId;
    if (form.accessionNumber) f.accessionNumber = form.accessionNumber;
    if (form.modality) f.modality = form.modality;
    if (form.from) f.studyDateFrom = `${form.from}T00:00:00Z`;
    if (form.to) f.studyDateTo = `${form.to}T00:00:00Z`;
    setFilter(f);
    setPages([null]);
  };
  const sortBy = (field: Sort) => {
    setSort((s) => ({ field, direction: s.field === field && s.direction === 'DESC' ? 'ASC' : 'DESC' }));
    setPages([null]);
  };
  const header = (field: Sort, label: string) => (
    <th aria-sort={sort.field === field ? (sort.direction === 'ASC' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" onClick={() => sortBy(field)} data-testid={`sort-${field}`}>{label}{sort.field === field ? (sort.direction === 'ASC' ? ' ▲' : ' ▼') : ''}</button>
    </th>
  );
  const input = (key: keyof typeof form, label: string, type = 'text') => (
    <label>{label}<input type={type} value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} data-testid={`filter-${key}`} /></label>
  );
  if (!viewer) return null;
  return (
    <>
      <h1>Studies</h1>
      <form className="filters" onSubmit={search} role="search">
        {input('patientName', 'Patient name (DOE*)')}
        {input('patientId', 'Patient ID')}
        {input('accessionNumber', 'Accession')}
        {input('modality', 'Modality')}
        {input('from', 'Study date from', 'date')}
        {input('to', 'to', 'date')}
        <button type="submit" data-testid="search">Search</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {data && (
        <>
          <p className="muted" data-testid="studies-total">{data.total} stud{data.total === 1 ? 'y' : 'ies'}</p>
          <table data-testid="studies-table">
            <thead>
              <tr>
                {header('PATIENT_NAME', 'Patient')}<th>Patient ID</th>{header('STUDY_DATE', 'Date')}<th>Modality</th>
                {header('ACCESSION_NUMBER', 'Accession')}<th>Description</th><th>Series / images</th><th>Size</th>
              </tr>
            </thead>
            <tbody>
              {data.rows.map((s) => (
                <tr key={s.studyInstanceUid} data-testid="study-row">
                  <td><Link href={`/studies/${encodeURIComponent(s.studyInstanceUid)}`} data-testid="study-link">{s.patient.patientName ?? '(no name)'}</Link></td>
                  <td>{s.patient.patientId}</td><td>{s.studyDate ?? ''}</td><td>{s.modalities.join(', ')}</td><td>{s.accessionNumber ?? ''}</td>
                  <td>{s.description ?? ''}</td><td>{s.numberOfSeries} / {s.numberOfInstances}</td><td>{formatBytes(s.sizeBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            <button type="button" className="secondary" disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>Previous</button>{' '}
            <button type="button" className="secondary" disabled={!data.next} onClick={() => setPages([...pages, data.next])} data-testid="next-page">Next</button>
          </p>
        </>
      )}
    </>
  );
}
