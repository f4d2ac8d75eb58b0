// WADO-RS (PS3.18 §10.4) and WADO-URI (§9): the stored files of a study, series or instance,
// exactly as received or transcoded to a syntax the client accepts (§8.7.3.5), their metadata as
// DICOM JSON, frames and rendered images. Every retrieval is audited.
import { instancesForRetrieval, poolSql, recordAudit } from '@imaging/db';
import {
  instanceToDicomJson, parseInstance, numberOfFrames, decodeFrame, containerFrames, decodeContainerFrames, restoreFromStorage, renderPng, renderJpeg, transcodeInstance, transcodeFrames, transcodeRefusal, writtenTransferSyntax,
  DicomError, TRANSCODE_TARGETS, EXPLICIT_VR_LITTLE_ENDIAN, type DicomJsonDataset, type Window,
} from '@imaging/dicom';
import { requirePermission } from '@imaging/auth';
import { AppError, Invalid, NotAcceptable, NotFound } from '@imaging/errors';
import { auditBase, type DomainContext } from '../context';
import { readInstanceHeader } from '../ingest/compress-stored-instance';
import { isRestoredFileCached, readInstanceFileCached } from '../ingest/restored-file-cache';

/** Frames one WADO-RS request may name (after de-duplication). */
const MAX_FRAMES_PER_REQUEST = 1000;

export interface RetrievalTarget { study: string; series?: string; instance?: string }

/** One acceptable representation, in the client's order of preference; '*' = as stored. */
export interface AcceptableSyntax { transferSyntax: string }

/** Native little-endian syntaxes whose frames are Explicit VR Little Endian frames as stored. */
const NATIVE_LITTLE_ENDIAN = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.1.99']);
const JPEG_LS_LOSSLESS = '1.2.840.10008.1.2.4.80';

async function locate(ctx: DomainContext, target: RetrievalTarget, action: string) {
  requirePermission(ctx.principal, 'phi:read');
  const rows = await instancesForRetrieval(poolSql(ctx.db), target);
  if (rows.length === 0) throw new NotFound(target.instance ? `instance ${target.instance}` : target.series ? `series ${target.series}` : `study ${target.study}`);
  await recordAudit(ctx.db, {
    ...auditBase(ctx), action, resourceType: target.instance ? 'Instance' : target.series ? 'Series' : 'Study',
    resourceId: target.instance ?? target.series ?? target.study, outcome: 'SUCCESS', details: { studyInstanceUid: target.study, instances: rows.length },
  });
  return rows;
}

/** The first acceptable representation this instance can be given in, or NOT_ACCEPTABLE. */
function choose<T extends AcceptableSyntax>(acceptable: T[], stored: string, bitsAllocated: number | null, sopInstanceUid: string): T {
  const choice = acceptable.find((a) => a.transferSyntax === '*' || a.transferSyntax === stored || transcodeRefusal(a.transferSyntax, bitsAllocated) === null);
  if (choice) return choice;
  const asked = acceptable.map((a) => a.transferSyntax);
  const reasons = asked.map((ts) => transcodeRefusal(ts, bitsAllocated)).filter(Boolean);
  throw new NotAcceptable(`instance ${sopInstanceUid} cannot be given in ${asked.join(', ')}: ${reasons[0] ?? 'not offered'}`, {
    offered: ['*', stored, ...TRANSCODE_TARGETS.filter((ts) => ts !== stored && transcodeRefusal(ts, bitsAllocated) === null)],
  });
}

/** A DicomError met while transcoding stored (hence once valid) data is a damaged file. */
function unprocessable(e: unknown): never {
  if (e instanceof DicomError) throw new AppError('UNPROCESSABLE_DICOM', `the stored instance cannot be transcoded: ${e.message}`);
  throw e;
}

async function bitsAllocatedOf(ctx: DomainContext, sopInstanceUids: string[]): Promise<Map<string, number | null>> {
  const rows = await poolSql(ctx.db).query<{ sopInstanceUid: string; bitsAllocated: number | null }>(
    'SELECT "sopInstanceUid", "bitsAllocated" FROM "Instance" WHERE "sopInstanceUid" = ANY($1)', [sopInstanceUids]);
  return new Map(rows.map((r) => [r.sopInstanceUid, r.bitsAllocated]));
}

export interface RetrievedInstance<T> {
  sopInstanceUid: string;
  sha256: string;
  /** The representation chosen from the acceptable ones. */
  choice: T;
  /** The syntax it is sent in ('*' resolved to the stored syntax). */
  transferSyntaxUid: string;
  /** True when the bytes are the file exactly as received. */
  original: boolean;
  read: () => Promise<Uint8Array>;
}

