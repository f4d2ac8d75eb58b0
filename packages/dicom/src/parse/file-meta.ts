// Locating the dataset of a file: the 128-byte preamble, "DICM" and the File Meta Information
// (PS3.10 §7.1), or — for files written without them — the first dataset element (PS3.5 §A.1).
import { DicomError } from './errors';
import { walkFileMeta } from './structure';

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
const EXPLICIT_VR_LITTLE_ENDIAN_UID = '1.2.840.10008.1.2.1';

export interface DatasetStart {
  transferSyntaxUid: string;
  /** Byte offset of the first dataset element after the file meta. */
  datasetStart: number;
  /** False for files without preamble/"DICM"/group 0002 (transfer syntax inferred, see below). */
  hasFileMeta: boolean;
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, Math.min(length, bytes.length - start))).toString('latin1');
}

const group = (bytes: Uint8Array, at: number) => (bytes.length >= at + 8 ? bytes[at] | (bytes[at + 1] << 8) : -1);
const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');

function classifyNonDicom(bytes: Uint8Array): DicomError {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return new DicomError('NOT_DICOM', 'this is a gzip file, not DICOM: decompress it first');
  if (bytes[0] === 0x89 && ascii(bytes, 1, 3) === 'PNG') return new DicomError('NOT_DICOM', 'this is a PNG image, not DICOM');
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return new DicomError('NOT_DICOM', 'this is a JPEG image, not DICOM');
  if (bytes.length >= 132) {
    const magic = ascii(bytes, 128, 4);
    // A near miss ("DICN") is a damaged prefix, not some other format.
    if ([...'DICM'].filter((c, i) => magic[i] === c).length >= 2) {
      return new DicomError('BAD_MAGIC', `expected "DICM" at byte 128 (PS3.10 §7.1), found "${printable(magic)}"`);
    }
    // File meta where it belongs but no "DICM" before it: the preamble/prefix was overwritten.
    if (group(bytes, 132) === 0x0002) {
      return new DicomError('BAD_PREAMBLE', `file meta information starts at byte 132 but bytes 128-131 are "${printable(magic)}", not "DICM" (PS3.10 §7.1)`);
    }
    return new DicomError('NOT_DICOM', 'no "DICM" prefix at byte 128 and no recognisable DICOM dataset: not a DICOM Part 10 file');
  }
  return new DicomError('NOT_DICOM', `only ${bytes.length} bytes and no DICOM prefix: not a DICOM file`);
}

function fromFileMeta(bytes: Uint8Array, start: number): DatasetStart {
  const meta = walkFileMeta(bytes, start);
  if (meta.elements.size === 0) {
    if (meta.end >= bytes.length) throw new DicomError('TRUNCATED', 'the file ends right after the "DICM" prefix: no file meta information and no dataset');
    throw new DicomError('FILE_META_INVALID', 'no file meta information (group 0002) follows the "DICM" prefix (PS3.10 §7.1)');
  }
  const ts = meta.elements.get(0x00020010);
  if (!ts) {
    if (meta.end >= bytes.length) throw new DicomError('TRUNCATED', 'the file ends inside its file meta information (group 0002)');
    throw new DicomError('FILE_META_INVALID', 'file meta information lacks Transfer Syntax UID (0002,0010) (PS3.10 §7.1)');
  }
  const transferSyntaxUid = ascii(bytes, ts.offset, ts.length).replace(/[\0 ]+$/, '');
  if (!/^[0-9.]{1,64}$/.test(transferSyntaxUid)) {
    throw new DicomError('FILE_META_INVALID', 'Transfer Syntax UID (0002,0010) is not a UID (digits and dots, at most 64)');
  }
  if (meta.end >= bytes.length) throw new DicomError('TRUNCATED', 'the file ends after its file meta information: there is no dataset');
  // A wrong (0002,0000) group length is common in the wild and harmless here (the group is read
  // element by element until the first non-0002 tag), so it is not refused.
  return { transferSyntaxUid, datasetStart: meta.end, hasFileMeta: true };
}

/**
 * Where the dataset starts and in which transfer syntax. Accepted layouts:
 * 1. preamble + "DICM" + group 0002 (PS3.10 §7.1) — the normal case;
 * 2. group 0002 at byte 0 without preamble (some toolkits' "raw" output), read the same way;
 * 3. no file meta at all, starting with a group 0008 element (ACR-NEMA style / pre-Part-10): the
 *    encoding is inferred from the first element — an uppercase two-letter VR after the tag means
 *    Explicit VR Little Endian, otherwise Implicit VR Little Endian (the PS3.5 §10.1 default).
 *    Such a file still has to pass every other check (structure, UIDs, pixel data).
 */
export function locateDataset(bytes: Uint8Array): DatasetStart {
  if (bytes.length === 0) throw new DicomError('EMPTY_FILE', 'the file is empty (0 bytes)');
  if (bytes.length >= 132 && ascii(bytes, 128, 4) === 'DICM') return fromFileMeta(bytes, 132);
  if (group(bytes, 0) === 0x0002) return fromFileMeta(bytes, 0);
  if (group(bytes, 0) === 0x0008) {
    const explicit = /^[A-Z]{2}$/.test(ascii(bytes, 4, 2));
    return { transferSyntaxUid: explicit ? EXPLICIT_VR_LITTLE_ENDIAN_UID : IMPLICIT_VR_LITTLE_ENDIAN, datasetStart: 0, hasFileMeta: false };
  }
  throw classifyNonDicom(bytes);
}
