// Inference engines: one model in this thread, or a pool of worker threads with one model each
// (the wasm backend has no threads in Node, so parallelism comes from several instances).
import * as path from 'path';
import { Worker } from 'worker_threads';
import { BackendName, initBackend } from '../backend/init-backend';
import { loadModelDir } from '../model/io';
import { ModelBatch } from '../preprocess/batch';
import { Prediction, predictBatch } from './predict';

export interface EngineOptions {
  /** Directory with model.json + weights.bin (any variant). */
  modelDir: string;
  backend: BackendName;
  /** Pixel threshold for the masks (default 0.5). */
  threshold?: number;
}

export interface InferenceEngine {
  /** Backend actually running (what tf.getBackend() says in the engine's thread(s)). */
  readonly backend: string;
  readonly inputSize: number;
  readonly threads: number;
  /** Masks at model resolution, one per image, and the per-image lesion probability. */
  predict(batch: ModelBatch): Promise<Prediction>;
  close(): Promise<void>;
}

/** One model in the calling thread. */
export async function createLocalEngine(options: EngineOptions): Promise<InferenceEngine> {
  const backend = await initBackend(options.backend);
  const model = await loadModelDir(options.modelDir);
  const inputSize = model.inputs[0].shape[1] as number;
  return {
    backend, inputSize, threads: 1,
    predict: (batch) => predictBatch(model, batch, { threshold: options.threshold }),
    async close() { model.dispose(); },
  };
}

interface ThreadReply { id: number; ok: boolean; masks?: Uint8Array; probabilities?: number[]; error?: string; backend?: string; inputSize?: number }

/** Compiled thread entry point (the pool needs JavaScript, so it always uses the build). */
export function threadScript(): string {
  return path.join(path.dirname(require.resolve('@imaging/ml/package.json')), 'dist', 'infer', 'thread.js');
}

/**
 * `threads` worker threads, each holding its own model; batches go to the first idle thread and
 * wait in order otherwise. A crashed thread fails its batch (the queue job retries) and is replaced.
 */
export async function createInferencePool(options: EngineOptions & { threads: number }): Promise<InferenceEngine> {
  interface Slot { worker: Worker; busy: boolean }
  const pending = new Map<number, { resolve: (r: ThreadReply) => void; reject: (e: Error) => void; slot: Slot }>();
  const waiting: (() => void)[] = [];
  let nextId = 1;
  let closed = false;
  let info: { backend: string; inputSize: number } = { backend: options.backend, inputSize: 0 };

  const spawn = (): Promise<Slot> => new Promise((resolve, reject) => {
    const worker = new Worker(threadScript(), { workerData: options });
    const slot: Slot = { worker, busy: false };
    worker.once('message', (hello: ThreadReply) => {
      if (!hello.ok) { reject(new Error(hello.error)); void worker.terminate(); return; }
      info = { backend: hello.backend!, inputSize: hello.inputSize! };
      worker.on('message', (reply: ThreadReply) => {
        const p = pending.get(reply.id);
        if (!p) return;
        pending.delete(reply.id);
        p.resolve(reply);
      });
      resolve(slot);
    });
    worker.on('error', (err) => reject(err));
    worker.on('exit', (code) => {
      for (const [id, p] of pending) {
        if (p.slot !== slot) continue;
        pending.delete(id);
        p.reject(new Error(`inference thread exited (code ${code}) during a batch`));
      }
      const index = slots.indexOf(slot);
      if (!closed && index >= 0) {
        // replace the dead thread so the pool keeps its size
        spawn().then((s) => { slots[index] = s; waiting.shift()?.(); }, () => undefined);
      }
    });
  });

  const slots: Slot[] = await Promise.all(Array.from({ length: Math.max(1, options.threads) }, () => spawn()));

  const acquire = async (): Promise<Slot> => {
    for (;;) {
      const free = slots.find((s) => !s.busy);
      if (free) { free.busy = true; return free; }
      await new Promise<void>((r) => waiting.push(r));
    }
  };

  return {
    get backend() { return info.backend; },
    get inputSize() { return info.inputSize; },
    threads: slots.length,
    async predict(batch) {
      if (closed) throw new Error('inference pool is closed');
      const slot = await acquire();
      try {
        const id = nextId++;
        const reply = await new Promise<ThreadReply>((resolve, reject) => {
          pending.set(id, { resolve, reject, slot });
          const data = batch.data.slice();
          slot.worker.postMessage({ id, data, shape: batch.shape }, [data.buffer]);
        });
        if (!reply.ok) throw new Error(reply.error);
        const pixels = batch.shape[1] * batch.shape[2];
        const masks = Array.from({ length: batch.shape[0] }, (_, i) => reply.masks!.slice(i * pixels, (i + 1) * pixels));
        return { masks, probabilities: reply.probabilities!, maskSize: batch.shape[1] };
      } finally {
        slot.busy = false;
        waiting.shift()?.();
      }
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}

/** float16 / uint8: smaller files, the same float32 graph once loaded (no faster, measured);
 *  student: the pruned and distilled net (compress/), the one variant that computes less. */
export const MODEL_VARIANTS = ['float32', 'float16', 'uint8', 'student'] as const;
export type ModelVariant = (typeof MODEL_VARIANTS)[number];

/** Directory of a shipped model variant: weights/<version>/ holds float32, its sub-folders the others. */
export function shippedModelDir(version: string, variant: ModelVariant = 'float32'): string {
  const root = path.join(path.dirname(require.resolve('@imaging/ml/package.json')), 'weights', version);
  return variant === 'float32' ? root : path.join(root, variant);
}
