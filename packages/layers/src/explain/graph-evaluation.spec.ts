import { tf } from '@a2d/engine';
import { evaluateSymbolic } from './graph-evaluation';

/** input [3] -> hidden dense [4] -> output dense [2], with seeded weights. */
function smallModel(): { model: tf.LayersModel; hidden: tf.SymbolicTensor } {
  const input = tf.input({ shape: [3], name: 'x' });
  const hidden = tf.layers.dense({ units: 4, name: 'hidden', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({ units: 2, name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), biasInitializer: tf.initializers.constant({ value: 0.5 }) })
    .apply(hidden) as tf.SymbolicTensor;
  return { model: tf.model({ inputs: input, outputs: output }), hidden };
}

describe('evaluateSymbolic', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('computes what the model computes from its inputs, and stops at a fed intermediate', () => {
    const { model, hidden } = smallModel();
    const x = tf.tensor2d([[1, -2, 3]]);
    const before = tf.memory().numTensors;
    const [fromInput, fromHidden] = tf.tidy(() => {
      const expected = model.predict(x) as tf.Tensor;
      const [output] = evaluateSymbolic(model.outputs, new Map([[model.inputs[0], x]]));
      // A zero hidden activation leaves only the output bias, whatever the input.
      const [biasOnly] = evaluateSymbolic(model.outputs, new Map([[model.inputs[0], x], [hidden, tf.zeros([1, 4])]]));
      return [tf.max(tf.abs(tf.sub(output, expected))).arraySync() as number, biasOnly.arraySync() as number[][]];
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(fromInput).toBeLessThan(1e-6);
    expect(fromHidden).toEqual([[0.5, 0.5]]);
    x.dispose();
    model.dispose();
  });

  it('differentiates through the layers downstream of a fed tensor', () => {
    const { model, hidden } = smallModel();
    const x = tf.tensor2d([[1, -2, 3]]);
    const [gradient, kernelRow] = tf.tidy(() => {
      const g = tf.grad((h: tf.Tensor) => tf.slice(evaluateSymbolic(model.outputs, new Map([[model.inputs[0], x], [hidden, h]]))[0], [0, 0], [1, 1]).sum())(tf.zeros([1, 4]));
      // d out_0 / d hidden = the output layer's kernel column 0.
      const kernel = model.getLayer('out').getWeights()[0];
      return [g.arraySync() as number[][], tf.slice(kernel, [0, 0], [4, 1]).reshape([1, 4]).arraySync() as number[][]];
    });
    gradient[0].forEach((value, i) => expect(value).toBeCloseTo(kernelRow[0][i], 6));
    x.dispose();
    model.dispose();
  });

  it('names the input it was not given', () => {
    const { model } = smallModel();
    expect(() => tf.tidy(() => evaluateSymbolic(model.outputs, new Map()))).toThrow(/no value fed for input x/);
    model.dispose();
  });
});
