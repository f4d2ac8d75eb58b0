// WebAssembly codecs (cornerstone builds of CharLS, OpenJPEG, OpenJPH). Each wasm module is
// instantiated once, on first use. JPEG (DCT and lossless) is decoded in TypeScript: see jpeg/.
/* eslint-disable @typescript-eslint/no-require-imports -- the codec packages are CommonJS factories without types */
import { DicomError } from '../parse/errors';

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  getInterleaveMode?(): number;
  delete(): void;
}
type Factory = () => Promise<Record<string, new () => WasmDecoder>>;

const modules = new Map<string, Promise<Record<string, new () => WasmDecoder>>>();

function load(name: string, factory: () => Factory): Promise<Record<string, new () => WasmDecoder>> {
  let m = modules.get(name);
  if (!m) {
    // OpenJPEG prints to stdout while it decodes; route its output nowhere.
    m = (factory() as unknown as (o: Record<string, unknown>) => Promise<Record<string, new () => WasmDecoder>>)({ print: () => undefined, printErr: () => undefined });
    modules.set(name, m);
  }
  return m;
}

/** `planar`: components come one after another (JPEG-LS interleave mode 0), not interleaved by pixel. */
export interface CodecOutput { bytes: Uint8Array; width: number; height: number; bitsPerSample: number; components: number; planar: boolean }

async function runWasm(name: string, factory: () => Factory, className: string, encoded: Uint8Array): Promise<CodecOutput> {
  const module = await load(name, factory);
  const decoder = new module[className]();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const planar = info.componentCount > 1 && decoder.getInterleaveMode?.() === 0;
    return { bytes: new Uint8Array(decoder.getDecodedBuffer()), width: info.width, height: info.height, bitsPerSample: info.bitsPerSample, components: info.componentCount, planar };
  } catch (e) {
    // The codecs throw C++ exceptions as numbers or strings: report them as damaged pixel data.
    throw new DicomError('PIXEL_DATA_INVALID', `the ${name} decoder cannot decode this frame (${typeof e === 'string' ? e.slice(0, 120) : 'corrupt codestream'})`);
  } finally {
    decoder.delete();
  }
}

export const decodeJpegLs = (b: Uint8Array) => runWasm('charls', () => require('@cornerstonejs/codec-charls/wasmjs'), 'JpegLSDecoder', b);
export const decodeJ2k = (b: Uint8Array) => runWasm('openjpeg', () => require('@cornerstonejs/codec-openjpeg/wasmjs'), 'J2KDecoder', b);
export const decodeHtj2k = (b: Uint8Array) => runWasm('openjph', () => require('@cornerstonejs/codec-openjph/wasmjs'), 'HTJ2KDecoder', b);
