// Entry point of one inference thread (see createInferencePool): loads its own model, then
// answers { id, data, shape } batches with bit masks and probabilities.
import { parentPort, workerData } from 'worker_threads';
import { createLocalEngine, EngineOptions } from './engine';

async function main(): Promise<void> {
  const port = parentPort!;
  let engine;
  try {
    engine = await createLocalEngine(workerData as EngineOptions);
    port.postMessage({ id: 0, ok: true, backend: engine.backend, inputSize: engine.inputSize });
  } catch (err) {
    port.postMessage({ id: 0, ok: false, error: (err as Error).message });
    return;
  }
  const ready = engine;
  port.on('message', (msg: { id: number; data: Float32Array; shape: [number, number, number, 1] }) => {
    ready.predict({ data: msg.data, shape: msg.shape }).then((prediction) => {
      const pixels = msg.shape[1] * msg.shape[2];
      const masks = new Uint8Array(msg.shape[0] * pixels);
      prediction.masks.forEach((m, i) => masks.set(m, i * pixels));
      port.postMessage({ id: msg.id, ok: true, masks, probabilities: prediction.probabilities }, [masks.buffer]);
    }, (err: Error) => port.postMessage({ id: msg.id, ok: false, error: err.message }));
  });
}

void main();
