// Entry point of the package evaluation thread (runPackageEvaluationThread): loading, probing and
// evaluating a model blocks for seconds, so it runs off the worker's event loop.
import { parentPort, workerData } from 'worker_threads';
import { initBackend, type BackendName } from '../backend/init-backend';
import { evaluateModelPackage, type PackageEvaluationOptions } from './evaluate-package';
import { ModelPackageError } from './manifest';

async function main(): Promise<void> {
  const port = parentPort!;
  const { backend, options } = workerData as { backend: BackendName; options: PackageEvaluationOptions };
  try {
    await initBackend(backend);
    port.postMessage({ type: 'done', result: await evaluateModelPackage(options) });
  } catch (err) {
    port.postMessage({ type: 'error', reason: err instanceof ModelPackageError ? err.reason : null, error: (err as Error).message });
  }
}

void main();
