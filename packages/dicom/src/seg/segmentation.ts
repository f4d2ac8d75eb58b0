// DICOM Segmentation (PS3.3 A.51, binary): each frame is one segment on one source image. The
// sequences come from dcmjs; the frames from this package's own decoder (1-bit, RLE, deflated...).
import * as dcmjs from 'dcmjs';
import { DicomError } from '../parse/errors';
import { parseInstance } from '../parse/parse-instance';
import { decodeAllFrames } from '../decode/decode';

type Item = Record<string, { Value?: unknown[] }>;

export interface SegmentationFrame {
  /** SOP Instance UID of the image this frame segments. */
  referencedSopInstanceUid: string;
  segmentNumber: number;
  /** rows × columns, 1 inside the segment. */
  mask: Uint8Array;
}

export interface Segmentation {
  rows: number;
  columns: number;
  segments: { number: number; label: string }[];
  /** Series Instance UIDs named by the Referenced Series Sequence (PS3.3 C.12.2). */
  referencedSeriesInstanceUids: string[];
  frames: SegmentationFrame[];
}

const SEG_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';

function items(item: Item | undefined, tag: string): Item[] {
  return (item?.[tag]?.Value ?? []) as Item[];
}
function first<T>(item: Item | undefined, tag: string): T | undefined {
  return item?.[tag]?.Value?.[0] as T | undefined;
}

/** The source image and segment of one frame: per-frame functional groups, else the shared ones. */
function frameReference(perFrame: Item | undefined, shared: Item | undefined): { sop: string | undefined; segment: number | undefined } {
  const pick = (group: Item | undefined) => ({
    sop: first<string>(items(items(group, '00089124')[0], '00082112')[0], '00081155'),
    segment: first<number>(items(group, '0062000A')[0], '0062000B'),
  });
  const own = pick(perFrame);
  const common = pick(shared);
  return { sop: own.sop ?? common.sop, segment: own.segment ?? common.segment };
}

export async function readSegmentation(bytes: Uint8Array): Promise<Segmentation> {
  const parsed = parseInstance(bytes);
  if (parsed.sopClassUid !== SEG_STORAGE) throw new DicomError('NOT_DICOM', `not a Segmentation object (SOP Class ${parsed.sopClassUid})`);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const dict = dcmjs.data.DicomMessage.readFile(buffer, { ignoreErrors: true }).dict as Item;
  const segments = items(dict, '00620002').map((s) => ({ number: Number(first(s, '00620004')), label: String(first(s, '00620005') ?? '') }));
  const shared = items(dict, '52009229')[0];
  const perFrame = items(dict, '52009230');
  const decoded = await decodeAllFrames(parsed);
  const frames = decoded.map((frame, i) => {
    const ref = frameReference(perFrame[i], shared);
    if (!ref.sop || ref.segment === undefined) throw new DicomError('PIXEL_DATA_INVALID', `segmentation frame ${i + 1} names no source image or segment`);
    const mask = new Uint8Array(frame.rows * frame.columns);
    for (let p = 0; p < mask.length; p++) mask[p] = frame.pixels[p] ? 1 : 0;
    return { referencedSopInstanceUid: ref.sop, segmentNumber: Number(ref.segment), mask };
  });
  const referencedSeriesInstanceUids = items(dict, '00081115').map((s) => first<string>(s, '0020000E')).filter((uid): uid is string => !!uid);
  return { rows: parsed.instance.rows ?? 0, columns: parsed.instance.columns ?? 0, segments, referencedSeriesInstanceUids, frames };
}
