// Minimal DICOM Part 10 writer (Explicit VR Little Endian, PS3.5 §7.1.2; file meta PS3.10 §7.1),
// enough for synthetic CT series (demo data, benchmarks, tests). Pure: values in, bytes out.

export type Vr = 'AE' | 'AS' | 'CS' | 'DA' | 'DS' | 'IS' | 'LO' | 'LT' | 'PN' | 'SH' | 'ST' | 'TM' | 'UI' | 'US' | 'UL' | 'SS' | 'OB' | 'OW';

export interface Element { tag: number; vr: Vr; value: string | number | (string | number)[] | Uint8Array }

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const IMPLEMENTATION_CLASS_UID = '1.2.826.0.1.3680043.10.1561.1';
const LONG_LENGTH_VRS = new Set<Vr>(['OB', 'OW']);

function padded(bytes: Uint8Array, pad: number): Uint8Array {
  if (bytes.length % 2 === 0) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  out[bytes.length] = pad;
  return out;
}

function valueBytes(e: Element): Uint8Array {
  const { vr, value } = e;
  if (value instanceof Uint8Array) return padded(value, 0);
  if (vr === 'US' || vr === 'SS' || vr === 'UL') {
    const values = (Array.isArray(value) ? value : [value]).map(Number);
    const size = vr === 'UL' ? 4 : 2;
    const buf = Buffer.alloc(values.length * size);
    values.forEach((v, i) => {
      if (vr === 'UL') buf.writeUInt32LE(v, i * size);
      else if (vr === 'SS') buf.writeInt16LE(v, i * size);
      else buf.writeUInt16LE(v, i * size);
    });
    return buf;
  }
  const text = Array.isArray(value) ? value.join('\\') : String(value);
  return padded(Buffer.from(text, 'latin1'), vr === 'UI' ? 0 : 0x20);
}

/** One element in Explicit VR Little Endian (PS3.5 §7.1.2). */
export function encodeElement(e: Element): Buffer {
  const value = valueBytes(e);
  const long = LONG_LENGTH_VRS.has(e.vr);
  const header = Buffer.alloc(long ? 12 : 8);
  header.writeUInt16LE(e.tag >>> 16, 0);
  header.writeUInt16LE(e.tag & 0xffff, 2);
  header.write(e.vr, 4, 'latin1');
  if (long) header.writeUInt32LE(value.length, 8);
  else {
    if (value.length > 0xffff) throw new Error(`value of (${e.tag.toString(16)}) too long for VR ${e.vr}`);
    header.writeUInt16LE(value.length, 6);
  }
  return Buffer.concat([header, value]);
}

export interface FileMeta { sopClassUid: string; sopInstanceUid: string; transferSyntaxUid?: string }

/** Preamble, "DICM" and the File Meta Information group (PS3.10 §7.1). */
export function fileMetaBytes(meta: FileMeta): Buffer {
  const metaBody = Buffer.concat([
    encodeElement({ tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) }),
    encodeElement({ tag: 0x00020002, vr: 'UI', value: meta.sopClassUid }),
    encodeElement({ tag: 0x00020003, vr: 'UI', value: meta.sopInstanceUid }),
    encodeElement({ tag: 0x00020010, vr: 'UI', value: meta.transferSyntaxUid ?? EXPLICIT_VR_LITTLE_ENDIAN }),
    encodeElement({ tag: 0x00020012, vr: 'UI', value: IMPLEMENTATION_CLASS_UID }),
  ]);
  const groupLength = encodeElement({ tag: 0x00020000, vr: 'UL', value: metaBody.length });
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), groupLength, metaBody]);
}

/** Serialises a dataset (any element order; sorted here) with its file meta information. */
export function writePart10(dataset: Element[], meta: FileMeta): Buffer {
  const body = [...dataset].sort((a, b) => a.tag - b.tag).map(encodeElement);
  return Buffer.concat([fileMetaBytes(meta), ...body]);
}
