/**
 * Multi-class focal loss (Lin et al. 2017): cross-entropy scaled per class by `alpha_c (1 - p_c)^gamma`, so
 * confidently right clips contribute little and training focuses on the hard ones. Takes the same targets,
 * smoothing and class weights as `crossEntropy`; with `gamma` 0 and no `alpha` it is cross-entropy.
 */
import { tf } from '@a2d/engine';
import { batchMean } from './batch-reduction';
import { checkPerClass, logitsShape, logProbsWhereCounted, smoothTargets, targetDistribution, type ClassTargets } from './class-targets';
import { LossInputError } from './loss-input-error';

/**
 * `1 - p` is clamped below at this value before `pow`, so the gradient `gamma (1 - p)^(gamma - 1)` stays finite
 * for `gamma < 1` when a probability rounds to 1 in float32.
 */
const MIN_COMPLEMENT = 1e-12;

/** Options of `focalLoss`. */
export interface FocalLossOptions {
  /** Focusing parameter >= 0. Default 2. */
  gamma?: number;
  /** Class factor: one scalar for every class or one value per class (e.g. from `classFrequencyWeights`). Default 1. */
  alpha?: number | readonly number[];
  /** Label smoothing epsilon in [0, 1). Default 0. */
  labelSmoothing?: number;
  /** One weight per class for a weighted batch mean (see `batchMean`); `alpha` is the plain per-clip factor. */
  classWeights?: readonly number[];
}

/**
 * Mean over the batch of `-sum_c alpha_c w_c q_c (1 - p_c)^gamma log p_c`, `p = softmax(logits)`, `q` the smoothed
 * targets, a term of factor `alpha_c w_c q_c = 0` counting 0 (so a -Inf logit off the target adds nothing). `logits`
 * `[B, C]`, `targets` class indices `[B]` or soft `[B, C]`, checked as `crossEntropy` checks them. Returns a new
 * scalar the caller owns.
 */
export function focalLoss(logits: tf.Tensor2D, targets: ClassTargets, options: FocalLossOptions = {}): tf.Scalar {
  const [batch, classes] = logitsShape(logits);
  const { gamma = 2, alpha, labelSmoothing = 0, classWeights } = options;
  if (!Number.isFinite(gamma) || gamma < 0) throw new LossInputError('gamma', `expected a finite number >= 0, got ${gamma}`);
  if (typeof alpha === 'number' && (!Number.isFinite(alpha) || alpha < 0)) {
    throw new LossInputError('alpha', `expected a finite number >= 0, got ${alpha}`);
  }
  if (alpha !== undefined && typeof alpha !== 'number') checkPerClass(alpha, classes, 'alpha');
  if (classWeights) checkPerClass(classWeights, classes, 'classWeights');
  return tf.tidy(() => {
    const distribution = targetDistribution(targets, batch, classes);
    let factor: tf.Tensor = smoothTargets(distribution, labelSmoothing, logits);
    if (classWeights) factor = tf.mul(factor, tf.tensor1d(classWeights as number[], 'float32'));
    if (typeof alpha === 'number') factor = tf.mul(factor, alpha);
    else if (alpha !== undefined) factor = tf.mul(factor, tf.tensor1d(alpha as number[], 'float32'));
    const logProbs = logProbsWhereCounted(tf.logSoftmax(logits) as tf.Tensor2D, factor);
    // gamma 0 skips the modulating factor: pow(x, 0) has gradient 0 * x^-1, which is NaN at x = 0.
    const modulated =
      gamma === 0
        ? logProbs
        : tf.mul(tf.pow(tf.maximum(tf.sub(1, tf.exp(logProbs)), MIN_COMPLEMENT), gamma), logProbs);
    const perClip = tf.neg(tf.sum(tf.mul(factor, modulated), 1)) as tf.Tensor1D;
    return batchMean(perClip, distribution, classWeights);
  });
}
