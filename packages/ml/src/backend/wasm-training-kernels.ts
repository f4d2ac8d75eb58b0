// Conv2DBackpropFilter for the tfjs wasm backend: 4.22 ships none, so tf.grad through any conv
// layer fails on wasm. Ported from shared/examples/tfjs-wasm-training (verified against `cpu`).
// dW[kh, kw, cin, cout] = Σ over batch and output positions of x[b, oh·s + kh·d, ow·s + kw·d, cin] · dy[b, oh, ow, cout]
import * as tf from '@tensorflow/tfjs';

type Pair = [number, number];
type Padding = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

function asPair(value: number | number[] | undefined, fallback: number): Pair {
  if (value == null) return [fallback, fallback];
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

/** [top, bottom, left, right] padding that reproduces the forward conv's output size. */
function padsFor(pad: Padding, inH: number, inW: number, outH: number, outW: number,
  fH: number, fW: number, s: Pair, d: Pair): [number, number, number, number] {
  if (pad === 'valid') return [0, 0, 0, 0];
  if (pad === 'same') {
    const effH = (fH - 1) * d[0] + 1;
    const effW = (fW - 1) * d[1] + 1;
    const padH = Math.max(0, (outH - 1) * s[0] + effH - inH);
    const padW = Math.max(0, (outW - 1) * s[1] + effW - inW);
    return [Math.floor(padH / 2), padH - Math.floor(padH / 2), Math.floor(padW / 2), padW - Math.floor(padW / 2)];
  }
  if (Array.isArray(pad)) return [pad[1][0], pad[1][1], pad[2][0], pad[2][1]];
  throw new Error(`Conv2DBackpropFilter: padding ${JSON.stringify(pad)} not supported`);
}

interface WasmBackendLike {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): tf.TensorInfo;
}

/** Copies a kernel input into a fresh tensor: wrapping its dataId would free it when tidy ends. */
function copyInput(backend: WasmBackendLike, info: tf.TensorInfo): tf.Tensor {
  return tf.tensor(backend.readSync(info.dataId) as Float32Array, info.shape, 'float32');
}

/** Copies a result into data the backend owns: a kernel must not return a tracked tensor's data. */
function ownedOutput(backend: WasmBackendLike, result: tf.Tensor): tf.TensorInfo {
  const values = result.dataSync();
  const shape = result.shape.slice();
  result.dispose();
  return backend.makeOutput(shape, 'float32', undefined, values);
}

// dW as one convolution (measured ~15x faster than the per-tap matMul form of the example at
// 128², 16→8 channels, batch 8): treat channels-in as the batch and the batch as channels, and
// use dy as the filter, dilated by the forward stride.
const conv2dBackpropFilter: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const a = attrs as unknown as {
    strides: number | number[]; pad: Padding; dataFormat?: string; dilations?: number | number[]; filterShape: number[];
  };
  const wasm = backend as unknown as WasmBackendLike;
  if (a.dataFormat && a.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter: only NHWC');
  const s = asPair(a.strides, 1);
  const d = asPair(a.dilations, 1);
  if (d[0] !== 1 || d[1] !== 1) throw new Error('Conv2DBackpropFilter: dilation > 1 not supported');
  const [fH, fW, cin, cout] = a.filterShape;
  const [, inH, inW] = x.shape;
  const [, outH, outW] = dy.shape;
  const [pt, pb, pl, pr] = padsFor(a.pad, inH, inW, outH, outW, fH, fW, s, d);
  const result = tf.tidy(() => {
    const xp = tf.pad(copyInput(wasm, x), [[0, 0], [pt, pb], [pl, pr], [0, 0]]);
    const xT = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D;              // [cin, Hp, Wp, B]
    const dyF = tf.transpose(copyInput(wasm, dy), [1, 2, 0, 3]) as tf.Tensor4D; // [oH, oW, B, cout]
    const full = tf.conv2d(xT, dyF, 1, 'valid', 'NHWC', s);                  // [cin, >=fH, >=fW, cout]
    const dw = tf.slice(full, [0, 0, 0, 0], [cin, fH, fW, cout]);
    return tf.transpose(dw, [1, 2, 0, 3]);                                   // [fH, fW, cin, cout]
  });
  return ownedOutput(wasm, result);
};

