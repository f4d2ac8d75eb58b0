// Structured (channel) pruning of the U-Net: a narrower U-Net of the same topology whose every
// conv keeps the teacher's most important filters, by the magnitude of the batch-norm scale that
// follows it (network slimming, Liu et al. 2017). The pruned net computes fewer multiply-adds (a
// half-width net about a quarter), which is what makes it faster on the backend, unlike weight
// quantisation. It is the starting point of the distilled student (distill.ts): fine-tuning from
// the teacher's own filters converges in a fraction of the steps a random start needs.
import * as tf from '@tensorflow/tfjs';
import { CLASS_OUTPUT, MASK_OUTPUT, buildUNet } from '../model/unet';

export interface PruneOptions {
  /** Filters at the first level of the pruned net (the teacher's level widths are scaled alike). */
  baseFilters: number;
}

interface TeacherShape { inputSize: number; baseFilters: number; depth: number }

/** Input size, first-level width and depth of a U-Net built by buildUNet, read from its layers. */
export function unetShape(model: tf.LayersModel): TeacherShape {
  const inputSize = model.inputs[0].shape[1] as number;
  const baseFilters = (model.getLayer('enc0_conv0').getWeights()[0].shape[3]) as number;
  let depth = 0;
  while (model.layers.some((l) => l.name === `pool${depth}`)) depth++;
  return { inputSize, baseFilters, depth };
}

/** Indices of the `keep` largest |gamma| of a batch-norm layer, ascending (channel order is kept). */
function topChannels(model: tf.LayersModel, bnName: string, keep: number): number[] {
  const gamma = model.getLayer(bnName).getWeights()[0].dataSync();
  return Array.from(gamma.keys()).sort((a, b) => Math.abs(gamma[b]) - Math.abs(gamma[a]) || a - b).slice(0, keep).sort((a, b) => a - b);
}

// Re-created from its values: the wasm backend's Gather records a rank-1 result as [1, 1, n, 1]
// in its own tensor map, and a bias set from it then fails FusedConv2D's rank-1 check.
const gather = (t: tf.Tensor, indices: number[], axis: number) => {
  const out = tf.gather(t, tf.tensor1d(indices, 'int32'), axis);
  return tf.tensor(out.dataSync(), out.shape, out.dtype);
};

/**
 * A U-Net of the teacher's depth and input size, `baseFilters` wide, initialised with the
 * teacher's most important channels (conv kernels sliced on both input and output channels,
 * biases and batch-norm statistics on the kept ones, the classification head on the kept
 * bottleneck features). Throws when the student would not be narrower.
 */
export function pruneUNet(teacher: tf.LayersModel, options: PruneOptions): tf.LayersModel {
  const shape = unetShape(teacher);
  if (options.baseFilters >= shape.baseFilters || options.baseFilters < 1) {
    throw new Error(`pruned width ${options.baseFilters} must be between 1 and the teacher's ${shape.baseFilters - 1}`);
  }
  const student = buildUNet({ inputSize: shape.inputSize, baseFilters: options.baseFilters, depth: shape.depth });
  tf.tidy(() => {
    /** Copies conv + bn pair `block_conv{i}` / `block_bn{i}`, keeping input channels `inputs`; returns the kept output channels. */
    const copyConv = (block: string, i: number, inputs: number[], width: number): number[] => {
      const keep = topChannels(teacher, `${block}_bn${i}`, width);
      const [kernel, bias] = teacher.getLayer(`${block}_conv${i}`).getWeights();
      student.getLayer(`${block}_conv${i}`).setWeights([gather(gather(kernel, inputs, 2), keep, 3), gather(bias, keep, 0)]);
      student.getLayer(`${block}_bn${i}`).setWeights(teacher.getLayer(`${block}_bn${i}`).getWeights().map((w) => gather(w, keep, 0)));
      return keep;
    };
    const copyBlock = (block: string, inputs: number[], width: number) => copyConv(block, 1, copyConv(block, 0, inputs, width), width);
    const widthAt = (level: number) => options.baseFilters * 2 ** level;
    const teacherWidthAt = (level: number) => shape.baseFilters * 2 ** level;

    const skips: number[][] = [];
    let channels = [0];
    for (let level = 0; level < shape.depth; level++) {
      channels = copyBlock(`enc${level}`, channels, widthAt(level));
      skips.push(channels);
    }
    const bottleneck = copyBlock('bottleneck', channels, widthAt(shape.depth));
    channels = bottleneck;
    let upWidth = teacherWidthAt(shape.depth);
    for (let level = shape.depth - 1; level >= 0; level--) {
      // concatenate([upsampled, skip]): the skip's channels follow the upsampled path's
      const inputs = [...channels, ...skips[level].map((c) => c + upWidth)];
      channels = copyBlock(`dec${level}`, inputs, widthAt(level));
      upWidth = teacherWidthAt(level);
    }
    const [maskKernel, maskBias] = teacher.getLayer(MASK_OUTPUT).getWeights();
    student.getLayer(MASK_OUTPUT).setWeights([gather(maskKernel, channels, 2), maskBias]);
    // class features: [avg(bottleneck), max(bottleneck), max(mask logit)]
    const cb = teacherWidthAt(shape.depth);
    const [denseKernel, denseBias] = teacher.getLayer(CLASS_OUTPUT).getWeights();
    student.getLayer(CLASS_OUTPUT).setWeights([gather(denseKernel, [...bottleneck, ...bottleneck.map((c) => c + cb), 2 * cb], 0), denseBias]);
  });
  return student;
}
