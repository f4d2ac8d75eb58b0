// De-identified research export (PS3.15 Annex E Basic Application Level Confidentiality Profile,
// packages/dicom deidentify): an admin names studies, a research project and the options; a job
// de-identifies every instance with the project's one key (same patient → same pseudonym, same
// study → same UIDs in every export of the project), refuses burned-in annotation instances and
// lists them in the report, and streams a zip archive to the blob store (one instance in memory at a
// time, EXPORT_MAX_ARCHIVE_MB checked as it grows, the write aborted on any failure) or C-STOREs
// to a remote AE.
// The pseudonym table (project, original patient id/issuer → pseudonym) is private: admins only,
// every read audited (pseudonym.read). export.start and export.done are audited with the state change.
import { randomBytes } from 'node:crypto';
import { appendAudit, inSqlTransaction, poolSql, recordAudit, type Sql } from '@imaging/db';
import { requirePermission } from '@imaging/auth';
import { deidentifyInstance, DicomError, locateDataset, remapUid, type DeidentifiedInstance } from '@imaging/dicom';
import { AppError, Conflict, Invalid, NotFound, TooLarge } from '@imaging/errors';
import { auditBase, type DomainContext, type Services } from '../context';
import { retrieveInstances } from '../dicomweb/retrieve';
import { storeInstancesToRemote, type OutboundInstance, type SendRefusal } from '../dimse/dimse-client';
import { StreamingZip, ZIP_MAX_ENTRIES } from './streaming-zip';

export type ExportState = 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';
export type ExportDestination = 'ARCHIVE' | 'REMOTE_AE';

export interface StartDeidentifiedExportInput {
  studyInstanceUids: string[];
  project: string;
  options?: { retainLongitudinalTemporal?: boolean | null; cleanDescriptors?: boolean | null } | null;
  destination: ExportDestination;
  remoteAeTitle?: string | null;
}

export interface ExportReportEntry { sopInstanceUid: string; seriesInstanceUid: string; code: string; reason: string }

