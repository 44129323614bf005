/**
 * Runs part of a functional tfjs model with chosen symbolic tensors fed. `LayersModel.execute` only accepts the
 * model's inputs; Grad-CAM needs to feed an intermediate feature map so that the class score becomes a function
 * of it (tf.grad then differentiates through everything downstream: heads, transformer, cross-attention).
 */
import { tf } from '@a2d/engine';

/** Values fed for symbolic tensors of one functional model; evaluation stops at them. */
export type SymbolicFeeds = ReadonlyMap<tf.SymbolicTensor, tf.Tensor>;

/**
 * Values of `fetches` given `feeds`, in inference mode (dropout off, batch-norm moving statistics), like tfjs's own
 * executor minus masks (no layer of ours masks). Call it inside `tf.tidy`: intermediates are left to the scope.
 */
export function evaluateSymbolic(fetches: readonly tf.SymbolicTensor[], feeds: SymbolicFeeds): tf.Tensor[] {
  const fed = new Map<number, tf.Tensor>();
  feeds.forEach((value, symbolic) => fed.set(symbolic.id, value));
  // One call per layer node: a multi-output node's outputs are computed together.
  const nodeOutputs = new Map<string, tf.Tensor[]>();
  const valueOf = (symbolic: tf.SymbolicTensor): tf.Tensor => {
    const given = fed.get(symbolic.id);
    if (given) return given;
    const layer = symbolic.sourceLayer;
    const key = `${layer.name}#${symbolic.nodeIndex}`;
    let outputs = nodeOutputs.get(key);
    if (!outputs) {
      if (symbolic.inputs.length === 0) throw new TypeError(`no value fed for input ${symbolic.name}`);
      const inputs = symbolic.inputs.map(valueOf);
      const result = layer.apply(inputs, { training: false }) as tf.Tensor | tf.Tensor[];
      outputs = Array.isArray(result) ? result : [result];
      nodeOutputs.set(key, outputs);
    }
    return outputs[symbolic.outputTensorIndex ?? 0];
  };
  return fetches.map(valueOf);
}
