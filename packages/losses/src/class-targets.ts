/**
 * Classification targets as every loss here takes them: class indices `[B]` (integers) or soft targets `[B, C]`
 * (rows of class probabilities, as mixup and CutMix produce). Both become one `[B, C]` distribution.
 */
import { tf } from '@a2d/engine';
import { LossInputError } from './loss-input-error';

/** Class indices `[B]` or soft targets `[B, C]`; soft rows are expected to sum to 1 (not checked: that needs a sync). */
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
 * The `[B, C]` float distribution of `targets` (one-hot rows for class indices), without smoothing.
 * Indices outside `0..C-1` become all-zero rows in `tf.oneHot`; callers that need to know check the data themselves.
 */
export function targetDistribution(targets: ClassTargets, batch: number, classes: number, argument = 'targets'): tf.Tensor2D {
  if (targets.rank === 1) {
    if (targets.shape[0] !== batch) {
      throw new LossInputError(argument, `expected ${batch} class indices (one per row of logits), got ${targets.shape[0]}`);
    }
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
    return tf.tidy(() => (targets.dtype === 'float32' ? tf.clone(targets) : tf.cast(targets, 'float32')) as tf.Tensor2D);
  }
  throw new LossInputError(
    argument,
    `expected class indices [batch] or soft targets [batch, classes], got shape [${(targets as tf.Tensor).shape.join(', ')}]`,
  );
}

/** Label smoothing: `(1 - eps) * target + eps / C`; a row that sums to 1 still does. */
export function smoothTargets(distribution: tf.Tensor2D, labelSmoothing: number): tf.Tensor2D {
  if (!Number.isFinite(labelSmoothing) || labelSmoothing < 0 || labelSmoothing >= 1) {
    throw new LossInputError('labelSmoothing', `expected a number in [0, 1), got ${labelSmoothing}`);
  }
  const classes = distribution.shape[1];
  return tf.tidy(() =>
    labelSmoothing === 0
      ? tf.clone(distribution)
      : tf.add(tf.mul(distribution, 1 - labelSmoothing), labelSmoothing / classes),
  );
}
