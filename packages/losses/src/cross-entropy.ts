/**
 * Softmax cross-entropy with label smoothing and class weights, for class indices or soft targets. Computed from
 * `logSoftmax(logits)` so large logits never overflow `exp` nor take `log(0)`. A -Inf logit (a masked class) is
 * a class of probability 0: it adds nothing unless it is the target (then the loss is +Inf, as in PyTorch).
 */
import { tf } from '@a2d/engine';
import { batchMean } from './batch-reduction';
import { checkPerClass, logitsShape, logProbsWhereCounted, smoothTargets, targetDistribution, type ClassTargets } from './class-targets';

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** Label smoothing epsilon in [0, 1): targets become `(1 - eps) * t + eps / C` (C: classes whose logit is not -Inf). Default 0. */
  labelSmoothing?: number;
  /** One weight per class; the batch mean becomes a weighted mean (see `batchMean`). Default: unweighted. */
  classWeights?: readonly number[];
}

/**
 * Mean over the batch of `-sum_c w_c q_c log softmax(logits)_c`, `q` the smoothed targets, a term of `w_c q_c = 0`
 * counting 0. `logits` `[B, C]`, `targets` class indices `[B]` or soft `[B, C]` (checked: an index outside 0..C-1
 * or a negative soft target throws `LossInputError`). Returns a new scalar the caller owns; inputs are not disposed.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: ClassTargets, options: CrossEntropyOptions = {}): tf.Scalar {
  const [batch, classes] = logitsShape(logits);
  const { labelSmoothing = 0, classWeights } = options;
  if (classWeights) checkPerClass(classWeights, classes, 'classWeights');
  return tf.tidy(() => {
    const distribution = targetDistribution(targets, batch, classes);
    const smoothed = smoothTargets(distribution, labelSmoothing, logits);
    const weighted = classWeights ? tf.mul(smoothed, tf.tensor1d(classWeights as number[], 'float32')) : smoothed;
    const logProbs = logProbsWhereCounted(tf.logSoftmax(logits) as tf.Tensor2D, weighted);
    const perClip = tf.neg(tf.sum(tf.mul(weighted, logProbs), 1)) as tf.Tensor1D;
    return batchMean(perClip, distribution, classWeights);
  });
}
