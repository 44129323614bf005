import { initEngine, profileKernels, tf } from '@a2d/engine';
import { Rng } from '@a2d/core';
import { PlainConv2D } from './plain-conv2d';

function random(shape: number[], seed: string): tf.Tensor {
  const rng = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
}

describe.each(['cpu', 'wasm'] as const)('PlainConv2D on %s', (backend) => {
  beforeAll(async () => {
    await initEngine({ backend, log: () => undefined });
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    [3, 1, 'same'],
    [3, 2, 'same'],
    [7, 2, 'valid'],
    [1, 1, 'valid'],
  ] as const)("computes tfjs-layers' Conv2D (no bias) and its kernel gradient: k%d s%d %s", (kernelSize, strides, padding) => {
    const ours = new PlainConv2D({ name: 'ours', filters: 5, kernelSize, strides, padding });
    const theirs = tf.layers.conv2d({ name: 'theirs', filters: 5, kernelSize, strides, padding, useBias: false });
    const x = random([2, 9, 11, 6], 'x');
    ours.apply(x);
    theirs.apply(x);
    const kernel = random(ours.getWeights()[0].shape, 'k');
    ours.setWeights([kernel]);
    theirs.setWeights([kernel]);
    expect(ours.computeOutputShape(x.shape)).toEqual((theirs.apply(x) as tf.Tensor).shape);
    const before = tf.memory().numTensors;
    const [a, b] = [ours.apply(x) as tf.Tensor, theirs.apply(x) as tf.Tensor];
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const gradOf = (layer: tf.layers.Layer) => tf.variableGrads(() => tf.sum(tf.square(layer.apply(x) as tf.Tensor)) as tf.Scalar, [layer.trainableWeights[0].read() as tf.Variable]);
    const [ga, gb] = [gradOf(ours), gradOf(theirs)];
    const da = Object.values(ga.grads)[0].dataSync();
    const db = Object.values(gb.grads)[0].dataSync();
    for (let i = 0; i < da.length; i++) expect(Math.abs(da[i] - db[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(db[i])));
    tf.dispose([a, b, ga.value, gb.value, ...Object.values(ga.grads), ...Object.values(gb.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, kernel]);
    ours.dispose();
    theirs.dispose();
  });

  it('leaves out the gradient of its input when no weight needs it (a first layer), and gives it when asked', async () => {
    const layer = new PlainConv2D({ name: 'stem', filters: 4, kernelSize: 3, strides: 2 });
    const x = random([1, 8, 8, 6], 'x');
    layer.apply(x);
    const weight = layer.trainableWeights[0].read() as tf.Variable;
    const kernelsOf = async (fn: () => tf.Tensor[]) => (await profileKernels(() => tf.tidy(() => void tf.dispose(fn())))).calls.map((c) => c.name);
    const weightOnly = await kernelsOf(() => Object.values(tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, [weight]).grads));
    expect(weightOnly).toContain('Conv2DBackpropFilter');
    expect(weightOnly).not.toContain('Conv2DBackpropInput');
    const inputToo = await kernelsOf(() => [tf.grad((input: tf.Tensor) => tf.sum(layer.apply(input) as tf.Tensor))(x)]);
    expect(inputToo).toContain('Conv2DBackpropInput');
    x.dispose();
    layer.dispose();
  });
});