/**
 * Files in a stable order, read lazily so a large study streams instead of filling memory, each in
 * the first of `acceptable` it can be given in (NOT_ACCEPTABLE, before anything is read, when an
 * instance can be given in none).
 */
export async function retrieveInstances<T extends AcceptableSyntax>(
  ctx: DomainContext, target: RetrievalTarget, acceptable: T[], options: { auditAction?: string } = {},
): Promise<RetrievedInstance<T>[]> {
  const rows = await locate(ctx, target, options.auditAction ?? 'dicomweb.retrieve');
  const transcoding = acceptable.some((a) => a.transferSyntax !== '*');
  const bits = transcoding ? await bitsAllocatedOf(ctx, rows.map((r) => r.sopInstanceUid)) : new Map<string, number | null>();
  return rows.map((r) => {
    const bitsAllocated = bits.get(r.sopInstanceUid) ?? null;
    const choice = choose(acceptable, r.transferSyntaxUid, bitsAllocated, r.sopInstanceUid);
    const wanted = choice.transferSyntax === '*' ? r.transferSyntaxUid : choice.transferSyntax;
    const transferSyntaxUid = wanted === r.transferSyntaxUid ? wanted : writtenTransferSyntax(wanted, bitsAllocated !== null);
    const original = transferSyntaxUid === r.transferSyntaxUid;
    return {
      sopInstanceUid: r.sopInstanceUid, sha256: r.sha256, choice, transferSyntaxUid, original,
      read: async () => {
        const file = await readInstanceFileCached(ctx, r.storageKey);
        return original ? file : (await transcodeInstance(file, transferSyntaxUid).catch(unprocessable)).bytes;
      },
    };
  });
}

export async function retrieveMetadata(ctx: DomainContext, target: RetrievalTarget, baseUrl: string): Promise<DicomJsonDataset[]> {
  const rows = await locate(ctx, target, 'dicomweb.metadata');
  const out: DicomJsonDataset[] = [];
  for (const r of rows) {
    const bytes = await readInstanceHeader(ctx, r.storageKey);
    const instanceUrl = `${baseUrl}/studies/${target.study}/series/${r.seriesInstanceUid}/instances/${r.sopInstanceUid}`;
    const pixel = parseInstance(bytes).pixelData;
    // implicit VR files name no VR: OW, as the dictionary has it for native Pixel Data
    const pixelDataVr = pixel && pixel.tag === 0x7fe00010 ? pixel.vr ?? 'OW' : undefined;
    out.push(instanceToDicomJson(bytes, (tag) => (tag === '7FE00010' ? `${instanceUrl}/frames/1` : null), { pixelDataVr }));
  }
  return out;
}

/**
 * Frames (1-based numbers) of one instance in the first of `acceptable` they can be given in: '*'
 * as stored (native little endian labelled Explicit VR Little Endian), else transcoded.
 */
export async function retrieveFrames<T extends AcceptableSyntax>(
  ctx: DomainContext, target: Required<RetrievalTarget>, requestedFrames: number[], acceptable: T[],
): Promise<{ choice: T; transferSyntaxUid: string; frames: Uint8Array[] }> {
  // each frame once, in the order first asked for; a bounded number per request (PS3.18 §9.5.1.2.1 frame lists)
  const frameNumbers = [...new Set(requestedFrames)];
  if (frameNumbers.length > MAX_FRAMES_PER_REQUEST) throw new Invalid(`${frameNumbers.length} frames asked for; at most ${MAX_FRAMES_PER_REQUEST} per request`);
  const [row] = await locate(ctx, target, 'dicomweb.frames');
  const first = acceptable[0]?.transferSyntax;
  const passthrough = first === JPEG_LS_LOSSLESS ? await storedJpegLsFrames(ctx, row.storageKey, frameNumbers) : null;
  if (passthrough) return { choice: acceptable[0], transferSyntaxUid: JPEG_LS_LOSSLESS, frames: passthrough };
  const native = first === '*' || first === EXPLICIT_VR_LITTLE_ENDIAN ? await nativeContainerFrames(ctx, row.storageKey, frameNumbers) : null;
  if (native) return { choice: acceptable[0], transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN, frames: native };
  const parsed = parseInstance(await readInstanceFileCached(ctx, row.storageKey));
  if (!parsed.pixelData) throw new NotFound(`frames in instance ${target.instance} (it has no pixel data)`);
  const total = numberOfFrames(parsed);
  const bad = frameNumbers.find((n) => !Number.isInteger(n) || n < 1 || n > total);
  if (bad !== undefined) throw new NotFound(`frame ${bad} (the instance has ${total} frame${total === 1 ? '' : 's'})`);
  const stored = NATIVE_LITTLE_ENDIAN.has(row.transferSyntaxUid) ? EXPLICIT_VR_LITTLE_ENDIAN : row.transferSyntaxUid;
  const choice = choose(acceptable, stored, parsed.instance.bitsAllocated ?? 0, target.instance);
  const transferSyntaxUid = choice.transferSyntax === '*' ? stored : choice.transferSyntax;
  const frames = await transcodeFrames(parsed, frameNumbers.map((n) => n - 1), transferSyntaxUid).catch(unprocessable);
  return { choice, transferSyntaxUid, frames };
}

