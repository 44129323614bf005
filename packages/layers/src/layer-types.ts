/**
 * Types of the tfjs-layers custom-layer API that `@tensorflow/tfjs` does not export by name, derived from the
 * exported `Layer` class so they always match the installed tfjs.
 */
import type { tf } from '@a2d/engine';

/** Constructor arguments every tfjs layer takes (`name`, `trainable`, `inputShape`, ...). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** Keyword arguments of `Layer.call` (`training`, `mask`). */
export type Kwargs = Parameters<tf.layers.Layer['call']>[1];

/** True when the layer is called in training mode (dropout, stochastic depth active). */
export function isTraining(kwargs: Kwargs | undefined): boolean {
  return kwargs?.['training'] === true;
}

/** The inputs of a call as a list (tfjs passes a single input as a bare tensor). */
export function inputList(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

/** The inputs' shapes as a list (`computeOutputShape` gets one shape or a list of shapes). */
export function shapeList(shapes: tf.Shape | tf.Shape[]): tf.Shape[] {
  return Array.isArray(shapes[0]) || shapes.length === 0 ? (shapes as tf.Shape[]) : [shapes as tf.Shape];
}
