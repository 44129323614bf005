/** Identity in the forward pass, zero gradient in the backward pass (tfjs has no `stopGradient` op). */
import { tf } from '@a2d/engine';

const stop = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** `x` as a new tensor through which no gradient flows back to `x`. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}
