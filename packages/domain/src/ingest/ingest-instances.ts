// Ingest of DICOM Part 10 files: validate → content-address → store blob → index + audit in one
// transaction → enqueue preprocessing. A file that fails validation writes nothing at all.
import { parseUntrusted, locateDataset, DicomError, type InstanceHeader } from '@imaging/dicom';
import { auditInsertStatement, findInstanceBySopUid, indexInstance, inSqlTransaction, poolSql, IdentityConflict, type ExistingInstance } from '@imaging/db';
import { contentKey } from '@imaging/storage';
import { requirePermission } from '@imaging/auth';
import { isAppError } from '@imaging/errors';
import { auditBase, type DomainContext } from '../context';
import { instanceRecord } from './instance-record';
import { CpuMeter } from './cpu-meter';
import { readInstanceFile } from './compress-stored-instance';

export type IngestStatus = 'stored' | 'duplicate' | 'conflict' | 'failed';

export interface IngestResult {
  /** Position of the file in the request (0-based). */
  index: number;
  status: IngestStatus;
  sopInstanceUid: string | null;
  seriesInstanceUid: string | null;
  studyInstanceUid: string | null;
  sopClassUid: string | null;
  instanceId: string | null;
  seriesId: string | null;
  studyId: string | null;
  sizeBytes: number;
  error: { code: string; message: string } | null;
}

function failed(index: number, sizeBytes: number, code: string, message: string, uids: Partial<IngestResult> = {}): IngestResult {
  return {
    index, status: 'failed', sopInstanceUid: null, seriesInstanceUid: null, studyInstanceUid: null, sopClassUid: null,
    instanceId: null, seriesId: null, studyId: null, sizeBytes, error: { code, message }, ...uids,
  };
}

/** A file to ingest: bytes in memory, or a file staged on disk by a streaming upload, read only when
 *  its turn comes (one instance in memory at a time per request). */
export type IngestFile = Uint8Array | StagedFile;
export interface StagedFile { sizeBytes: number; read(): Promise<Uint8Array> }

export interface IngestOptions {
  /** STOW-RS to /studies/{study}: files of any other study are refused (PS3.18 §10.5). */
  expectedStudyInstanceUid?: string;
  /** DIMSE C-STORE: the dataset must be the instance the command names (Affected SOP Class and
   *  Instance UIDs, PS3.7 §9.3.1.1); otherwise SOP_MISMATCH and nothing is kept. */
  expectedSop?: { sopClassUid: string; sopInstanceUid: string };
}

export async function ingestInstances(ctx: DomainContext, files: IngestFile[], options: IngestOptions = {}): Promise<IngestResult[]> {
  requirePermission(ctx.principal, 'instance:write');
  const results: IngestResult[] = [];
  for (let index = 0; index < files.length; index++) {
    const file = files[index];
    if (file instanceof Uint8Array) {
      results.push(await ingestOne(ctx, file, index, options));
    } else if (file.sizeBytes > ctx.config.maxInstanceBytes) {
      results.push(tooLarge(ctx, index, file.sizeBytes));
    } else {
      results.push(await ingestOne(ctx, await file.read(), index, options));
    }
  }
  const counts = results.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});
  ctx.log.info({ requestId: ctx.requestId, files: files.length, ...counts }, 'ingest finished');
  return results;
}

