// JPEG-LS coding of storage-container frames on worker threads, so that the CharLS work (~4 ms per
// 512² 16-bit frame each way) leaves the event loop free and concurrent requests or jobs use every
// core. Each thread keeps one CharLS module and one decoder (its wasm buffers are reused).
// The thread body is plain JavaScript evaluated from a string, so it runs unbuilt under jest too.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { DicomError } from '../parse/errors';

const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ready = require(workerData.charls)();
let decoder = null;
parentPort.on('message', async (task) => {
  const charls = await ready;
  try {
    let output;
    if (task.kind === 'decode') {
      decoder ??= new charls.JpegLSDecoder();
      decoder.getEncodedBuffer(task.input.length).set(task.input);
      decoder.decode();
      output = new Uint8Array(decoder.getDecodedBuffer());
    } else {
      const encoder = new charls.JpegLSEncoder();
      try {
        encoder.getDecodedBuffer({ width: task.width, height: task.height, bitsPerSample: task.bitsPerSample, componentCount: task.componentCount, isSigned: false }).set(task.input);
        encoder.setNearLossless(0);
        if (task.interleaveMode) encoder.setInterleaveMode(task.interleaveMode);
        encoder.encode();
        output = new Uint8Array(encoder.getEncodedBuffer());
      } finally {
        encoder.delete();
      }
    }
    parentPort.postMessage({ id: task.id, output }, [output.buffer]);
  } catch (e) {
    // a C++ exception may leave the decoder half-way: the next frame gets a fresh one
    if (decoder) { decoder.delete(); decoder = null; }
    parentPort.postMessage({ id: task.id, error: typeof e === 'string' ? e.slice(0, 120) : 'corrupt codestream' });
  }
});
`;

interface Pending { resolve: (bytes: Uint8Array) => void; reject: (e: Error) => void }
interface CodecThread { worker: Worker; pending: Map<number, Pending> }

const THREADS = Math.max(1, Math.min(2, os.availableParallelism()));
const threads: CodecThread[] = [];
let nextTaskId = 0;

function startThread(): CodecThread {
  const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { charls: require.resolve('@cornerstonejs/codec-charls/wasmjs') } });
  const thread: CodecThread = { worker, pending: new Map() };
  worker.on('message', (m: { id: number; output?: Uint8Array; error?: string }) => {
    const task = thread.pending.get(m.id);
    if (!task) return;
    thread.pending.delete(m.id);
    if (thread.pending.size === 0) worker.unref();
    if (m.output) task.resolve(m.output);
    else task.reject(new DicomError('PIXEL_DATA_INVALID', `the charls codec cannot code this frame (${m.error})`));
  });
  const fail = (e: Error) => {
    const index = threads.indexOf(thread);
    if (index >= 0) threads.splice(index, 1); // replaced on the next task
    for (const task of thread.pending.values()) task.reject(e);
    thread.pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => { if (threads.includes(thread)) fail(new Error(`JPEG-LS codec thread exited (${code})`)); });
  worker.unref(); // an idle pool never keeps the process alive (after the listeners: adding one refs)
  return thread;
}

/** What the encoder needs besides the samples; interleave mode as ITU T.87 §B.3 (0 none, 1 line, 2 sample). */
export interface JpegLsEncoding { width: number; height: number; bitsPerSample: number; componentCount: number; interleaveMode: 0 | 1 | 2 }

function run(task: ({ kind: 'encode' } & JpegLsEncoding) | { kind: 'decode' }, input: Uint8Array): Promise<Uint8Array> {
  while (threads.length < THREADS) threads.push(startThread());
  const thread = threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  const id = nextTaskId++;
  // a copy with its own buffer is transferred (a view would clone the whole buffer under it;
  // Buffer#slice would not copy)
  const own = new Uint8Array(input);
  return new Promise((resolve, reject) => {
    thread.pending.set(id, { resolve, reject });
    if (thread.pending.size === 1) thread.worker.ref();
    thread.worker.postMessage({ ...task, id, input: own }, [own.buffer]);
  });
}

/** One frame of unsigned samples (one or two bytes each) coded JPEG-LS lossless (NEAR = 0). */
export function encodeJpegLsLosslessFrame(samples: Uint8Array, encoding: JpegLsEncoding): Promise<Uint8Array> {
  return run({ kind: 'encode', ...encoding }, samples);
}

/** The samples of a JPEG-LS codestream, as the decoder lays them out. */
export function decodeJpegLsFrame(codestream: Uint8Array): Promise<Uint8Array> {
  return run({ kind: 'decode' }, codestream);
}
