// Runs fineTune in a worker thread with its own tfjs backend (the compiled build, like the
// inference pool). The calling thread stays free for its queue's lock renewals and other jobs.
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { BackendName } from '../backend/init-backend';
import type { FineTuneOptions, FineTuneResult } from './fine-tune';
import type { StepProgress } from './loop';

export function fineTuneThreadScript(): string {
  return path.join(path.dirname(require.resolve('@imaging/ml/package.json')), 'dist', 'train', 'fine-tune-thread.js');
}

export interface FineTuneHandle {
  result: Promise<FineTuneResult>;
  /** Stops the thread; `result` rejects. */
  cancel(): Promise<void>;
}

export function runFineTuneThread(backend: BackendName, options: Omit<FineTuneOptions, 'onStep'>, onStep?: (p: StepProgress) => void): FineTuneHandle {
  const worker = new Worker(fineTuneThreadScript(), { workerData: { backend, options } });
  let settled = false;
  const result = new Promise<FineTuneResult>((resolve, reject) => {
    worker.on('message', (msg: { type: string; progress?: StepProgress; result?: FineTuneResult; error?: string }) => {
      if (msg.type === 'step') onStep?.(msg.progress!);
      else if (msg.type === 'done') { settled = true; resolve(msg.result!); void worker.terminate(); }
      else if (msg.type === 'error') { settled = true; reject(new Error(msg.error)); void worker.terminate(); }
    });
    worker.on('error', (err) => { settled = true; reject(err); });
    worker.on('exit', (code) => { if (!settled) reject(new Error(`fine-tuning thread exited (code ${code})`)); });
  });
  return { result, cancel: async () => { await worker.terminate(); } };
}
