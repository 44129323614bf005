/**
 * The speed changes of issue 22 (one-pass frame differences, broadcasting layer norm, plain convolutions) keep the
 * model's function: a small TwoStepModel built from the same seed gives the outputs and weight gradients that the
 * code before them gave (pinned in test-support/fixtures, written by test-support/model-function-fixture.ts at that
 * commit), and a model saved then (tfjs-layers' Conv2D and LayerNormalization) still loads and computes the same.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { initEngine, tf } from '@a2d/engine';
import { computeFixture, fixtureModel, type ModelFunctionFixture } from '../test-support/model-function-fixture';

const fixture = JSON.parse(readFileSync(path.join(__dirname, '../test-support/fixtures/two-step-function-before-issue-22.json'), 'utf8')) as ModelFunctionFixture;

function expectClose(actual: readonly number[], expected: readonly number[], tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  actual.forEach((value, i) => expect(Math.abs(value - expected[i])).toBeLessThanOrEqual(tolerance * scale));
}

describe.each(['cpu', 'wasm'] as const)('the model function on %s', (backend) => {
  beforeAll(async () => {
    await initEngine({ backend, log: () => undefined });
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives the outputs and gradients of the code before the speed changes, within 1e-5', () => {
    const model = fixtureModel();
    const before = tf.memory().numTensors;
    const now = computeFixture(model);
    expect(tf.memory().numTensors).toBe(before);
    expectClose(now.actionLogits, fixture.actionLogits, 1e-5);
    expectClose(now.actorLogits, fixture.actorLogits, 1e-5);
    expect(now.gradients.map((g) => g.name)).toEqual(fixture.gradients.map((g) => g.name));
    now.gradients.forEach((g, i) => {
      const pinned = fixture.gradients[i];
      const tolerance = 1e-5 * Math.max(1, Math.sqrt(pinned.sumOfSquares));
      expect(Math.abs(g.sum - pinned.sum)).toBeLessThanOrEqual(tolerance * 10);
      expect(Math.abs(Math.sqrt(g.sumOfSquares) - Math.sqrt(pinned.sumOfSquares))).toBeLessThanOrEqual(tolerance);
      expectClose(g.head, pinned.head, 1e-5);
    });
    model.dispose();
  });

  it('loads a model saved before them (Conv2D, LayerNormalization) and computes the same outputs', async () => {
    const model = fixtureModel();
    const topology = JSON.stringify(fixture.modelTopology);
    expect(topology).toContain('"class_name":"Conv2D"');
    expect(topology).toContain('"class_name":"LayerNormalization"');
    const weights = model.network.full.weights.map((w) => ({ name: w.originalName, tensor: w.read() }));
    const encoded = await tf.io.encodeWeights(weights);
    const old = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: fixture.modelTopology as object, weightSpecs: encoded.specs, weightData: encoded.data }));
    expect(old.countParams()).toBe(model.network.full.countParams());
    const clips = tf.randomNormal([2, 3, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor5D;
    const condition = tf.oneHot(tf.tensor1d([2, 0], 'int32'), 8).toFloat();
    const ours = model.network.full.predict([clips, condition]) as tf.Tensor[];
    const theirs = old.predict([clips, condition]) as tf.Tensor[];
    ours.forEach((output, i) => expectClose(Array.from(output.dataSync()), Array.from(theirs[i].dataSync()), 1e-5));
    tf.dispose([clips, condition, ...ours, ...theirs]);
    old.dispose();
    model.dispose();
  });
});
