// Lossless coding of storage-container frames on worker threads (JPEG-LS by CharLS, HTJ2K by
// OpenJPH), so that the codec work (~4-10 ms per 512² 16-bit frame each way) leaves the event loop
// free and concurrent requests or jobs use every core. Each thread loads a codec's module on first
// use and keeps one decoder per codec (its wasm buffers are reused).
// The thread body is plain JavaScript evaluated from a string, so it runs unbuilt under jest too.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { DicomError } from '../parse/errors';

/** The lossless codings a storage container's frames can have. */
export type StorageCodec = 'jpeg-ls' | 'htj2k';
export const STORAGE_CODECS: readonly StorageCodec[] = ['jpeg-ls', 'htj2k'];

const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const modules = {};
const decoders = {};
const CODECS = {
  'jpeg-ls': { module: workerData.charls, decoder: 'JpegLSDecoder', encoder: 'JpegLSEncoder', lossless: (e) => e.setNearLossless(0) },
  'htj2k': { module: workerData.openjph, decoder: 'HTJ2KDecoder', encoder: 'HTJ2KEncoder', lossless: (e) => e.setQuality(true, 0) },
};
parentPort.on('message', async (task) => {
  const codec = CODECS[task.codec];
  try {
    const wasm = await (modules[task.codec] ??= require(codec.module)());
    let output;
    if (task.kind === 'decode') {
      const decoder = (decoders[task.codec] ??= new wasm[codec.decoder]());
      decoder.getEncodedBuffer(task.input.length).set(task.input);
      decoder.decode();
      output = new Uint8Array(decoder.getDecodedBuffer());
    } else {
      const encoder = new wasm[codec.encoder]();
      try {
        encoder.getDecodedBuffer({ width: task.width, height: task.height, bitsPerSample: task.bitsPerSample, componentCount: task.componentCount, isSigned: false, isUsingColorTransform: false }).set(task.input);
        codec.lossless(encoder);
        if (task.interleaveMode && task.codec === 'jpeg-ls') encoder.setInterleaveMode(task.interleaveMode);
        encoder.encode();
        output = new Uint8Array(encoder.getEncodedBuffer());
      } finally {
        encoder.delete();
      }
    }
    parentPort.postMessage({ id: task.id, output }, [output.buffer]);
  } catch (e) {
    // a C++ exception may leave the decoder half-way: the next frame gets a fresh one
    if (decoders[task.codec]) { decoders[task.codec].delete(); delete decoders[task.codec]; }
    parentPort.postMessage({ id: task.id, error: typeof e === 'string' ? e.slice(0, 120) : 'corrupt codestream' });
  }
});
`;

interface Pending { codec: StorageCodec; resolve: (bytes: Uint8Array) => void; reject: (e: Error) => void }
interface CodecThread { worker: Worker; pending: Map<number, Pending> }

const THREADS = Math.max(1, Math.min(2, os.availableParallelism()));
const threads: CodecThread[] = [];
let nextTaskId = 0;

function startThread(): CodecThread {
  const worker = new Worker(THREAD_SOURCE, {
    eval: true,
    workerData: { charls: require.resolve('@cornerstonejs/codec-charls/wasmjs'), openjph: require.resolve('@cornerstonejs/codec-openjph/wasmjs') },
  });
  const thread: CodecThread = { worker, pending: new Map() };
  worker.on('message', (m: { id: number; output?: Uint8Array; error?: string }) => {
    const task = thread.pending.get(m.id);
    if (!task) return;
    thread.pending.delete(m.id);
    if (thread.pending.size === 0) worker.unref();
    if (m.output) task.resolve(m.output);
    else task.reject(new DicomError('PIXEL_DATA_INVALID', `the ${task.codec} codec cannot code this frame (${m.error})`));
  });
  const fail = (e: Error) => {
    const index = threads.indexOf(thread);
    if (index >= 0) threads.splice(index, 1); // replaced on the next task
    for (const task of thread.pending.values()) task.reject(e);
    thread.pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => { if (threads.includes(thread)) fail(new Error(`codec thread exited (${code})`)); });
  worker.unref(); // an idle pool never keeps the process alive (after the listeners: adding one refs)
  return thread;
}

/** What the encoder needs besides the samples; interleave mode as ITU T.87 §B.3 (0 none, 1 line, 2 sample). */
export interface JpegLsEncoding { width: number; height: number; bitsPerSample: number; componentCount: number; interleaveMode: 0 | 1 | 2 }

function run(task: ({ kind: 'encode' } & JpegLsEncoding) | { kind: 'decode' }, codec: StorageCodec, input: Uint8Array): Promise<Uint8Array> {
  while (threads.length < THREADS) threads.push(startThread());
  const thread = threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  const id = nextTaskId++;
  // a copy with its own buffer is transferred (a view would clone the whole buffer under it;
  // Buffer#slice would not copy)
  const own = new Uint8Array(input);
  return new Promise((resolve, reject) => {
    thread.pending.set(id, { codec, resolve, reject });
    if (thread.pending.size === 1) thread.worker.ref();
    thread.worker.postMessage({ ...task, codec, id, input: own }, [own.buffer]);
  });
}

/** One frame of unsigned samples (one or two bytes each) coded losslessly: JPEG-LS with NEAR = 0,
 *  or HTJ2K with the reversible wavelet. Interleave mode applies to JPEG-LS only. */
export function encodeLosslessFrame(codec: StorageCodec, samples: Uint8Array, encoding: JpegLsEncoding): Promise<Uint8Array> {
  return run({ kind: 'encode', ...encoding }, codec, samples);
}

/** The samples of a codestream of that coding, as its decoder lays them out. */
export function decodeLosslessFrame(codec: StorageCodec, codestream: Uint8Array): Promise<Uint8Array> {
  return run({ kind: 'decode' }, codec, codestream);
}

/** One frame of unsigned samples (one or two bytes each) coded JPEG-LS lossless (NEAR = 0). */
export function encodeJpegLsLosslessFrame(samples: Uint8Array, encoding: JpegLsEncoding): Promise<Uint8Array> {
  return encodeLosslessFrame('jpeg-ls', samples, encoding);
}

/** The samples of a JPEG-LS codestream, as the decoder lays them out. */
export function decodeJpegLsFrame(codestream: Uint8Array): Promise<Uint8Array> {
  return decodeLosslessFrame('jpeg-ls', codestream);
}
