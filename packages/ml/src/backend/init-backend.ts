// Run-time backend selection. Optional GPU backends are loaded only on their own code path, so a
// machine without them (every dev/CI machine here) never needs their packages installed.
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
// The wasm backend is a dependency of this package: importing it only registers the backend;
// nothing is instantiated until setBackend('wasm').
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm-training-kernels';

export type BackendName = 'wasm' | 'webgpu' | 'tensorflow' | 'cpu';

export class BackendUnavailableError extends Error {
  readonly code = 'Unsupported';
  constructor(readonly backend: BackendName, reason: string) {
    super(`ML backend '${backend}' is unavailable: ${reason}`);
  }
}

// A specifier held in a variable keeps TypeScript (and bundlers) from resolving optional packages
// at build time; the package is only looked for when that backend is asked for.
async function importOptional(specifier: string): Promise<Record<string, unknown>> {
  return (await import(specifier)) as Record<string, unknown>;
}

/** Directory holding the tfjs wasm binaries inside node_modules (never downloaded). */
export function wasmBinaryDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

async function initWasm(): Promise<void> {
  // Node has no wasm threads here; point at the single-threaded SIMD build in node_modules.
  const dir = wasmBinaryDir();
  setWasmPaths({
    'tfjs-backend-wasm.wasm': dir + 'tfjs-backend-wasm.wasm',
    'tfjs-backend-wasm-simd.wasm': dir + 'tfjs-backend-wasm-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.wasm': dir + 'tfjs-backend-wasm-threaded-simd.wasm',
  });
  if (!(await tf.setBackend('wasm'))) throw new BackendUnavailableError('wasm', 'tf.setBackend failed');
  registerWasmTrainingKernels();
}

async function initWebgpu(): Promise<void> {
  let dawn: Record<string, unknown>;
  try {
    dawn = await importOptional('webgpu');
  } catch (err) {
    throw new BackendUnavailableError('webgpu', `the 'webgpu' package (Dawn for Node) is not installed: ${(err as Error).message}`);
  }
  // tfjs-backend-webgpu registers itself only if navigator.gpu exists when it loads (shared/tools/gpu).
  const g = globalThis as Record<string, unknown>;
  Object.assign(g, dawn.globals as object);
  if (!g.navigator || !(g.navigator as Record<string, unknown>).gpu) {
    Object.defineProperty(g, 'navigator', { value: { gpu: (dawn.create as (flags: string[]) => unknown)([]) }, configurable: true });
  }
  await importOptional('@tensorflow/tfjs-backend-webgpu');
  const ok = await tf.setBackend('webgpu').catch((err: Error) => {
    throw new BackendUnavailableError('webgpu', err.message);
  });
  if (!ok) throw new BackendUnavailableError('webgpu', 'no usable GPU adapter (Dawn needs a Vulkan GPU)');
}

async function initTensorflow(): Promise<void> {
  // tfjs-node-gpu registers the 'tensorflow' backend on import; tfjs-node is the CPU build of the same.
  let loaded = false;
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await importOptional(pkg);
      loaded = true;
      break;
    } catch {
      // try the next build
    }
  }
  if (!loaded) throw new BackendUnavailableError('tensorflow', '@tensorflow/tfjs-node-gpu is not installed in this deployment');
  if (!(await tf.setBackend('tensorflow'))) throw new BackendUnavailableError('tensorflow', 'tf.setBackend failed');
}

/**
 * Selects the tfjs backend by name and returns the name of the backend actually running
 * (callers log it). Throws BackendUnavailableError when the named backend cannot start.
 */
export async function initBackend(name: BackendName = 'wasm'): Promise<string> {
  switch (name) {
    case 'wasm': await initWasm(); break;
    case 'webgpu': await initWebgpu(); break;
    case 'tensorflow': await initTensorflow(); break;
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new BackendUnavailableError('cpu', 'tf.setBackend failed');
      break;
    default: throw new BackendUnavailableError(name, 'unknown backend name');
  }
  await tf.ready();
  return tf.getBackend();
}

/** The backend tfjs is running now. */
export function activeBackend(): string {
  return tf.getBackend();
}
