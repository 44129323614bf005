import { initEngine, tf } from '@a2d/engine';
import { Rng } from '@a2d/core';
import { composedFrameDifferences } from '../frame-motion';
import { FRAME_DIFFERENCES_KERNEL, frameDifferencesKernel, hasFrameDifferencesKernel } from './frame-differences-kernel';

function randomClips(shape: number[], seed: string): tf.Tensor5D {
  const rng = new Rng(seed);
  return tf.tensor5d(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape as [number, number, number, number, number]);
}

describe.each(['cpu', 'wasm'] as const)('A2dFrameDifferences on %s', (backend) => {
  beforeAll(async () => {
    await initEngine({ backend, log: () => undefined });
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    [[2, 4, 5, 3, 3], true],
    [[1, 1, 3, 3, 3], true],
    [[3, 3, 2, 7, 6], false],
  ] as const)('equals the composed ops bit for bit on %j (keepFrames %s), leaking nothing', (shape, keepFrames) => {
    expect(hasFrameDifferencesKernel()).toBe(true);
    const x = randomClips([...shape], `fd/${shape.join('x')}`);
    const before = tf.memory().numTensors;
    const fast = frameDifferencesKernel(x, keepFrames);
    const composed = composedFrameDifferences(x, keepFrames);
    expect(fast.shape).toEqual(composed.shape);
    expect(Array.from(fast.dataSync())).toEqual(Array.from(composed.dataSync()));
    tf.dispose([fast, composed]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('has the gradient of the composed ops (for explanations: gradient x input)', () => {
    const x = randomClips([2, 4, 3, 2, 3], 'fd/grad');
    const weights = randomClips([2, 4, 3, 2, 6], 'fd/weights');
    const before = tf.memory().numTensors;
    const loss = (f: (input: tf.Tensor) => tf.Tensor) => (input: tf.Tensor) => tf.sum(tf.mul(f(input), weights));
    const fast = tf.grad(loss((input) => frameDifferencesKernel(input as tf.Tensor5D, true)))(x);
    const composed = tf.grad(loss((input) => composedFrameDifferences(input, true)))(x);
    const a = fast.dataSync();
    const b = composed.dataSync();
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5);
    tf.dispose([fast, composed]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, weights]);
  });
});

describe('A2dFrameDifferences elsewhere', () => {
  it('is registered only where it has a one-pass implementation', () => {
    expect(tf.getKernel(FRAME_DIFFERENCES_KERNEL, 'webgl')).toBeUndefined();
  });
});
