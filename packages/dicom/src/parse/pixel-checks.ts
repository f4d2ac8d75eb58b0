// Pixel data consistency (PS3.5 §8): native data long enough for its geometry, encapsulated data
// only for encapsulated syntaxes and well-formed (RLE headers, codestream markers).
import { DicomError } from './errors';
import type { TransferSyntaxInfo } from './transfer-syntax';
import type { PixelDataLocation, ParsedInstance } from './parse-instance';

type Geometry = Pick<ParsedInstance['instance'], 'rows' | 'columns' | 'numberOfFrames' | 'bitsAllocated' | 'samplesPerPixel' | 'photometricInterpretation'>;

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

export function checkPixelData(px: PixelDataLocation, g: Geometry, ts: TransferSyntaxInfo, tag: string): void {
  if (!g.rows || !g.columns || !g.bitsAllocated) throw invalid(`Pixel Data ${tag} is present but Rows, Columns or BitsAllocated is missing`);
  if (ts.encapsulated !== px.encapsulated) {
    throw invalid(ts.encapsulated
      ? `transfer syntax ${ts.name} requires encapsulated (fragmented) Pixel Data, but ${tag} has a defined length (PS3.5 §A.4)`
      : `transfer syntax ${ts.name} requires native Pixel Data, but ${tag} is encapsulated`);
  }
  if (!px.encapsulated) {
    const expected = expectedNativeBytes(g);
    if (px.length < expected) {
      throw invalid(`Pixel Data holds ${px.length} bytes but ${g.rows}×${g.columns}, ${g.numberOfFrames ?? 1} frame(s), ${g.samplesPerPixel ?? 1} sample(s), ${g.bitsAllocated} bits need ${expected}`);
    }
    return;
  }
  // Encapsulated: item 0 is the Basic Offset Table; frames follow.
  const [, ...fragments] = px.fragments;
  if (fragments.length === 0) throw invalid('encapsulated Pixel Data has no fragments after its Basic Offset Table');
  const frames = g.numberOfFrames && g.numberOfFrames > 0 ? g.numberOfFrames : 1;
  const frameStarts = fragments.length === frames ? fragments : [fragments[0]];
  frameStarts.forEach((f, i) => {
    const frame = px.source.subarray(f.offset, f.offset + f.length);
    if (ts.codestream === 'rle') checkRleFrame(frame, i);
    else if (!startsWithMarker(frame, ts.codestream)) throw invalid(`frame ${i + 1} does not start with a ${ts.codestream === 'jpeg' ? 'JPEG SOI' : 'JPEG 2000'} marker for ${ts.name}`);
  });
}