async function ingestOne(ctx: DomainContext, bytes: Uint8Array, index: number, options: IngestOptions): Promise<IngestResult> {
  const sizeBytes = bytes.byteLength;
  if (sizeBytes > ctx.config.maxInstanceBytes) return tooLarge(ctx, index, sizeBytes);
  const cpu = new CpuMeter();
  let parsed: InstanceHeader;
  let sha256: string;
  try {
    // off the event loop for big or deflated files (parse-pool.ts); the thread's time is this file's CPU
    const out = await parseUntrusted(bytes, {
      limits: { maxInflatedBytes: ctx.config.maxInstanceBytes, maxFramePixels: ctx.config.maxFramePixels, maxInstancePixels: ctx.config.maxInstancePixels, maxFrames: ctx.config.maxFrames },
    });
    parsed = out.header;
    sha256 = out.sha256;
    cpu.add(out.cpuMs);
  } catch (e) {
    if (e instanceof DicomError && e.code === 'PARSER_BUSY') return failed(index, sizeBytes, 'SERVICE_UNAVAILABLE', e.message);
    if (e instanceof DicomError) return failed(index, sizeBytes, e.code, e.message);
    throw e;
  }
  const uids = {
    sopInstanceUid: parsed.sopInstanceUid, seriesInstanceUid: parsed.seriesInstanceUid,
    studyInstanceUid: parsed.studyInstanceUid, sopClassUid: parsed.sopClassUid,
  };
  if (options.expectedStudyInstanceUid && parsed.studyInstanceUid !== options.expectedStudyInstanceUid) {
    return failed(index, sizeBytes, 'STUDY_MISMATCH', 'the file belongs to another study than the one in the request URL', uids);
  }
  if (options.expectedSop && (parsed.sopClassUid !== options.expectedSop.sopClassUid || parsed.sopInstanceUid !== options.expectedSop.sopInstanceUid)) {
    return failed(index, sizeBytes, 'SOP_MISMATCH', 'the dataset\'s SOP Class or SOP Instance UID differs from the one in the store request', uids);
  }

  const known = await findInstanceBySopUid(poolSql(ctx.db), parsed.sopInstanceUid);
  if (known) return existingResult(index, sizeBytes, uids, known, await sameInstance(ctx, known, bytes, sha256));

  const storageKey = contentKey(sha256);
  try {
    // The blob is written while the index rows are inserted, and the transaction commits only once
    // the blob is durable: a crash leaves at worst an unreferenced blob (reused by a retry of the
    // same bytes, removed by sweepOrphanBlobs), never an index row without its file.
    const blobWrite = ctx.store.put(storageKey, bytes);
    blobWrite.catch(() => undefined); // awaited below; this only keeps an early rollback from leaving it unhandled
    const outcome = await inSqlTransaction(ctx.db, async (tx) => {
      const record = cpu.measure(() => instanceRecord(parsed, { sizeBytes, storedBytes: sizeBytes, sha256, storageKey }));
      // the preprocess job adds the CPU of verifying and compressing the file
      record.instance.ingestCpuMs = cpu.ms;
      const indexed = await indexInstance(tx, record);
      await blobWrite;
      return indexed;
    }, {
      // the audit row goes with the COMMIT, in one round trip
      last: (indexed) => (indexed.status !== 'stored' ? null : auditInsertStatement({
        ...auditBase(ctx), action: 'instance.store', resourceType: 'Instance', resourceId: parsed.sopInstanceUid,
        outcome: 'SUCCESS', details: { studyInstanceUid: parsed.studyInstanceUid, sizeBytes, sha256 },
      })),
    });
    if (outcome.status !== 'stored') return existingResult(index, sizeBytes, uids, outcome.existing, await sameInstance(ctx, outcome.existing, bytes, sha256));
    const { ids } = outcome;
    try {
      await ctx.queues.enqueuePreprocess({ instanceId: ids.instanceDbId, seriesId: ids.seriesDbId, studyId: ids.studyDbId, requestId: ctx.requestId });
    } catch (e) {
      // The committed row is the outbox entry (preprocessedAt IS NULL): the pipeline sweep enqueues
      // it once Redis answers again, so the instance is accepted and nothing is lost. The enqueue
      // itself waits at most QUEUE_ENQUEUE_TIMEOUT_MS, so an upload never hangs on a dead Redis.
      ctx.log.warn({ requestId: ctx.requestId, err: (e as Error).message }, 'preprocess job not enqueued; the pipeline sweep will');
    }
    return {
      index, status: 'stored', ...uids, instanceId: ids.instanceDbId, seriesId: ids.seriesDbId, studyId: ids.studyDbId, sizeBytes, error: null,
    };
  } catch (e) {
    if (e instanceof IdentityConflict) return failed(index, sizeBytes, 'CONFLICT', e.message, uids);
    if (isAppError(e)) return failed(index, sizeBytes, e.code, e.message, uids);
    ctx.log.error({ requestId: ctx.requestId, err: (e as Error).message }, 'ingest failed');
    return failed(index, sizeBytes, 'INTERNAL_SERVER_ERROR', 'the instance could not be stored; nothing was kept, retry later', uids);
  }
}

function tooLarge(ctx: DomainContext, index: number, sizeBytes: number): IngestResult {
  return failed(index, sizeBytes, 'PAYLOAD_TOO_LARGE', `file is ${sizeBytes} bytes; the limit per instance is ${ctx.config.maxInstanceBytes}`);
}

/**
 * Whether a file with a known SOP Instance UID is the instance already stored: the same bytes, or
 * the same dataset under another File Meta header (a C-STORE is wrapped in our header, an HTTP
 * upload keeps the sender's, so one instance sent both ways differs only there). The stored
 * original is read only when the sizes are within a header's difference of each other.
 */
async function sameInstance(ctx: DomainContext, existing: ExistingInstance, bytes: Uint8Array, sha256: string): Promise<boolean> {
  if (existing.sha256 === sha256) return true;
  if (Math.abs(existing.sizeBytes - bytes.byteLength) > 4096) return false;
  try {
    const stored = await readInstanceFile(ctx, existing.storageKey);
    const a = stored.subarray(locateDataset(stored).datasetStart);
    const b = bytes.subarray(locateDataset(bytes).datasetStart);
    return Buffer.compare(a, b) === 0;
  } catch {
    return false;
  }
}

function existingResult(
  index: number, sizeBytes: number, uids: Partial<IngestResult>, existing: ExistingInstance, same: boolean,
): IngestResult {
  return {
    index, status: same ? 'duplicate' : 'conflict',
    sopInstanceUid: uids.sopInstanceUid ?? null, seriesInstanceUid: uids.seriesInstanceUid ?? null,
    studyInstanceUid: uids.studyInstanceUid ?? null, sopClassUid: uids.sopClassUid ?? null,
    instanceId: existing.instanceDbId, seriesId: existing.seriesDbId, studyId: existing.studyDbId, sizeBytes,
    error: same ? null : { code: 'CONFLICT', message: 'another file with this SOP Instance UID is already stored; the new file was not kept' },
  };
}
