/**
 * Softmax cross-entropy with label smoothing and class weights, for class indices or soft targets. Computed from
 * `logSoftmax(logits)` so large logits never overflow `exp` nor take `log(0)`.
 */
import { tf } from '@a2d/engine';
import { batchMean } from './batch-reduction';
import { checkPerClass, logitsShape, smoothTargets, targetDistribution, type ClassTargets } from './class-targets';

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** Label smoothing epsilon in [0, 1): targets become `(1 - eps) * t + eps / C`. Default 0. */
  labelSmoothing?: number;
  /** One weight per class; the batch mean becomes a weighted mean (see `batchMean`). Default: unweighted. */
  classWeights?: readonly number[];
}

/**
 * Mean over the batch of `-sum_c w_c q_c log softmax(logits)_c`, `q` the smoothed targets. `logits` `[B, C]`,
 * `targets` class indices `[B]` or soft `[B, C]`. Returns a new scalar the caller owns; inputs are not disposed.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: ClassTargets, options: CrossEntropyOptions = {}): tf.Scalar {
  const [batch, classes] = logitsShape(logits);
  const { labelSmoothing = 0, classWeights } = options;
  if (classWeights) checkPerClass(classWeights, classes, 'classWeights');
  return tf.tidy(() => {
    const distribution = targetDistribution(targets, batch, classes);
    const smoothed = smoothTargets(distribution, labelSmoothing);
    const weighted = classWeights ? tf.mul(smoothed, tf.tensor1d(classWeights as number[], 'float32')) : smoothed;
    const perClip = tf.neg(tf.sum(tf.mul(weighted, tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
    return batchMean(perClip, distribution, classWeights);
  });
}