export interface DeidentifiedExportView {
  id: string;
  state: ExportState;
  project: string;
  studyInstanceUids: string[];
  retainLongitudinalTemporal: boolean;
  cleanDescriptors: boolean;
  destination: ExportDestination;
  remoteAeTitle: string | null;
  /** Instances of the selected studies. */
  total: number;
  processed: number;
  exported: number;
  /** Burned-in annotation instances: not exported, listed in `refusedInstances`. */
  refused: number;
  failed: number;
  refusedInstances: ExportReportEntry[];
  failedInstances: ExportReportEntry[];
  archiveBytes: number | null;
  error: string | null;
  errorCode: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface PseudonymView { project: string; originalPatientId: string; originalIssuer: string; pseudonym: string; createdAt: Date }

const UID = /^[0-9]+(\.[0-9]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROJECT = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;
/** Entries of each report list kept on the row (the counts stay exact). */
const REPORT_LIMIT = 1000;
const PROGRESS_WRITE_MS = 500;

interface ExportRow {
  id: string; state: ExportState; project: string; projectId: string; studyInstanceUids: string[];
  options: { retainLongitudinalTemporal: boolean; cleanDescriptors: boolean }; destination: ExportDestination;
  remoteAeId: string | null; remoteAeTitle: string | null; total: number; processed: number; exported: number; refused: number; failed: number;
  report: { refused?: ExportReportEntry[]; failed?: ExportReportEntry[] }; archiveKey: string | null; archiveBytes: string | null;
  error: string | null; errorCode: string | null; createdAt: Date; startedAt: Date | null; finishedAt: Date | null;
}

const SELECT = `SELECT e.id, e.state::text AS state, p.name AS project, e."projectId", e."studyInstanceUids", e.options, e.destination::text AS destination,
  e."remoteAeId", a."aeTitle" AS "remoteAeTitle", e.total, e.processed, e.exported, e.refused, e.failed, e.report, e."archiveKey",
  e."archiveBytes"::text AS "archiveBytes", e.error, e."errorCode", e."createdAt", e."startedAt", e."finishedAt"
  FROM "DeidentifiedExport" e JOIN "ResearchProject" p ON p.id = e."projectId" LEFT JOIN "RemoteAe" a ON a.id = e."remoteAeId"`;

function view(r: ExportRow): DeidentifiedExportView {
  return {
    id: r.id, state: r.state, project: r.project, studyInstanceUids: r.studyInstanceUids,
    retainLongitudinalTemporal: Boolean(r.options.retainLongitudinalTemporal), cleanDescriptors: Boolean(r.options.cleanDescriptors),
    destination: r.destination, remoteAeTitle: r.remoteAeTitle, total: r.total, processed: r.processed, exported: r.exported, refused: r.refused, failed: r.failed,
    refusedInstances: r.report.refused ?? [], failedInstances: r.report.failed ?? [],
    archiveBytes: r.archiveBytes === null ? null : Number(r.archiveBytes), error: r.error, errorCode: r.errorCode,
    createdAt: r.createdAt, startedAt: r.startedAt, finishedAt: r.finishedAt,
  };
}

async function loadRow(sql: Sql, id: string): Promise<ExportRow | undefined> {
  const [row] = await sql.query<ExportRow>(`${SELECT} WHERE e.id = $1::uuid`, [id]);
  return row;
}

export async function getDeidentifiedExport(ctx: DomainContext, id: string): Promise<DeidentifiedExportView> {
  requirePermission(ctx.principal, 'export:deidentified');
  if (!UUID.test(id)) throw new Invalid('id must be a UUID');
  const row = await loadRow(poolSql(ctx.db), id);
  if (!row) throw new NotFound(`export ${id}`);
  return view(row);
}

export async function listDeidentifiedExports(ctx: DomainContext, first = 50): Promise<DeidentifiedExportView[]> {
  requirePermission(ctx.principal, 'export:deidentified');
  if (!Number.isInteger(first) || first < 1 || first > 200) throw new Invalid('first must be between 1 and 200');
  return (await poolSql(ctx.db).query<ExportRow>(`${SELECT} ORDER BY e."createdAt" DESC LIMIT $1`, [first])).map(view);
}

/**
 * Checks and queues an export. Refusals before anything is written: FORBIDDEN (not an admin),
 * BAD_USER_INPUT (reason NO_INSTANCES: a named study holds no instance), NOT_FOUND (a study or the
 * remote AE is unknown), CONFLICT (the AE is disabled),
 * PAYLOAD_TOO_LARGE (more studies or instances than EXPORT_MAX_STUDIES / EXPORT_MAX_INSTANCES, or
 * more files than a zip without Zip64 holds).
 * The project is created with a fresh random key on its first export.
 */
export async function startDeidentifiedExport(ctx: DomainContext, input: StartDeidentifiedExportInput): Promise<DeidentifiedExportView> {
  requirePermission(ctx.principal, 'export:deidentified');
  const limits = ctx.config.export;
  const studies = [...new Set(input.studyInstanceUids ?? [])];
  if (studies.length === 0) throw new Invalid('name at least one study');
  if (studies.length > limits.maxStudies) throw new TooLarge(`${studies.length} studies named; one export carries at most ${limits.maxStudies} (EXPORT_MAX_STUDIES)`);
  for (const s of studies) if (s.length > 64 || !UID.test(s)) throw new Invalid('studyInstanceUids must be DICOM UIDs (PS3.5 §9.1)');
  const project = (input.project ?? '').trim();
  if (!PROJECT.test(project)) throw new Invalid('project must be 1-64 letters, digits, spaces, dots, underscores or hyphens, starting with a letter or digit');
  if (input.destination !== 'ARCHIVE' && input.destination !== 'REMOTE_AE') throw new Invalid('destination must be ARCHIVE or REMOTE_AE');
  const options = { retainLongitudinalTemporal: Boolean(input.options?.retainLongitudinalTemporal), cleanDescriptors: Boolean(input.options?.cleanDescriptors) };

  let remoteAeId: string | null = null;
  if (input.destination === 'REMOTE_AE') {
    const title = (input.remoteAeTitle ?? '').trim();
    if (!title) throw new Invalid('remoteAeTitle is required for destination REMOTE_AE');
    const ae = await ctx.db.remoteAe.findUnique({ where: { aeTitle: title } });
    if (!ae) throw new NotFound(`remote AE ${title}`);
    if (!ae.enabled) throw new Conflict(`the remote AE ${ae.aeTitle} is disabled`, { reason: 'REMOTE_AE_DISABLED' });
    remoteAeId = ae.id;
  } else if (input.remoteAeTitle) {
    throw new Invalid('remoteAeTitle is only for destination REMOTE_AE');
  }

  const found = await poolSql(ctx.db).query<{ uid: string; instances: number }>(
    `SELECT st."studyInstanceUid" AS uid, count(i.id)::int AS instances FROM "Study" st
       LEFT JOIN "Series" se ON se."studyDbId" = st.id LEFT JOIN "Instance" i ON i."seriesDbId" = se.id
      WHERE st."studyInstanceUid" = ANY($1) GROUP BY st."studyInstanceUid"`, [studies]);
  const known = new Map(found.map((f) => [f.uid, f.instances]));
  const missing = studies.filter((s) => !known.has(s));
  if (missing.length) throw new NotFound(`${missing.length === 1 ? 'study' : 'studies'} ${missing.slice(0, 5).join(', ')}`);
  // a study whose series hold no instance (all removed, or never stored) has nothing to export:
  // refused now, not found out by the job
  const empty = studies.filter((uid) => known.get(uid) === 0);
  if (empty.length) {
    throw new Invalid(`${empty.length === 1 ? 'study' : 'studies'} ${empty.slice(0, 5).join(', ')}${empty.length > 5 ? ` and ${empty.length - 5} more` : ''} ${empty.length === 1 ? 'holds' : 'hold'} no instances: nothing to export`,
      { reason: 'NO_INSTANCES', studyInstanceUids: empty.slice(0, 50) });
  }
  const total = [...known.values()].reduce((a, b) => a + b, 0);
  if (total > limits.maxInstances) throw new TooLarge(`the studies hold ${total} instances; one export carries at most ${limits.maxInstances} (EXPORT_MAX_INSTANCES)`);
  // the archive's files and its REPORT.json: a zip without Zip64 counts at most 65,535
  if (input.destination === 'ARCHIVE' && total + 1 > ZIP_MAX_ENTRIES) throw new TooLarge(`the studies hold ${total} instances; one archive holds at most ${ZIP_MAX_ENTRIES - 1}`);

  const id = await inSqlTransaction(ctx.db, async (sql) => {
    await sql.query(`INSERT INTO "ResearchProject" (id, name, key, "createdAt") VALUES (gen_random_uuid(), $1, $2, now()) ON CONFLICT (name) DO NOTHING`, [project, randomBytes(32)]);
    const [p] = await sql.query<{ id: string }>(`SELECT id FROM "ResearchProject" WHERE name = $1`, [project]);
    const [row] = await sql.query<{ id: string }>(
      `INSERT INTO "DeidentifiedExport" (id, state, "projectId", "studyInstanceUids", options, destination, "remoteAeId", total, "createdById", "createdAt")
       VALUES (gen_random_uuid(), 'QUEUED', $1::uuid, $2, $3::jsonb, $4::"ExportDestination", $5::uuid, $6, $7::uuid, now()) RETURNING id`,
      [p.id, studies, JSON.stringify(options), input.destination, remoteAeId, total, ctx.principal.kind === 'user' ? ctx.principal.id : null]);
    await appendAudit(sql, {
      ...auditBase(ctx), action: 'export.start', resourceType: 'DeidentifiedExport', resourceId: row.id, outcome: 'SUCCESS',
      details: { project, studies: studies.length, instances: total, destination: input.destination, remoteAeTitle: input.remoteAeTitle ?? null, ...options },
    });
    return row.id;
  });
  await ctx.queues.enqueueDeidentifiedExport({ exportId: id, requestId: ctx.requestId });
  return getDeidentifiedExport(ctx, id);
}

/** The pseudonym table of a project (admins only); the read itself is audited. */
export async function listPseudonyms(ctx: DomainContext, project: string): Promise<PseudonymView[]> {
  requirePermission(ctx.principal, 'export:deidentified');
  const [p] = await poolSql(ctx.db).query<{ id: string; name: string }>(`SELECT id, name FROM "ResearchProject" WHERE name = $1`, [project]);
  if (!p) throw new NotFound(`project ${project}`);
  return inSqlTransaction(ctx.db, async (sql) => {
    const rows = await sql.query<PseudonymView>(
      `SELECT $2::text AS project, "originalPatientId", "originalIssuer", pseudonym, "createdAt" FROM "Pseudonym" WHERE "projectId" = $1::uuid ORDER BY "createdAt", pseudonym LIMIT 10000`, [p.id, p.name]);
    await appendAudit(sql, { ...auditBase(ctx), action: 'pseudonym.read', resourceType: 'ResearchProject', resourceId: p.id, outcome: 'SUCCESS', details: { project: p.name, rows: rows.length } });
    return rows;
  });
}

export interface ExportArchive { id: string; filename: string; size: number; read(start: number, end: number): Promise<Buffer> }

/** The archive of a finished ARCHIVE export, for the download route (audited as export.download). */
export async function openExportArchive(ctx: DomainContext, id: string): Promise<ExportArchive> {
  requirePermission(ctx.principal, 'export:deidentified');
  if (!UUID.test(id)) throw new Invalid('id must be a UUID');
  const row = await loadRow(poolSql(ctx.db), id);
  if (!row) throw new NotFound(`export ${id}`);
  if (row.destination !== 'ARCHIVE') throw new NotFound(`an archive of export ${id} (it was sent to ${row.remoteAeTitle ?? 'a remote AE'})`);
  if (row.state !== 'DONE' || !row.archiveKey || row.archiveBytes === null) throw new Conflict(`export ${id} is ${row.state}; its archive is there once it is DONE`);
  await recordAudit(ctx.db, { ...auditBase(ctx), action: 'export.download', resourceType: 'DeidentifiedExport', resourceId: id, outcome: 'SUCCESS', details: { bytes: Number(row.archiveBytes), project: row.project } });
  const key = row.archiveKey;
  return { id, filename: `export-${row.project.replace(/[^A-Za-z0-9._-]/g, '_')}-${id.slice(0, 8)}.zip`, size: Number(row.archiveBytes), read: (start, end) => ctx.store.getRange(key, start, end) };
}

/** Nothing of the selection could be exported: CONFLICT when every instance left out has burned-in
 *  annotation, UNPROCESSABLE_DICOM otherwise. */
function nothingExported(counts: Counts): AppError {
  if (counts.refused > 0 && counts.failed === 0) return new Conflict(`every instance (${counts.refused}) has burned-in annotation: nothing to export`);
  return new AppError('UNPROCESSABLE_DICOM', `no instance could be de-identified (${counts.failed} failed, ${counts.refused} refused)`);
}

function entry(list: ExportReportEntry[], e: ExportReportEntry) {
  if (list.length < REPORT_LIMIT) list.push(e);
}

async function finish(services: Services, row: ExportRow, fields: { state: 'DONE' | 'FAILED'; counts: Counts; report: unknown; archiveKey?: string | null; archiveBytes?: number | null; error?: string; errorCode?: string; details: Record<string, unknown> }) {
  await inSqlTransaction(services.db, async (sql) => {
    await sql.query(
      `UPDATE "DeidentifiedExport" SET state = $2::"DeidentifiedExportState", processed = $3, exported = $4, refused = $5, failed = $6, report = $7::jsonb,
              "archiveKey" = $8, "archiveBytes" = $9, error = $10, "errorCode" = $11, "finishedAt" = now() WHERE id = $1::uuid`,
      [row.id, fields.state, fields.counts.processed, fields.counts.exported, fields.counts.refused, fields.counts.failed, JSON.stringify(fields.report),
        fields.archiveKey ?? null, fields.archiveBytes ?? null, fields.error?.slice(0, 500) ?? null, fields.errorCode ?? null]);
    await appendAudit(sql, {
      actorType: 'SYSTEM', action: 'export.done', resourceType: 'DeidentifiedExport', resourceId: row.id, outcome: fields.state === 'DONE' ? 'SUCCESS' : 'FAILURE',
      details: { project: row.project, destination: row.destination, ...fields.counts, ...fields.details, ...(fields.errorCode ? { code: fields.errorCode } : {}) },
    });
  });
}

interface Counts { processed: number; exported: number; refused: number; failed: number }

/**
 * The export job: de-identify every instance of the selected studies with the project's key and
 * write the archive (or send to the remote AE). Idempotent: a row that is not QUEUED is left alone.
 * Every instance refused (burned-in annotation) ends FAILED with CONFLICT; nothing exportable at
 * all, or a remote AE that stored nothing, ends FAILED too; the report lists what was left out.
 */
export async function executeDeidentifiedExport(services: Services, exportId: string, requestId: string | null = null): Promise<'done' | 'failed' | 'skipped'> {
  const sql = poolSql(services.db);
  const [claimed] = await sql.query<{ id: string }>(
    `UPDATE "DeidentifiedExport" SET state = 'RUNNING', "startedAt" = now() WHERE id = $1::uuid AND state = 'QUEUED' RETURNING id`, [exportId]);
  if (!claimed) return 'skipped';
  const row = (await loadRow(sql, exportId))!;
  const log = services.log.child({ export: exportId });
  const ctx: DomainContext = { ...services, principal: { kind: 'system', id: 'system', role: 'ADMIN' }, requestId: requestId ?? `export-${exportId}` };
  const counts: Counts = { processed: 0, exported: 0, refused: 0, failed: 0 };
  const refused: ExportReportEntry[] = [];
  const failed: ExportReportEntry[] = [];
  const report = () => ({ refused, failed });
  try {
    const [{ key }] = await sql.query<{ key: Buffer }>(`SELECT key FROM "ResearchProject" WHERE id = $1::uuid`, [row.projectId]);
    const deid = { key: new Uint8Array(key), retainLongitudinalModifiedDates: row.options.retainLongitudinalTemporal, cleanDescriptors: row.options.cleanDescriptors };
    const meta = await sql.query<{ sop: string; series: string; study: string; sopClassUid: string; transferSyntaxUid: string; patientId: string; issuer: string }>(
      `SELECT i."sopInstanceUid" AS sop, se."seriesInstanceUid" AS series, st."studyInstanceUid" AS study, i."sopClassUid", i."transferSyntaxUid", p."patientId", p.issuer
         FROM "Instance" i JOIN "Series" se ON se.id = i."seriesDbId" JOIN "Study" st ON st.id = se."studyDbId" JOIN "Patient" p ON p.id = st."patientDbId"
        WHERE st."studyInstanceUid" = ANY($1)`, [row.studyInstanceUids]);
    const bySop = new Map(meta.map((m) => [m.sop, m]));
    const total = meta.length;
    if (total > services.config.export.maxInstances) throw new TooLarge(`the studies now hold ${total} instances; one export carries at most ${services.config.export.maxInstances}`);
    await sql.query(`UPDATE "DeidentifiedExport" SET total = $2 WHERE id = $1::uuid`, [exportId, total]);

    let lastWrite = Date.now();
    const progress = async (force = false) => {
      if (!force && Date.now() - lastWrite < PROGRESS_WRITE_MS) return;
      lastWrite = Date.now();
      await sql.query(`UPDATE "DeidentifiedExport" SET processed = $2, exported = $3, refused = $4, failed = $5 WHERE id = $1::uuid`,
        [exportId, counts.processed, counts.exported, counts.refused, counts.failed]).catch((e: Error) => log.warn({ err: e.message }, 'export progress not written'));
    };

    const pseudonyms = new Map<string, { patientId: string; issuer: string; pseudonym: string }>();
    /** Every instance of the selected studies, de-identified; refused and failed ones are counted and listed instead. */
    const deidentified = async function* () {
      for (const study of row.studyInstanceUids) {
        const files = await retrieveInstances(ctx, { study }, [{ transferSyntax: '*' }], { auditAction: 'export.read' });
        for (const f of files) {
          const m = bySop.get(f.sopInstanceUid)!;
          counts.processed++;
          let out: DeidentifiedInstance | null = null;
          try {
            out = deidentifyInstance(await f.read(), deid);
            pseudonyms.set(`${m.patientId}\u0000${m.issuer}`, { patientId: m.patientId, issuer: m.issuer, pseudonym: out.patientPseudonym });
          } catch (e) {
            if (!(e instanceof DicomError)) throw e;
            const burnedIn = e.code === 'BURNED_IN_ANNOTATION';
            counts[burnedIn ? 'refused' : 'failed']++;
            entry(burnedIn ? refused : failed, { sopInstanceUid: f.sopInstanceUid, seriesInstanceUid: m.series, code: e.code, reason: e.message });
          }
          if (out) {
            yield { instance: out, sopClassUid: m.sopClassUid, sopInstanceUid: f.sopInstanceUid, series: m.series };
            counts.exported++; // taken: in the archive, or held for sending
          }
          await progress();
        }
      }
      if (counts.exported === 0) throw nothingExported(counts);
      // the pseudonym table holds every patient of the export (first export of a patient creates the row)
      await inSqlTransaction(services.db, async (tx) => {
        for (const p of pseudonyms.values()) {
          await tx.query(`INSERT INTO "Pseudonym" ("projectId", "originalPatientId", "originalIssuer", pseudonym, "createdAt") VALUES ($1::uuid, $2, $3, $4, now())
                          ON CONFLICT ("projectId", "originalPatientId", "originalIssuer") DO NOTHING`, [row.projectId, p.patientId, p.issuer, p.pseudonym]);
        }
      });
    };

    if (row.destination === 'ARCHIVE') {
      // streamed to the blob store entry by entry: memory holds one instance, the bound is checked
      // as the archive grows, and any failure (the bound, a store outage) aborts the write
      const archiveKey = `exports/${exportId}.zip`;
      const zip = new StreamingZip(services.config.export.maxArchiveBytes, 'EXPORT_MAX_ARCHIVE_MB');
      const archive = async function* () {
        for await (const { instance } of deidentified()) {
          yield* zip.add(`${instance.patientPseudonym}/${instance.studyInstanceUid}/${instance.seriesInstanceUid}/${instance.sopInstanceUid}.dcm`, instance.bytes);
        }
        yield* zip.add('REPORT.json', new TextEncoder().encode(JSON.stringify({
          exportId, project: row.project, profile: 'PS3.15 Annex E Basic Application Level Confidentiality Profile', options: row.options,
          instances: counts.exported, refusedBurnedInAnnotation: counts.refused, failed: counts.failed,
          // refused/failed instances are named by their de-identified UIDs: the report travels with the data
          refused: refused.map((r) => ({ sopInstanceUid: remapUid(deid.key, r.sopInstanceUid), seriesInstanceUid: remapUid(deid.key, r.seriesInstanceUid), reason: r.code })),
        }, null, 2)));
        yield* zip.end();
      };
      const { sizeBytes } = await services.store.putStream(archiveKey, archive());
      try {
        await finish(services, row, { state: 'DONE', counts, report: report(), archiveKey, archiveBytes: sizeBytes, details: { archiveBytes: sizeBytes, patients: pseudonyms.size } });
      } catch (e) {
        await services.store.delete(archiveKey).catch(() => undefined); // no archive without its DONE row
        throw e;
      }
      log.info({ ...counts, bytes: sizeBytes }, 'export archive written');
      return 'done';
    }

    // REMOTE_AE: the de-identified instances by C-STORE, once all are made (the AE was checked at start; re-read now)
    // the report names instances by their stored UIDs, as for the ones refused before sending
    const outbound: { item: OutboundInstance; sopInstanceUid: string; series: string }[] = [];
    let heldBytes = 0;
    for await (const { instance, sopClassUid, sopInstanceUid, series } of deidentified()) {
      const bytes = instance.bytes;
      heldBytes += bytes.byteLength;
      if (heldBytes > services.config.export.maxArchiveBytes) throw new TooLarge(`the de-identified instances pass ${Math.round(services.config.export.maxArchiveBytes / 1024 / 1024)} MiB (EXPORT_MAX_ARCHIVE_MB): export fewer studies`);
      // the copy's own syntax (a Deflated original comes out Explicit VR Little Endian)
      const storedTransferSyntaxUid = locateDataset(bytes).transferSyntaxUid;
      outbound.push({ series, sopInstanceUid, item: { sopClassUid, sopInstanceUid: instance.sopInstanceUid, storedTransferSyntaxUid, read: async () => bytes } });
    }
    const ae = row.remoteAeId ? await services.db.remoteAe.findUnique({ where: { id: row.remoteAeId } }) : null;
    if (!ae) throw new NotFound('the remote AE of this export (deleted since it started)');
    if (!ae.enabled) throw new Conflict(`the remote AE ${ae.aeTitle} is disabled`, { reason: 'REMOTE_AE_DISABLED' });
    let stored = 0;
    const refusals: SendRefusal[] = []; // the first one says why in the row's error
    const outcome = await storeInstancesToRemote(services.config, ae, outbound.map((o) => o.item), {
      onResult: (index, status, refusal) => {
        if (status === 0x0000 || (status >= 0xb000 && status <= 0xbfff)) { stored++; return; }
        counts.exported--;
        counts.failed++;
        if (refusal && refusals.length === 0) refusals.push(refusal);
        const reason = refusal?.reason ?? (status < 0 ? 'not sent' : `C-STORE status 0x${status.toString(16).padStart(4, '0')}`);
        entry(failed, { sopInstanceUid: outbound[index].sopInstanceUid, seriesInstanceUid: outbound[index].series, code: refusal?.code ?? 'C_STORE_FAILED', reason });
      },
    });
    if (stored === 0) {
      const reason = outcome.rejected ? `${ae.aeTitle} rejected the association` : outcome.networkError ? `${ae.aeTitle} could not be reached: ${outcome.networkError}`
        : `${ae.aeTitle} stored none of the instances${refusals.length ? `: ${refusals[0].reason}` : ''}`;
      await finish(services, row, { state: 'FAILED', counts, report: report(), error: reason, errorCode: 'BAD_GATEWAY', details: { aeTitle: ae.aeTitle, rejected: outcome.rejected } });
      return 'failed';
    }
    await finish(services, row, { state: 'DONE', counts, report: report(), details: { aeTitle: ae.aeTitle, stored, patients: pseudonyms.size } });
    log.info({ ...counts, aeTitle: ae.aeTitle }, 'export sent');
    return 'done';
  } catch (err) {
    const code = err instanceof AppError ? err.code : 'INTERNAL_SERVER_ERROR';
    log.warn({ err: (err as Error).message, code }, 'export failed');
    await finish(services, row, { state: 'FAILED', counts, report: report(), error: (err as Error).message, errorCode: code, details: {} });
    return 'failed';
  }
}

/** An export whose job ended without finishing it (the worker died) is marked FAILED. */
export async function failStaleExport(services: Services, exportId: string, reason: string): Promise<void> {
  await poolSql(services.db).query(
    `UPDATE "DeidentifiedExport" SET state = 'FAILED', error = $2, "errorCode" = 'WORKER_LOST', "finishedAt" = now() WHERE id = $1::uuid AND state IN ('QUEUED', 'RUNNING')`,
    [exportId, reason.slice(0, 500)]);
}
