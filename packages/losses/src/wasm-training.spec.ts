import { a2dConfigSchema, parseConfig } from '@a2d/core';
import { initEngine, tf } from '@a2d/engine';
import { TwoStepLoss } from './index';

/** Loss and gradients of both heads' logits on the current backend, for both loss kinds. */
function lossAndGradients(kind: 'ce' | 'focal'): number[] {
  const loss = new TwoStepLoss(
    parseConfig(a2dConfigSchema, { loss: { kind, focal: { gamma: 0.5 }, weights: { consistency: 1 } } }).loss,
  );
  // The second clip's action logit 30 saturates softmax: the focal clamp must keep wasm gradients finite too.
  const actionLogits = tf.variable(
    tf.tensor2d([
      [1, 2, 0, -1, 0.5, 0, 3, 1],
      [0, 0, 0, 0, 30, 0, 0, 0],
    ]),
  );
  const actorLogits = tf.variable(
    tf.tensor2d([
      [1, 0, 0, 2, 0, 1, 0],
      [0, 5, 0, 0, 0, 1, 0],
    ]),
  );
  const soft = [
    [0.5, 0, 0, 0.5, 0, 0, 0],
    [0, 1, 0, 0, 0, 0, 0],
  ];
  const targets = { action: tf.tensor1d([6, 4], 'int32'), actor: tf.tensor2d(soft) };
  const conditionedAction = tf.tensor1d([6, 3], 'int32');
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(
    () => loss.compute({ actionLogits, actorLogits, conditionedAction }, targets).total,
    [actionLogits, actorLogits],
  );
  const numbers = [value.dataSync()[0], ...Object.values(grads).flatMap((gradient) => Array.from(gradient.dataSync()))];
  tf.dispose([value, grads]);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([actionLogits, actorLogits, targets, conditionedAction]);
  return numbers;
}

describe('losses on wasm', () => {
  it('train on the wasm backend: loss and gradients match the cpu backend', async () => {
    for (const kind of ['ce', 'focal'] as const) {
      await initEngine({ backend: 'wasm', log: () => {} });
      expect(tf.getBackend()).toBe('wasm');
      const onWasm = lossAndGradients(kind);
      await initEngine({ backend: 'cpu', log: () => {} });
      const onCpu = lossAndGradients(kind);
      expect(onWasm.every(Number.isFinite)).toBe(true);
      onWasm.forEach((v, i) => expect(v).toBeCloseTo(onCpu[i], 5));
    }
  });
});
