// Losses for the two outputs. The mask loss is computed per sample and then averaged
// (DESIGN.md: batch-pooled losses on the two-output model misbehaved).
// - Soft Dice only over slices that hold a lesion: on an empty slice (1 − Dice) with a smoothing
//   term pushes every pixel's logit down hard, saturating the sigmoid so lesion pixels stop
//   receiving gradient (the first training run sat at "predict nothing" for 500 steps).
// - BCE on every slice, lesion pixels weighted up, keeps empty slices empty.
import * as tf from '@tensorflow/tfjs';

const SMOOTH = 1;
/** Weight of a lesion pixel in the BCE term (lesions cover ~1 % of a slice). */
export const LESION_PIXEL_WEIGHT = 10;

/** Mean over lesion slices of (1 − soft Dice) + pixel-weighted BCE, from logits [N,H,W,1] and 0/1 targets. */
export function maskLoss(logits: tf.Tensor4D, targets: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const probabilities = tf.sigmoid(logits);
    const intersection = tf.sum(tf.mul(probabilities, targets), [1, 2, 3]);
    const targetArea = tf.sum(targets, [1, 2, 3]);
    const total = tf.add(tf.sum(probabilities, [1, 2, 3]), targetArea);
    const dicePerSample = tf.div(tf.add(tf.mul(intersection, 2), SMOOTH), tf.add(total, SMOOTH));
    const positive = tf.cast(tf.greater(targetArea, 0), 'float32');
    const diceLoss = tf.div(tf.sum(tf.mul(tf.sub(1, dicePerSample), positive)), tf.maximum(tf.sum(positive), 1));
    const weights = tf.add(1, tf.mul(targets, LESION_PIXEL_WEIGHT - 1));
    const bce = tf.losses.sigmoidCrossEntropy(targets, logits, weights);
    return tf.add(diceLoss, bce) as tf.Scalar;
  });
}

/** BCE of the lesion probability [N,1] against 0/1 slice labels [N,1]. */
export function classLoss(probability: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.losses.logLoss(labels, probability, undefined, 1e-6) as tf.Scalar);
}
