// Send stored images to a remote AE by C-STORE (PS3.4 Annex B, we are the SCU): the series of a
// study, and annotation versions as DICOM SEG (our SEG export, stored in the study first), to an
// enabled, admin-registered remote AE. Bounded per request; the outcome is audited either way.
import { poolSql, recordAudit } from '@imaging/db';
import { requirePermission } from '@imaging/auth';
import { Conflict, Invalid, NotFound, RemoteFailure, TooLarge } from '@imaging/errors';
import { auditBase, type DomainContext } from '../context';
import { retrieveInstances } from '../dicomweb/retrieve';
import { exportAnnotationSeg } from '../segmentation/export-annotation-seg';
import { storeInstancesToRemote, type OutboundInstance, type SendRefusal } from './dimse-client';
import type { RemoteAeView } from './manage-remote-aes';

export interface StoreToRemoteAeInput {
  remoteAeId: string;
  studyInstanceUid: string;
  /** Series to send; none given: every series of the study. */
  seriesInstanceUids?: string[] | null;
  /** Annotation versions of the study's series, sent as DICOM SEG (exported first when need be). */
  annotationIds?: string[] | null;
}

export interface StoreToRemoteAeResult {
  remoteAeId: string;
  aeTitle: string;
  instances: number;
  completed: number;
  /** Stored with a warning status (0xB000-0xBFFF: coercion, elements discarded). */
  warning: number;
  /** The SOP Instance UIDs of the SEGs sent. */
  segSopInstanceUids: string[];
}

