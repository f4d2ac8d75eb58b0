// Pixel data consistency (PS3.5 §8): native data long enough for its geometry, encapsulated data
// only for encapsulated syntaxes and well-formed (offset table, RLE headers, codestream markers).
import { DicomError, DEFAULT_DICOM_LIMITS, type DicomLimits } from './errors';
import type { TransferSyntaxInfo } from './transfer-syntax';
import type { PixelDataLocation, ParsedInstance } from './parse-instance';
import { frameFragments, joinFragments } from './frame-index';

type Geometry = Pick<ParsedInstance['instance'], 'rows' | 'columns' | 'numberOfFrames' | 'bitsAllocated' | 'samplesPerPixel' | 'photometricInterpretation'>
  & Partial<Pick<ParsedInstance['instance'], 'bitsStored' | 'pixelRepresentation'>>;

const invalid = (message: string) => new DicomError('PIXEL_DATA_INVALID', message);

export function expectedNativeBytes(g: Geometry): number {
  const frames = g.numberOfFrames && g.numberOfFrames > 0 ? g.numberOfFrames : 1;
  const samples = g.samplesPerPixel ?? 1;
  const pixels = (g.rows ?? 0) * (g.columns ?? 0) * frames;
  // YBR_FULL_422 stores two samples per pixel (PS3.3 C.7.6.3.1.2).
  const samplesStored = g.photometricInterpretation === 'YBR_FULL_422' ? 2 : samples;
  if (g.bitsAllocated === 1) return Math.ceil((pixels * samplesStored) / 8);
  return (pixels * samplesStored * (g.bitsAllocated ?? 0)) / 8;
}

