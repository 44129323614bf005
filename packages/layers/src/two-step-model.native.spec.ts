import { a2dConfigSchema, NUM_ACTIONS, NUM_ACTORS, Rng } from '@a2d/core';
import { initEngine, loadNativeAddon, tf } from '@a2d/engine';
import { TwoStepModel } from './two-step-model';

const load = loadNativeAddon();
const describeWithAddon = load.addon ? describe : describe.skip;
if (!load.addon) console.warn(`native model specs skipped: ${load.reason}`);

const config = a2dConfigSchema.parse({});
const batch = 2;
const steps = 20;
const { numFrames } = config.data.sampling;
const inputSize = config.augment.cropSize;

interface Run {
  losses: number[];
  weights: Float32Array[];
}

/** `steps` Adam steps of the default model (teacher forcing, both heads' cross-entropy) from `initial` weights. */
function train(initial: readonly Float32Array[] | undefined): Run & { initial: Float32Array[] } {
  const model = TwoStepModel.create({ config: config.model, inputSize, numFrames, rng: new Rng(0).fork('model') });
  if (initial) model.network.full.setWeights(model.network.full.getWeights().map((w, i) => tf.tensor(initial[i], w.shape)));
  const start = model.network.full.getWeights().map((w) => Float32Array.from(w.dataSync()));
  const rng = new Rng('native-model/clips');
  const clips = tf.tensor5d(Float32Array.from({ length: batch * numFrames * inputSize * inputSize * 3 }, () => rng.normal()), [batch, numFrames, inputSize, inputSize, 3]);
  const actions = [3, 6];
  const actors = [1, 5];
  const optimizer = tf.train.adam(1e-3);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = optimizer.minimize(
      () => {
        const encoded = model.encode(clips, true);
        const condition = tf.oneHot(tf.tensor1d(actions, 'int32'), NUM_ACTIONS).toFloat() as tf.Tensor2D;
        const actorLogits = model.actorLogits(encoded, condition, true);
        const actionLoss = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(actions, 'int32'), NUM_ACTIONS), encoded.actionLogits);
        const actorLoss = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(actors, 'int32'), NUM_ACTORS), actorLogits);
        return tf.add(actionLoss, actorLoss) as tf.Scalar;
      },
      true,
      model.trainableVariables,
    );
    losses.push(loss ? loss.dataSync()[0] : Number.NaN);
    loss?.dispose();
  }
  const weights = model.network.full.getWeights().map((w) => Float32Array.from(w.dataSync()));
  optimizer.dispose();
  clips.dispose();
  model.dispose();
  return { losses, weights, initial: start };
}

/** Sequential predictions of a model holding `weights`, on clips of its own seeded generator. */
function predictWith(weights: readonly Float32Array[]): ReturnType<TwoStepModel['predict']> {
  const model = TwoStepModel.create({ config: config.model, inputSize, numFrames, rng: new Rng(0).fork('model') });
  model.network.full.setWeights(model.network.full.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  const rng = new Rng('native-model/eval');
  const clips = tf.tensor5d(Float32Array.from({ length: 4 * numFrames * inputSize * inputSize * 3 }, () => rng.normal()), [4, numFrames, inputSize, inputSize, 3]);
  const predictions = model.predict(clips);
  clips.dispose();
  model.dispose();
  return predictions;
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describeWithAddon(`the default TwoStepModel on native against wasm${load.addon ? '' : ` (skipped: ${load.reason})`}`, () => {
  let wasm: Run & { initial: Float32Array[] };
  let native: Run;
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', log: () => {} });
    wasm = train(undefined);
    await initEngine({ backend: 'native', log: () => {} });
    native = train(wasm.initial);
  }, 120_000);
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it(`takes the same ${steps} Adam steps: every loss within 1e-4 relative`, () => {
    expect(native.losses).toHaveLength(steps);
    // The run learns (so the comparison is not of a constant).
    expect(wasm.losses[steps - 1]).toBeLessThan(wasm.losses[0]);
    native.losses.forEach((loss, i) => expect(relative(loss, wasm.losses[i])).toBeLessThanOrEqual(1e-4));
  });

  it('evaluates weights trained on one backend to the same predictions on the other', async () => {
    await initEngine({ backend: 'native', log: () => {} });
    const onNative = predictWith(wasm.weights);
    await initEngine({ backend: 'wasm', log: () => {} });
    const onWasm = predictWith(wasm.weights);
    const nativeTrainedOnWasm = predictWith(native.weights);
    expect(onNative.map((p) => [p.action, p.actor])).toEqual(onWasm.map((p) => [p.action, p.actor]));
    onNative.forEach((p, i) => {
      p.actionProbabilities.forEach((v, j) => expect(Math.abs(v - onWasm[i].actionProbabilities[j])).toBeLessThanOrEqual(1e-4));
      p.actorProbabilities.forEach((v, j) => expect(Math.abs(v - onWasm[i].actorProbabilities[j])).toBeLessThanOrEqual(1e-4));
    });
    // And the two training runs ended at the same model, as far as its predictions tell.
    expect(nativeTrainedOnWasm.map((p) => [p.action, p.actor])).toEqual(onWasm.map((p) => [p.action, p.actor]));
  });
});