const UID = /^[0-9]+(\.[0-9]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Series or annotations one request may name (each is one lookup). */
const MAX_NAMED = 100;

function checkUid(value: string, what: string): string {
  if (value.length > 64 || !UID.test(value)) throw new Invalid(`${what} is not a DICOM UID (PS3.5 §9.1)`);
  return value;
}

function distinct<T>(values: T[] | null | undefined, what: string): T[] {
  const list = [...new Set(values ?? [])];
  if (list.length > MAX_NAMED) throw new TooLarge(`at most ${MAX_NAMED} ${what} per request`);
  return list;
}

/** The instances to send, SEGs last (a receiver files their references against images it already has). */
async function planInstances(ctx: DomainContext, study: string, series: string[], segSops: string[]): Promise<OutboundInstance[]> {
  const action = 'remoteAe.store.read';
  const files = series.length
    ? (await Promise.all(series.map((s) => retrieveInstances(ctx, { study, series: s }, [{ transferSyntax: '*' }], { auditAction: action })))).flat()
    : await retrieveInstances(ctx, { study }, [{ transferSyntax: '*' }], { auditAction: action });
  const seen = new Set(files.map((f) => f.sopInstanceUid));
  for (const sop of segSops) {
    if (!seen.has(sop)) { files.push(...(await retrieveInstances(ctx, { study, instance: sop }, [{ transferSyntax: '*' }], { auditAction: action }))); seen.add(sop); }
  }
  const max = ctx.config.dimse.moveMaxInstances;
  if (files.length > max) throw new TooLarge(`${files.length} instances named; one send carries at most ${max} (DIMSE_MOVE_MAX_INSTANCES): send fewer series`);
  const rows = await poolSql(ctx.db).query<{ sop: string; sopClassUid: string; transferSyntaxUid: string }>(
    `SELECT "sopInstanceUid" AS sop, "sopClassUid", "transferSyntaxUid" FROM "Instance" WHERE "sopInstanceUid" = ANY($1)`, [files.map((f) => f.sopInstanceUid)]);
  const byUid = new Map(rows.map((r) => [r.sop, r]));
  const segs = new Set(segSops);
  const ordered = [...files.filter((f) => !segs.has(f.sopInstanceUid)), ...files.filter((f) => segs.has(f.sopInstanceUid))];
  return ordered.map((f) => {
    const row = byUid.get(f.sopInstanceUid)!;
    return { sopClassUid: row.sopClassUid, sopInstanceUid: f.sopInstanceUid, storedTransferSyntaxUid: row.transferSyntaxUid, read: f.read };
  });
}

/** The enabled remote AEs, for whoever may send (the send button's choices). */
export async function listRemoteAeDestinations(ctx: DomainContext): Promise<RemoteAeView[]> {
  requirePermission(ctx.principal, 'remoteAe:send');
  return (await ctx.db.remoteAe.findMany({ where: { enabled: true }, orderBy: { aeTitle: 'asc' } }))
    .map(({ id, aeTitle, host, port, description, enabled, createdAt, updatedAt }) => ({ id, aeTitle, host, port, description, enabled, createdAt, updatedAt }));
}

/**
 * C-STORE of the named series (or the whole study) and SEGs to the remote AE. Refusals before
 * anything is sent: unknown AE (NOT_FOUND), disabled AE (CONFLICT, reason REMOTE_AE_DISABLED),
 * too many instances (PAYLOAD_TOO_LARGE). Failures while sending are BAD_GATEWAY with
 * `reason` ASSOCIATION_REJECTED, UNREACHABLE or PARTIAL_FAILURE and the failed SOP Instance UIDs.
 */
export async function storeToRemoteAe(ctx: DomainContext, input: StoreToRemoteAeInput): Promise<StoreToRemoteAeResult> {
  requirePermission(ctx.principal, 'remoteAe:send');
  if (!UUID.test(input.remoteAeId)) throw new Invalid('remoteAeId must be a UUID');
  const study = checkUid(input.studyInstanceUid, 'studyInstanceUid');
  const series = distinct(input.seriesInstanceUids, 'series').map((s) => checkUid(s, 'seriesInstanceUid'));
  const annotationIds = distinct(input.annotationIds, 'annotations');
  for (const id of annotationIds) if (!UUID.test(id)) throw new Invalid('annotation ids must be UUIDs');

  const ae = await ctx.db.remoteAe.findUnique({ where: { id: input.remoteAeId } });
  if (!ae) throw new NotFound('remote AE');
  const audit = (outcome: 'SUCCESS' | 'FAILURE', details: Record<string, unknown>) => recordAudit(ctx.db, {
    ...auditBase(ctx), action: 'remoteAe.store', resourceType: 'RemoteAe', resourceId: ae.id, outcome,
    details: { aeTitle: ae.aeTitle, studyInstanceUid: study, series: series.length || null, annotations: annotationIds.length, ...details },
  });
  if (!ae.enabled) {
    await audit('FAILURE', { reason: 'REMOTE_AE_DISABLED' });
    throw new Conflict(`the remote AE ${ae.aeTitle} is disabled`, { reason: 'REMOTE_AE_DISABLED' });
  }

  const segSops: string[] = [];
  for (const id of annotationIds) {
    const seg = await exportAnnotationSeg(ctx, id);
    if (seg.studyInstanceUid !== study) throw new Invalid(`annotation ${id} belongs to another study`);
    segSops.push(seg.sopInstanceUid);
  }
  const instances = await planInstances(ctx, study, series, segSops);

  let completed = 0;
  let warning = 0;
  const failed: string[] = [];
  // why instances were refused before sending (no syntax both sides take, unreadable), by reason
  const refusals = new Map<string, SendRefusal>();
  const outcome = await storeInstancesToRemote(ctx.config, ae, instances, {
    onResult: (index, status, refusal) => {
      if (status === 0x0000) completed++;
      else if (status >= 0xb000 && status <= 0xbfff) warning++;
      else {
        failed.push(instances[index].sopInstanceUid);
        if (refusal) refusals.set(refusal.reason, refusal);
      }
    },
  });
  const counts = { instances: instances.length, completed, warning, failed: failed.length };
  if (failed.length === 0) {
    await audit('SUCCESS', { ...counts, segSopInstanceUids: segSops });
    return { remoteAeId: ae.id, aeTitle: ae.aeTitle, instances: instances.length, completed, warning, segSopInstanceUids: segSops };
  }
  const nothingStored = completed + warning === 0;
  const reason = nothingStored && outcome.rejected ? 'ASSOCIATION_REJECTED' : nothingStored && outcome.networkError ? 'UNREACHABLE' : 'PARTIAL_FAILURE';
  await audit('FAILURE', { ...counts, reason, rejected: outcome.rejected, failedSopInstanceUids: failed.slice(0, 100), refusals: [...refusals.values()].map((r) => r.code) });
  const message = reason === 'ASSOCIATION_REJECTED'
    ? `${ae.aeTitle} rejected the association (result ${outcome.rejected!.result}, source ${outcome.rejected!.source}, reason ${outcome.rejected!.reason})`
    : reason === 'UNREACHABLE' ? `${ae.aeTitle} at ${ae.host}:${ae.port} could not be reached: ${outcome.networkError}`
      : `${failed.length} of ${instances.length} instances were not stored by ${ae.aeTitle}${refusals.size ? `: ${[...refusals.values()].map((r) => `${r.code} (${r.reason})`).join('; ')}` : ''}`;
  throw new RemoteFailure(message, { reason, ...counts, rejected: outcome.rejected, failedSopInstanceUids: failed, refusals: [...refusals.values()] });
}
