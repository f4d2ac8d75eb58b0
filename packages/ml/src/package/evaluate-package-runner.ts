// Runs evaluateModelPackage in a worker thread with its own tfjs backend (the compiled build, like
// the fine-tuning thread); a package refusal comes back as the same ModelPackageError.
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { BackendName } from '../backend/init-backend';
import type { PackageEvaluation, PackageEvaluationOptions } from './evaluate-package';
import { ModelPackageError, type PackageErrorReason } from './manifest';

export function packageEvaluationThreadScript(): string {
  return path.join(path.dirname(require.resolve('@imaging/ml/package.json')), 'dist', 'package', 'evaluate-package-thread.js');
}

export function runPackageEvaluationThread(backend: BackendName, options: PackageEvaluationOptions): Promise<PackageEvaluation> {
  const worker = new Worker(packageEvaluationThreadScript(), { workerData: { backend, options } });
  let settled = false;
  return new Promise<PackageEvaluation>((resolve, reject) => {
    worker.on('message', (msg: { type: string; result?: PackageEvaluation; reason?: PackageErrorReason | null; error?: string }) => {
      settled = true;
      if (msg.type === 'done') resolve(msg.result!);
      else reject(msg.reason ? new ModelPackageError(msg.reason, msg.error!) : new Error(msg.error));
      void worker.terminate();
    });
    worker.on('error', (err) => { settled = true; reject(err); });
    worker.on('exit', (code) => { if (!settled) reject(new Error(`package evaluation thread exited (code ${code})`)); });
  });
}
