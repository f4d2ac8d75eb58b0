// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient types for an untyped package, also seen by dependents that typecheck this source
/// <reference path="./dcmjs.d.ts" />
// DICOM JSON Model (PS3.18 §F.2): building attributes for QIDO-RS answers, and converting whole
// stored instances for WADO-RS metadata (binary values become BulkDataURIs or InlineBinary).
import * as dcmjs from 'dcmjs';

export type DicomJsonValue = string | number | { Alphabetic: string } | DicomJsonDataset;
export interface DicomJsonAttribute { vr: string; Value?: DicomJsonValue[]; BulkDataURI?: string; InlineBinary?: string }
export type DicomJsonDataset = Record<string, DicomJsonAttribute>;

const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const INLINE_LIMIT_BYTES = 1024;

dcmjs.log.setLevel('error');

/** One attribute; null/empty values give an attribute with no Value (PS3.18 §F.2.5). */
export function attr(vr: string, value: string | number | null | undefined | (string | number)[]): DicomJsonAttribute {
  const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== null && v !== undefined && v !== '');
  if (values.length === 0) return { vr };
  if (vr === 'PN') return { vr, Value: values.map((v) => ({ Alphabetic: String(v) })) };
  return { vr, Value: values as (string | number)[] };
}

function convert(dataset: Record<string, { vr: string; Value?: unknown[] }>, bulkDataUri: (tag: string) => string | null): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const [tag, element] of Object.entries(dataset)) {
    const vr = element.vr;
    if (BINARY_VRS.has(vr)) {
      const buffers = (element.Value ?? []).filter((v): v is ArrayBuffer => v instanceof ArrayBuffer);
      const size = buffers.reduce((a, b) => a + b.byteLength, 0);
      const uri = bulkDataUri(tag);
      if (uri && (size > INLINE_LIMIT_BYTES || tag === '7FE00010')) out[tag] = { vr, BulkDataURI: uri };
      else if (buffers.length) out[tag] = { vr, InlineBinary: Buffer.concat(buffers.map((b) => Buffer.from(b))).toString('base64') };
      else out[tag] = { vr };
      continue;
    }
    if (vr === 'SQ') {
      out[tag] = { vr, Value: (element.Value ?? []).map((item) => convert(item as Record<string, { vr: string; Value?: unknown[] }>, () => null)) };
      continue;
    }
    const values = (element.Value ?? []).filter((v) => v !== null && v !== undefined && v !== '');
    out[tag] = values.length ? { vr, Value: values as DicomJsonValue[] } : { vr };
  }
  return out;
}

/** The whole dataset of a Part 10 file as DICOM JSON. `bulkDataUri(tag)` names where large binary
 *  values can be fetched (null: inline them). */
export function instanceToDicomJson(bytes: Uint8Array, bulkDataUri: (tag: string) => string | null, options: { pixelDataVr?: string } = {}): DicomJsonDataset {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  // Metadata never carries pixel values (they are a BulkDataURI): with the Pixel Data VR known,
  // parsing stops before it (measured: 1.0 vs 4.4 ms for a 512² CT slice).
  const stopAtPixels = options.pixelDataVr !== undefined;
  const message = dcmjs.data.DicomMessage.readFile(buffer, { ignoreErrors: true, ...(stopAtPixels ? { untilTag: '7FE00010' } : {}) });
  const dict = message.dict as Record<string, { vr: string; Value?: unknown[] }>;
  // dcmjs leaves a placeholder for the tag it stopped at
  if (stopAtPixels) delete dict['7FE00010'];
  const json = convert(dict, bulkDataUri);
  const uri = bulkDataUri('7FE00010');
  if (stopAtPixels && uri) json['7FE00010'] = { vr: options.pixelDataVr!, BulkDataURI: uri };
  return json;
}
