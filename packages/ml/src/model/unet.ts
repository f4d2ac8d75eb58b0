// U-Net with a classification head on the shared encoder. Two outputs:
//   mask logits [N, H, W, 1] (sigmoid applied by the caller, so the loss can use the stable
//   logits form) and a lesion probability [N, 1].
// Batch normalisation after every conv: without it the net sat at "predict nothing" for hundreds of
// steps; tfjs-layers updates the moving statistics in call() when training is true, so the custom
// loop keeps them current and inference uses them.
import * as tf from '@tensorflow/tfjs';

export interface UNetConfig {
  /** Square input size in pixels; must be divisible by 2^depth. */
  inputSize: number;
  /** Filters at the first level; doubled at each level down. */
  baseFilters: number;
  /** Number of 2× down-sampling steps. */
  depth: number;
  /** Seed for the weight initialisers, so a fresh model is reproducible. */
  seed?: number;
}

export const DEFAULT_UNET_CONFIG: UNetConfig = { inputSize: 128, baseFilters: 8, depth: 3, seed: 1 };

export const MASK_OUTPUT = 'mask_logits';
export const CLASS_OUTPUT = 'lesion_probability';

// Leaky ReLU: without normalisation layers, plain ReLUs in the decoder died during the first
// phase of training (when every logit is pushed down), and the mask never recovered.
function convBlock(input: tf.SymbolicTensor, filters: number, name: string, seed: number): tf.SymbolicTensor {
  let x = input;
  for (let i = 0; i < 2; i++) {
    x = tf.layers.conv2d({
      filters, kernelSize: 3, padding: 'same', name: `${name}_conv${i}`,
      kernelInitializer: tf.initializers.heNormal({ seed: seed + i }),
    }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: `${name}_bn${i}`, momentum: 0.9 }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.leakyReLU({ alpha: 0.1, name: `${name}_act${i}` }).apply(x) as tf.SymbolicTensor;
  }
  return x;
}

/** Lesion pixels are ~1 % of a slice: start the mask bias at that prior (the focal-loss trick). */
const MASK_PRIOR = 0.01;

export function buildUNet(config: Partial<UNetConfig> = {}): tf.LayersModel {
  const cfg = { ...DEFAULT_UNET_CONFIG, ...config };
  if (cfg.inputSize % 2 ** cfg.depth !== 0) throw new Error(`inputSize ${cfg.inputSize} is not divisible by 2^${cfg.depth}`);
  const seed = cfg.seed ?? 1;
  const input = tf.input({ shape: [cfg.inputSize, cfg.inputSize, 1], name: 'image' });
  const skips: tf.SymbolicTensor[] = [];
  let x = input;
  for (let level = 0; level < cfg.depth; level++) {
    x = convBlock(x, cfg.baseFilters * 2 ** level, `enc${level}`, seed + 10 * level);
    skips.push(x);
    x = tf.layers.maxPooling2d({ poolSize: 2, name: `pool${level}` }).apply(x) as tf.SymbolicTensor;
  }
  const bottleneck = convBlock(x, cfg.baseFilters * 2 ** cfg.depth, 'bottleneck', seed + 100);
  x = bottleneck;
  for (let level = cfg.depth - 1; level >= 0; level--) {
    x = tf.layers.upSampling2d({ size: [2, 2], name: `up${level}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.concatenate({ name: `skip${level}` }).apply([x, skips[level]]) as tf.SymbolicTensor;
    x = convBlock(x, cfg.baseFilters * 2 ** level, `dec${level}`, seed + 200 + 10 * level);
  }
  const maskLogits = tf.layers.conv2d({
    filters: 1, kernelSize: 1, name: MASK_OUTPUT,
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 300 }),
    biasInitializer: tf.initializers.constant({ value: Math.log(MASK_PRIOR / (1 - MASK_PRIOR)) }),
  }).apply(x) as tf.SymbolicTensor;

  // Classification head: global statistics of the shared bottleneck plus the strongest mask
  // logit, so the slice label and the mask agree without a second network.
  const features = tf.layers.concatenate({ name: 'class_features' }).apply([
    tf.layers.globalAveragePooling2d({ name: 'class_gap' }).apply(bottleneck) as tf.SymbolicTensor,
    tf.layers.globalMaxPooling2d({ name: 'class_gmp' }).apply(bottleneck) as tf.SymbolicTensor,
    tf.layers.globalMaxPooling2d({ name: 'mask_max' }).apply(maskLogits) as tf.SymbolicTensor,
  ]) as tf.SymbolicTensor;
  // linear (logistic) head: no hidden ReLU layer that could die and pin the output at the prior
  const probability = tf.layers.dense({
    units: 1, activation: 'sigmoid', name: CLASS_OUTPUT,
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 401 }),
  }).apply(features) as tf.SymbolicTensor;

  return tf.model({ inputs: input, outputs: [maskLogits, probability], name: 'lesion_unet' });
}

/** Runs the model; returns [mask logits, lesion probability]. The caller owns both tensors. */
export function runUNet(model: tf.LayersModel, images: tf.Tensor4D, training = false): [tf.Tensor4D, tf.Tensor2D] {
  const out = model.apply(images, { training }) as tf.Tensor[];
  return [out[0] as tf.Tensor4D, out[1] as tf.Tensor2D];
}
