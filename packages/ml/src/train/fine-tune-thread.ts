// Entry point of the fine-tuning thread (see runFineTuneThread): training blocks for seconds per
// step, so it runs off the worker's event loop; progress and the result come back as messages.
import { parentPort, workerData } from 'worker_threads';
import { initBackend, type BackendName } from '../backend/init-backend';
import { fineTune, type FineTuneOptions } from './fine-tune';

async function main(): Promise<void> {
  const port = parentPort!;
  const { backend, options } = workerData as { backend: BackendName; options: Omit<FineTuneOptions, 'onStep'> };
  try {
    await initBackend(backend);
    const result = await fineTune({ ...options, onStep: (progress) => port.postMessage({ type: 'step', progress }) });
    port.postMessage({ type: 'done', result });
  } catch (err) {
    port.postMessage({ type: 'error', error: (err as Error).message });
  }
}

void main();