/**
 * JPEG-LS frames straight from compressed storage, not decoded: the container's codestreams are
 * what encodeJpegLsLossless makes of the same frame (CharLS lossless, one component, P = Bits
 * Allocated) whenever Bits Stored = Bits Allocated and there is one sample per pixel, so those are
 * sent as they are. Null when that does not hold (or the blob is not a JPEG-LS container): the
 * caller transcodes.
 */
async function storedJpegLsFrames(ctx: DomainContext, storageKey: string, frameNumbers: number[]): Promise<Uint8Array[] | null> {
  const stored = await ctx.store.get(storageKey);
  const coded = containerFrames(stored);
  if (!coded || coded.codec !== 'jpeg-ls') return null;
  const header = parseInstance(await restoreFromStorage(stored, { pixels: false })).instance;
  if ((header.samplesPerPixel ?? 1) !== 1 || header.bitsStored !== header.bitsAllocated || header.columns !== coded.width) return null;
  const bad = frameNumbers.find((n) => !Number.isInteger(n) || n < 1 || n > coded.frames.length);
  if (bad !== undefined) throw new NotFound(`frame ${bad} (the instance has ${coded.frames.length} frame${coded.frames.length === 1 ? '' : 's'})`);
  return frameNumbers.map((n) => coded.frames[n - 1]);
}

/**
 * Native frames of a compressed-stored instance, decoded from the container's codestreams alone:
 * the file is not restored nor parsed, and only the frames asked for are decoded. Containers hold
 * native little-endian 8/16-bit files only, so the decoded bytes are the original frames as stored
 * (what '*' and Explicit VR Little Endian give). Null when the original is in the restored-file
 * cache (served from there) or the blob is not a container.
 */
async function nativeContainerFrames(ctx: DomainContext, storageKey: string, frameNumbers: number[]): Promise<Uint8Array[] | null> {
  if (isRestoredFileCached(storageKey)) return null;
  const stored = await ctx.store.get(storageKey);
  const coded = containerFrames(stored);
  if (!coded) return null;
  const bad = frameNumbers.find((n) => !Number.isInteger(n) || n < 1 || n > coded.frames.length);
  if (bad !== undefined) throw new NotFound(`frame ${bad} (the instance has ${coded.frames.length} frame${coded.frames.length === 1 ? '' : 's'})`);
  return decodeContainerFrames(stored, frameNumbers.map((n) => n - 1));
}

/** A frame rendered to PNG or JPEG (WADO-RS /rendered and /thumbnail, PS3.18 §10.4.1.1.3; WADO-URI §9). */
export async function renderInstance(
  ctx: DomainContext, target: Required<RetrievalTarget>,
  options: { frame: number; window?: Window | null; size?: { width: number; height: number }; format?: 'png' | 'jpeg'; quality?: number },
): Promise<Buffer> {
  const [row] = await locate(ctx, target, 'dicomweb.rendered');
  const parsed = parseInstance(await readInstanceFileCached(ctx, row.storageKey));
  const total = numberOfFrames(parsed);
  if (!parsed.pixelData) throw new NotFound(`image in instance ${target.instance}`);
  if (options.frame < 1 || options.frame > total) throw new NotFound(`frame ${options.frame} (the instance has ${total})`);
  const frame = await decodeFrame(parsed, options.frame - 1).catch(unprocessable);
  const render = { window: options.window, size: options.size };
  return options.format === 'jpeg' ? renderJpeg(parsed, frame, { ...render, quality: options.quality }) : renderPng(parsed, frame, render);
}
