/** Applying a layer while building a functional model, with the symbolic result typed as such. */
import { tf } from '@a2d/engine';

/** `layer.apply(inputs)` for symbolic inputs; throws if the layer does not return exactly one symbolic tensor. */
export function applySymbolic(layer: tf.layers.Layer, inputs: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
  const output = layer.apply(inputs);
  if (output instanceof tf.SymbolicTensor) return output;
  throw new TypeError(`layer ${layer.name} should return one symbolic tensor on symbolic inputs`);
}
