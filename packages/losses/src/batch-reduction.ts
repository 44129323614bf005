/**
 * The mean over the batch of per-clip losses, optionally class-weighted. With class weights `w` the mean is
 * `sum_i loss_i / sum_i sum_c w_c t_ic` over the unsmoothed targets `t`, which for class indices is PyTorch's
 * `CrossEntropyLoss(weight, reduction='mean')` normaliser `sum_i w_{y_i}`, and gives soft one-hot rows the same value.
 */
import { tf } from '@a2d/engine';

/** Reduces `perClip` `[B]` to a scalar; `targets` `[B, C]` (before smoothing) only matter when `classWeights` is set. */
export function batchMean(perClip: tf.Tensor1D, targets: tf.Tensor2D, classWeights?: readonly number[]): tf.Scalar {
  return tf.tidy(() => {
    if (!classWeights) return tf.mean(perClip);
    const weightPerClip = tf.sum(tf.mul(targets, tf.tensor1d(classWeights as number[], 'float32')), 1);
    const total = tf.sum(weightPerClip);
    // A batch whose targets all carry weight 0 has no weighted signal: its loss is 0, not 0/0.
    return tf.where(tf.greater(total, 0), tf.div(tf.sum(perClip), tf.maximum(total, 1e-12)), tf.scalar(0)) as tf.Scalar;
  });
}
