// WADO-RS (PS3.18 §10.4): the stored files of a study, series or instance, exactly as received,
// and their metadata as DICOM JSON. Every retrieval is audited.
import { instancesForRetrieval, poolSql, recordAudit } from '@imaging/db';
import { instanceToDicomJson, parseInstance, frameBytes, numberOfFrames, decodeFrame, renderPng, type DicomJsonDataset, type Window } from '@imaging/dicom';
import { requirePermission } from '@imaging/auth';
import { NotFound } from '@imaging/errors';
import { auditBase, type DomainContext } from '../context';
import { readInstanceFile, readInstanceHeader } from '../ingest/compress-stored-instance';

export interface RetrievalTarget { study: string; series?: string; instance?: string }

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

/** Files in a stable order, read lazily so a large study streams instead of filling memory. */
export async function retrieveInstances(ctx: DomainContext, target: RetrievalTarget): Promise<{ sopInstanceUid: string; sha256: string; transferSyntaxUid: string; read: () => Promise<Uint8Array> }[]> {
  const rows = await locate(ctx, target, 'dicomweb.retrieve');
  return rows.map((r) => ({ sopInstanceUid: r.sopInstanceUid, sha256: r.sha256, transferSyntaxUid: r.transferSyntaxUid, read: () => readInstanceFile(ctx, r.storageKey) }));
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

/** Frames (1-based numbers) of one instance, as stored (no transcoding). */
export async function retrieveFrames(ctx: DomainContext, target: Required<RetrievalTarget>, frameNumbers: number[]): Promise<{ transferSyntaxUid: string; frames: Uint8Array[] }> {
  const [row] = await locate(ctx, target, 'dicomweb.frames');
  const parsed = parseInstance(await readInstanceFile(ctx, row.storageKey));
  const total = numberOfFrames(parsed);
  const bad = frameNumbers.find((n) => !Number.isInteger(n) || n < 1 || n > total);
  if (bad !== undefined) throw new NotFound(`frame ${bad} (the instance has ${total} frame${total === 1 ? '' : 's'})`);
  return { transferSyntaxUid: row.transferSyntaxUid, frames: frameNumbers.map((n) => frameBytes(parsed, n - 1)) };
}

/** A frame rendered to PNG (WADO-RS /rendered and /thumbnail, PS3.18 §10.4.1.1.3). */
export async function renderInstance(
  ctx: DomainContext, target: Required<RetrievalTarget>, options: { frame: number; window?: Window | null; size?: { width: number; height: number } },
): Promise<Buffer> {
  const [row] = await locate(ctx, target, 'dicomweb.rendered');
  const parsed = parseInstance(await readInstanceFile(ctx, row.storageKey));
  const total = numberOfFrames(parsed);
  if (!parsed.pixelData) throw new NotFound(`image in instance ${target.instance}`);
  if (options.frame < 1 || options.frame > total) throw new NotFound(`frame ${options.frame} (the instance has ${total})`);
  return renderPng(parsed, await decodeFrame(parsed, options.frame - 1), { window: options.window, size: options.size });
}
