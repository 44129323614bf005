/**
 * Classification targets as every loss here takes them: class indices `[B]` (integers) or soft targets `[B, C]`
 * (rows of class probabilities, as mixup and CutMix produce). Both become one `[B, C]` distribution.
 */
import { tf } from '@a2d/engine';
import { LossInputError } from './loss-input-error';
import { withoutGradient } from './stop-gradient';

/** Class indices `[B]` or soft targets `[B, C]`; soft rows are expected to sum to 1 (not checked). */
export type ClassTargets = tf.Tensor1D | tf.Tensor2D;

/** Checks that `logits` is `[B, C]` and returns `[B, C]`. */
export function logitsShape(logits: tf.Tensor, argument = 'logits'): [number, number] {
  if (logits.rank !== 2) {
    throw new LossInputError(argument, `expected rank-2 logits [batch, classes], got shape [${logits.shape.join(', ')}]`);
  }
  const [batch, classes] = logits.shape as [number, number];
  return [batch, classes];
}

/** Checks a per-class array (class weights, focal alphas) against the number of classes. */
export function checkPerClass(values: readonly number[], classes: number, argument: string): void {
  if (values.length !== classes) {
    throw new LossInputError(argument, `expected ${classes} per-class values, got ${values.length}`);
  }
  values.forEach((value, index) => {
    if (!Number.isFinite(value) || value < 0) {
      throw new LossInputError(argument, `expected finite non-negative values, got ${value} at class ${index}`);
    }
  });
}

/**
 * Throws `LossInputError` for a class index that is not an integer in `0..classes-1` (`tf.oneHot` would make it an
 * all-zero row, i.e. a silent loss of 0) or a soft target that is negative or not finite. Reads the targets back:
 * B or B * C numbers, small next to the logits' forward pass.
 */
function checkTargetValues(targets: ClassTargets, classes: number, argument: string): void {
  const values = targets.dataSync();
  if (targets.rank === 1) {
    values.forEach((value, row) => {
      if (!Number.isInteger(value) || value < 0 || value >= classes) {
        throw new LossInputError(argument, `expected class indices 0..${classes - 1}, got ${value} at row ${row}`);
      }
    });
    return;
  }
  values.forEach((value, position) => {
    if (!Number.isFinite(value) || value < 0) {
      const [row, column] = [Math.floor(position / classes), position % classes];
      throw new LossInputError(argument, `expected finite non-negative soft targets, got ${value} at row ${row}, class ${column}`);
    }
  });
}

/**
 * The `[B, C]` float distribution of `targets` (one-hot rows for class indices), without smoothing. A class index
 * outside `0..C-1` (or not an integer) and a negative or non-finite soft target throw `LossInputError`.
 */
export function targetDistribution(targets: ClassTargets, batch: number, classes: number, argument = 'targets'): tf.Tensor2D {
  if (targets.rank === 1) {
    if (targets.shape[0] !== batch) {
      throw new LossInputError(argument, `expected ${batch} class indices (one per row of logits), got ${targets.shape[0]}`);
    }
    checkTargetValues(targets, classes, argument);
    return tf.tidy(() => {
      const indices = targets.dtype === 'int32' ? targets : tf.cast(targets, 'int32');
      return tf.cast(tf.oneHot(indices as tf.Tensor1D, classes), 'float32') as tf.Tensor2D;
    });
  }
  if (targets.rank === 2) {
    const [rows, columns] = targets.shape as [number, number];
    if (rows !== batch || columns !== classes) {
      throw new LossInputError(argument, `expected soft targets [${batch}, ${classes}], got [${rows}, ${columns}]`);
    }
    checkTargetValues(targets, classes, argument);
    return tf.tidy(() => (targets.dtype === 'float32' ? tf.clone(targets) : tf.cast(targets, 'float32')) as tf.Tensor2D);
  }
  throw new LossInputError(
    argument,
    `expected class indices [batch] or soft targets [batch, classes], got shape [${(targets as tf.Tensor).shape.join(', ')}]`,
  );
}

/**
 * `x > threshold` as a bool mask that is a constant for the gradient: masks here depend on which classes are masked
 * or weighted, not on the logits' values, and tfjs has no gradient for `greater` on the path to the logits.
 */
function constantAbove(threshold: number): (x: tf.Tensor) => tf.Tensor {
  return withoutGradient((x) => tf.greater(x, threshold));
}

/** 1 where a logit is not -Inf (NaN counts as masked), else 0. */
const isUnmasked = constantAbove(-Infinity);
/** Where a loss term's factor is positive. */
const isCounted = constantAbove(0);

/**
 * Label smoothing: `(1 - eps) * target + eps / K`, spread over the K classes of the row whose logit is not -Inf.
 * A -Inf logit is a masked class (constrained decoding, invalid pairs): it cannot be predicted, so it gets no
 * smoothing mass, and smoothing a row with masked classes equals smoothing the row with those classes removed.
 * PyTorch spreads `eps / C` over every class and returns +Inf there. A row that sums to 1 still does.
 */
export function smoothTargets(distribution: tf.Tensor2D, labelSmoothing: number, logits: tf.Tensor2D): tf.Tensor2D {
  if (!Number.isFinite(labelSmoothing) || labelSmoothing < 0 || labelSmoothing >= 1) {
    throw new LossInputError('labelSmoothing', `expected a number in [0, 1), got ${labelSmoothing}`);
  }
  if (labelSmoothing === 0) return tf.clone(distribution);
  return tf.tidy(() => {
    const unmasked = tf.cast(isUnmasked(logits), 'float32');
    const perClass = tf.div(unmasked, tf.sum(unmasked, 1, true));
    return tf.add(tf.mul(distribution, 1 - labelSmoothing), tf.mul(perClass, labelSmoothing)) as tf.Tensor2D;
  });
}

/**
 * `logProbs` where `factor > 0`, else 0. The losses sum `factor_c * f(log p_c)`; a class of factor 0 must add
 * exactly 0 even when its logit is -Inf (log p = -Inf, and 0 * -Inf is NaN), and pass back a gradient of 0, not
 * NaN: masking the log-probability itself, before any product, does both. Elsewhere values and gradients are unchanged.
 */
export function logProbsWhereCounted(logProbs: tf.Tensor2D, factor: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.where(isCounted(factor), logProbs, tf.zerosLike(logProbs)) as tf.Tensor2D);
}
