// bench:codecs — which lossless codec the platform stores CT in (issue 14 asked whether HTJ2K wins over
// JPEG-LS). Both through the same Cornerstone wasm codecs the platform and the viewer use, one frame
// at a time on one thread, interleaved so load on the machine hits both alike: bytes, encode and
// decode time per 512² 16-bit frame, on the corpus's real CT and on synthetic CT, every round trip
// checked bit-exact. A codec comparison, not a platform figure: the platform's own storage figures
// are bench:storage's.
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseInstance, syntheticCtSeries } from '@imaging/dicom';
import { corpusDir } from '@imaging/testing';
import { readFileSync } from 'node:fs';
import { percentile, writeBenchResult } from './report';

interface FrameInfo { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean; isUsingColorTransform?: boolean }
interface WasmEncoder { getDecodedBuffer(info: FrameInfo): Uint8Array; encode(): void; getEncodedBuffer(): Uint8Array; delete(): void }
interface WasmDecoder { getEncodedBuffer(length: number): Uint8Array; decode(): void; getDecodedBuffer(): Uint8Array }
interface Codec { name: string; encoder(): WasmEncoder & { configure(): void }; decoder: WasmDecoder }

const ROUNDS = 9;
const REAL_CT = ['files/pydicom-data/693_UNCR.dcm', ...['01', '02', '03'].map((n) => `files/dcmqi/segmentations/ct-3slice/${n}.dcm`)];

async function loadCodecs(): Promise<Codec[]> {
  // the codecs are @imaging/dicom's dependencies: resolved from there, as the platform loads them
  const fromDicom = createRequire(require.resolve('@imaging/dicom'));
  const charls = await (fromDicom('@cornerstonejs/codec-charls/wasmjs') as () => Promise<Record<string, new () => unknown>>)();
  const openjph = await (fromDicom('@cornerstonejs/codec-openjph/wasmjs') as () => Promise<Record<string, new () => unknown>>)();
  return [
    {
      name: 'JPEG-LS lossless (CharLS)',
      encoder: () => { const e = new charls.JpegLSEncoder() as WasmEncoder & { setNearLossless(n: number): void }; return Object.assign(e, { configure: () => e.setNearLossless(0) }); },
      decoder: new charls.JpegLSDecoder() as WasmDecoder,
    },
    {
      name: 'HTJ2K lossless (OpenJPH)',
      encoder: () => { const e = new openjph.HTJ2KEncoder() as WasmEncoder & { setQuality(lossless: boolean, step: number): void }; return Object.assign(e, { configure: () => e.setQuality(true, 0) }); },
      decoder: new openjph.HTJ2KDecoder() as WasmDecoder,
    },
  ];
}

function pixelsOf(file: Uint8Array): Uint8Array {
  const parsed = parseInstance(file, { requireUids: false });
  const px = parsed.pixelData;
  if (!px || px.encapsulated || parsed.instance.rows !== 512 || parsed.instance.columns !== 512 || parsed.instance.bitsAllocated !== 16) throw new Error('expected a native 512² 16-bit frame');
  return file.slice(px.offset, px.offset + 512 * 512 * 2);
}

function roundTrip(codec: Codec, pixels: Uint8Array): { bytes: number; encodeMs: number; decodeMs: number; exact: boolean } {
  let start = performance.now();
  const encoder = codec.encoder();
  let coded: Uint8Array;
  try {
    encoder.getDecodedBuffer({ width: 512, height: 512, bitsPerSample: 16, componentCount: 1, isSigned: false, isUsingColorTransform: false }).set(pixels);
    encoder.configure();
    encoder.encode();
    coded = new Uint8Array(encoder.getEncodedBuffer());
  } finally {
    encoder.delete();
  }
  const encodeMs = performance.now() - start;
  start = performance.now();
  codec.decoder.getEncodedBuffer(coded.length).set(coded);
  codec.decoder.decode();
  const decoded = new Uint8Array(codec.decoder.getDecodedBuffer());
  const decodeMs = performance.now() - start;
  return { bytes: coded.length, encodeMs, decodeMs, exact: Buffer.from(decoded).equals(Buffer.from(pixels)) };
}

async function main() {
  const codecs = await loadCodecs();
  const sets = {
    realCt: REAL_CT.map((f) => pixelsOf(new Uint8Array(readFileSync(path.join(corpusDir(), f))))),
    syntheticCt: syntheticCtSeries({ seed: 7, slices: 8, size: 512 }).files.map(pixelsOf),
  };
  const result: Record<string, Record<string, { ratio: number; encodeMsP50: number; decodeMsP50: number; exact: boolean }>> = {};
  for (const [set, frames] of Object.entries(sets)) {
    const runs = codecs.map(() => ({ raw: 0, bytes: 0, encode: [] as number[], decode: [] as number[], exact: true }));
    for (let round = 0; round < ROUNDS; round++) {
      for (const pixels of frames) {
        codecs.forEach((codec, c) => {
          const r = roundTrip(codec, pixels);
          const run = runs[c];
          if (round === 0) { run.raw += pixels.length; run.bytes += r.bytes; }
          run.encode.push(r.encodeMs);
          run.decode.push(r.decodeMs);
          run.exact &&= r.exact;
        });
      }
    }
    result[set] = Object.fromEntries(codecs.map((codec, c) => {
      const run = runs[c];
      const p50 = (xs: number[]) => +percentile([...xs].sort((a, b) => a - b), 50).toFixed(2);
      return [codec.name, { ratio: +(run.raw / run.bytes).toFixed(2), encodeMsP50: p50(run.encode), decodeMsP50: p50(run.decode), exact: run.exact }];
    }));
  }
  console.log(`\nlossless codecs, 512² 16-bit CT, one thread, p50 of ${ROUNDS} interleaved rounds`);
  for (const [set, byCodec] of Object.entries(result)) {
    console.log(`  ${set}`);
    for (const [name, r] of Object.entries(byCodec)) console.log(`    ${name.padEnd(28)} ratio ${r.ratio.toFixed(2)}  encode ${r.encodeMsP50.toFixed(1)} ms  decode ${r.decodeMsP50.toFixed(1)} ms  ${r.exact ? 'bit-exact' : 'NOT EXACT'}`);
  }
  const file = writeBenchResult('codecs', { frames: { realCt: REAL_CT, syntheticCt: 8 }, rounds: ROUNDS, result });
  console.log(`\nwritten ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
