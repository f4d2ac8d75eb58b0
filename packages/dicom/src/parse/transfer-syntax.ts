// Transfer syntaxes we accept (PS3.5 §10 and Annex A), and how their pixel data is encoded.
export interface TransferSyntaxInfo {
  name: string;
  /** Pixel data in fragments (PS3.5 §A.4) rather than native. */
  encapsulated: boolean;
  explicitVr: boolean;
  littleEndian: boolean;
  /** Whole dataset deflated after the file meta (PS3.5 §A.5). */
  deflated?: boolean;
  lossy?: boolean;
  /** Marker that starts each compressed frame: JPEG SOI (FFD8), J2K SOC (FF4F). */
  codestream?: 'jpeg' | 'j2k' | 'rle' | 'deflate';
}

export const TRANSFER_SYNTAXES: Record<string, TransferSyntaxInfo> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', encapsulated: false, explicitVr: false, littleEndian: true },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', encapsulated: false, explicitVr: true, littleEndian: true },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', encapsulated: false, explicitVr: true, littleEndian: true, deflated: true },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian', encapsulated: false, explicitVr: true, littleEndian: false },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', encapsulated: true, explicitVr: true, littleEndian: true, codestream: 'rle' },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (Process 1)', encapsulated: true, explicitVr: true, littleEndian: true, lossy: true, codestream: 'jpeg' },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (Process 2 & 4)', encapsulated: true, explicitVr: true, littleEndian: true, lossy: true, codestream: 'jpeg' },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless (Process 14)', encapsulated: true, explicitVr: true, littleEndian: true, codestream: 'jpeg' },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless SV1', encapsulated: true, explicitVr: true, littleEndian: true, codestream: 'jpeg' },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', encapsulated: true, explicitVr: true, littleEndian: true, codestream: 'jpeg' },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Near-Lossless', encapsulated: true, explicitVr: true, littleEndian: true, lossy: true, codestream: 'jpeg' },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 Lossless', encapsulated: true, explicitVr: true, littleEndian: true, codestream: 'j2k' },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', encapsulated: true, explicitVr: true, littleEndian: true, lossy: true, codestream: 'j2k' },
  '1.2.840.10008.1.2.4.201': { name: 'HTJ2K Lossless', encapsulated: true, explicitVr: true, littleEndian: true, codestream: 'j2k' },
  '1.2.840.10008.1.2.4.202': { name: 'HTJ2K Lossless RPCL', encapsulated: true, explicitVr: true, littleEndian: true, codestream: 'j2k' },
  '1.2.840.10008.1.2.4.203': { name: 'HTJ2K', encapsulated: true, explicitVr: true, littleEndian: true, lossy: true, codestream: 'j2k' },
  '1.2.840.10008.1.2.8.1': { name: 'Deflated Image Frame Compression', encapsulated: true, explicitVr: true, littleEndian: true, codestream: 'deflate' },
};

export function transferSyntax(uid: string): TransferSyntaxInfo | undefined {
  return TRANSFER_SYNTAXES[uid];
}
