/** Ops through which no gradient flows back (tfjs has no `stopGradient` op, nor gradients for comparisons). */
import { tf } from '@a2d/engine';

/** `fn` as an op whose gradient to its input is zero: its result is a constant to the tape. */
export function withoutGradient(fn: (x: tf.Tensor) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: fn(args[0] as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
}

const stop = withoutGradient((x) => tf.clone(x));

/** `x` as a new tensor through which no gradient flows back to `x`. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}