function checkRleFrame(frame: Uint8Array, index: number) {
  if (frame.length < 64) throw invalid(`RLE frame ${index + 1} is shorter than its 64-byte header (PS3.5 §G.5)`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  if (segments < 1 || segments > 15) throw invalid(`RLE frame ${index + 1} declares ${segments} segments; 1 to 15 are allowed (PS3.5 §G.5)`);
  let previous = 0;
  for (let s = 0; s < segments; s++) {
    const offset = view.getUint32(4 + s * 4, true);
    if ((s === 0 && offset !== 64) || offset <= previous || offset >= frame.length) {
      throw invalid(`RLE frame ${index + 1}: segment ${s + 1} offset ${offset} is outside the frame of ${frame.length} bytes`);
    }
    previous = offset;
  }
}

function startsWithMarker(frame: Uint8Array, codestream: TransferSyntaxInfo['codestream']): boolean {
  if (codestream === 'jpeg') return frame[0] === 0xff && frame[1] === 0xd8;
  if (codestream === 'j2k') {
    const jp2 = frame.length >= 12 && frame[4] === 0x6a && frame[5] === 0x50 && frame[6] === 0x20 && frame[7] === 0x20;
    return (frame[0] === 0xff && frame[1] === 0x4f) || jp2;
  }
  return true;
}

/** Image Pixel Module values a decoder relies on (PS3.3 §C.7.6.3, PS3.5 §8.1.1). */
function checkGeometry(g: Geometry, tag: string): void {
  if (!g.rows || !g.columns || !g.bitsAllocated) throw invalid(`Pixel Data ${tag} is present but Rows, Columns or BitsAllocated is missing or zero`);
  if (![1, 8, 16, 32, 64].includes(g.bitsAllocated)) throw invalid(`BitsAllocated ${g.bitsAllocated} is not 1, 8, 16, 32 or 64 (PS3.5 §8.1.1)`);
  if (g.bitsStored != null && (g.bitsStored < 1 || g.bitsStored > g.bitsAllocated)) throw invalid(`BitsStored ${g.bitsStored} is not between 1 and BitsAllocated ${g.bitsAllocated} (PS3.3 §C.7.6.3.1)`);
  if (g.samplesPerPixel !== null && (g.samplesPerPixel < 1 || g.samplesPerPixel > 4)) throw invalid(`SamplesPerPixel ${g.samplesPerPixel} is not 1 to 4 (PS3.3 §C.7.6.3.1.1)`);
  if (g.pixelRepresentation != null && g.pixelRepresentation > 1) throw invalid(`PixelRepresentation ${g.pixelRepresentation} is not 0 or 1 (PS3.3 §C.7.6.3.1)`);
  if (g.numberOfFrames !== null && !(Number.isInteger(g.numberOfFrames) && g.numberOfFrames >= 1)) throw invalid(`NumberOfFrames "${g.numberOfFrames}" is not a positive integer (PS3.3 §C.7.6.6)`);
}

/** The decode budget, checked from the header alone, before any decoder allocates. */
export function checkPixelBudget(g: Geometry, limits: DicomLimits = DEFAULT_DICOM_LIMITS): void {
  const framePixels = (g.rows ?? 0) * (g.columns ?? 0) * (g.samplesPerPixel ?? 1);
  const frames = g.numberOfFrames && g.numberOfFrames > 0 ? g.numberOfFrames : 1;
  const budget = (message: string) => new DicomError('PIXEL_BUDGET_EXCEEDED', message);
  if (framePixels > limits.maxFramePixels) throw budget(`a frame of ${g.rows}×${g.columns}×${g.samplesPerPixel ?? 1} samples exceeds the limit of ${limits.maxFramePixels} per frame`);
  if (frames > limits.maxFrames) throw budget(`${frames} frames exceed the limit of ${limits.maxFrames} per instance`);
  if (framePixels * frames > limits.maxInstancePixels) throw budget(`${frames} frames of ${framePixels} samples exceed the limit of ${limits.maxInstancePixels} per instance`);
}

/** Frame size a JPEG codestream declares in its SOF segment (ITU T.81 §B.2.2), or null if none is found. */
export function jpegFrameSize(frame: Uint8Array): { rows: number; columns: number } | null {
  let i = 2;
  while (i + 9 < frame.length) {
    if (frame[i] !== 0xff) return null;
    const marker = frame[i + 1];
    if (marker === 0xff) { i++; continue; }
    const length = (frame[i + 2] << 8) | frame[i + 3];
    const sof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (sof || marker === 0xf7) return { rows: (frame[i + 5] << 8) | frame[i + 6], columns: (frame[i + 7] << 8) | frame[i + 8] }; // F7: JPEG-LS SOF55
    if (marker === 0xda) return null; // scan data before any SOF
    i += 2 + length;
  }
  return null;
}

export function checkPixelData(px: PixelDataLocation, g: Geometry, ts: TransferSyntaxInfo, tag: string, limits: DicomLimits = DEFAULT_DICOM_LIMITS): void {
  checkGeometry(g, tag);
  checkPixelBudget(g, limits);
  if (ts.encapsulated !== px.encapsulated) {
    throw invalid(ts.encapsulated
      ? `transfer syntax ${ts.name} requires encapsulated (fragmented) Pixel Data, but ${tag} has a defined length (PS3.5 §A.4)`
      : `transfer syntax ${ts.name} requires native Pixel Data, but ${tag} is encapsulated (PS3.5 §A.4)`);
  }
  if (!px.encapsulated) {
    const expected = expectedNativeBytes(g);
    if (px.length < expected) {
      throw invalid(`Pixel Data holds ${px.length} bytes but ${g.rows}×${g.columns}, ${g.numberOfFrames ?? 1} frame(s), ${g.samplesPerPixel ?? 1} sample(s), ${g.bitsAllocated} bits need ${expected} (PS3.5 §8.1.1)`);
    }
    return;
  }
  const frames = g.numberOfFrames ?? 1;
  frameFragments(px, frames, ts.codestream).forEach((fragments, i) => {
    if (fragments.length === 0) throw invalid(`frame ${i + 1} has no fragments (PS3.5 §A.4)`);
    if (ts.codestream === 'rle') checkRleFrame(joinFragments(px.source, fragments), i);
    else {
      const head = px.source.subarray(fragments[0].offset, fragments[0].offset + fragments[0].length);
      if (!startsWithMarker(head, ts.codestream)) {
        throw invalid(`frame ${i + 1} does not start with a ${ts.codestream === 'jpeg' ? 'JPEG SOI' : 'JPEG 2000'} marker for ${ts.name}`);
      }
      // a decoder allocates what the codestream declares, not what Rows/Columns say
      const declared = ts.codestream === 'jpeg' ? jpegFrameSize(head) : null;
      if (declared && (declared.rows > (g.rows ?? 0) || declared.columns > (g.columns ?? 0))) {
        throw invalid(`frame ${i + 1} declares ${declared.rows}×${declared.columns} in its codestream but Rows × Columns is ${g.rows}×${g.columns}`);
      }
    }
  });
}