// dx for stride-1 convs as a convolution of dy with the 180°-rotated, in/out-swapped filter.
// wasm's own Conv2DBackpropInput is ~5x slower at these sizes; other strides delegate to it.
function makeConv2dBackpropInput(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const a = attrs as unknown as { strides: number | number[]; pad: Padding; dataFormat?: string; inputShape: number[] };
    const s = asPair(a.strides, 1);
    if (s[0] !== 1 || s[1] !== 1 || (a.dataFormat && a.dataFormat !== 'NHWC')) return original(args);
    const wasm = backend as unknown as WasmBackendLike;
    const dy = inputs.dy as tf.TensorInfo;
    const filter = inputs.filter as tf.TensorInfo;
    const [fH, fW] = filter.shape;
    const [, inH, inW] = a.inputShape;
    const [, outH, outW] = dy.shape;
    const [pt, pb, pl, pr] = padsFor(a.pad, inH, inW, outH, outW, fH, fW, s, [1, 1]);
    const result = tf.tidy(() => {
      const dyp = tf.pad(copyInput(wasm, dy), [[0, 0], [fH - 1 - pt, fH - 1 - pb], [fW - 1 - pl, fW - 1 - pr], [0, 0]]);
      const rotated = tf.transpose(tf.reverse(copyInput(wasm, filter), [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      return tf.conv2d(dyp as tf.Tensor4D, rotated, 1, 'valid');
    });
    return ownedOutput(wasm, result);
  };
}

// MaxPoolGrad: wasm 4.22's kernel gives wrong gradients (measured: max difference 53 against
// `cpu` on a 1×8×8×4 input, 2×2 pool), which silently stopped every layer below the first pool
// from learning. This one routes each output gradient to the first maximum of its window, as the
// cpu backend does.
const maxPoolGrad: tf.KernelFunc = ({ inputs, attrs, backend }) => {
  const wasm = backend as unknown as WasmBackendLike;
  const dyInfo = inputs.dy as tf.TensorInfo;
  const xInfo = inputs.input as tf.TensorInfo;
  const a = attrs as unknown as { filterSize: number | number[]; strides: number | number[]; pad: Padding };
  const [fH, fW] = asPair(a.filterSize, 1);
  const s = asPair(a.strides, 1);
  const [batch, inH, inW, channels] = xInfo.shape;
  const [, outH, outW] = dyInfo.shape;
  const [pt, , pl] = padsFor(a.pad, inH, inW, outH, outW, fH, fW, s, [1, 1]);
  const x = wasm.readSync(xInfo.dataId) as Float32Array;
  const dy = wasm.readSync(dyInfo.dataId) as Float32Array;
  const dx = new Float32Array(x.length);
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        for (let c = 0; c < channels; c++) {
          let best = -Infinity;
          let bestIndex = -1;
          for (let kh = 0; kh < fH; kh++) {
            const h = oh * s[0] + kh - pt;
            if (h < 0 || h >= inH) continue;
            for (let kw = 0; kw < fW; kw++) {
              const w = ow * s[1] + kw - pl;
              if (w < 0 || w >= inW) continue;
              const index = ((b * inH + h) * inW + w) * channels + c;
              if (x[index] > best) { best = x[index]; bestIndex = index; }
            }
          }
          if (bestIndex >= 0) dx[bestIndex] += dy[((b * outH + oh) * outW + ow) * channels + c];
        }
      }
    }
  }
  return wasm.makeOutput(xInfo.shape, 'float32', undefined, dx);
};

const replacedInputKernels = new WeakSet<tf.KernelFunc>();
let maxPoolGradReplaced = false;

/** Registers the kernels wasm needs for training; idempotent. Call after the wasm backend is set. */
export function registerWasmTrainingKernels(): void {
  if (!maxPoolGradReplaced) {
    if (tf.getKernel('MaxPoolGrad', 'wasm')) tf.unregisterKernel('MaxPoolGrad', 'wasm');
    tf.registerKernel({ kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad });
    maxPoolGradReplaced = true;
  }
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilter });
  }
  const input = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (input && !replacedInputKernels.has(input.kernelFunc)) {
    const replacement = makeConv2dBackpropInput(input.kernelFunc);
    replacedInputKernels.add(replacement);
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({ ...input, kernelFunc: replacement });
  }
}
