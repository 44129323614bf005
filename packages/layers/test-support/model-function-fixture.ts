/**
 * Writes (or, imported, computes) the fixture that pins the function of a small TwoStepModel: its outputs and
 * weight gradients on fixed clips, plus its saved topology. The fixture was written by the code before the speed
 * changes of issue 22 (one-pass frame differences, broadcasting layer norm, plain convolutions), so the spec
 * `model-function.spec.ts` proves today's model computes the same function and that models saved then still load.
 *   npx tsx packages/layers/test-support/model-function-fixture.ts <out.json>   (run on the code to pin)
 */
import { writeFileSync } from 'node:fs';
import { modelConfigSchema, NUM_ACTIONS, Rng } from '@a2d/core';
import { initEngine, tf } from '@a2d/engine';
import { TwoStepModel } from '../src/index';

/** The pinned model: frame differences and a 2x2 token grid on (the default motion options), tiny backbone. */
export const FIXTURE_CONFIG = modelConfigSchema.parse({ backbone: 'tiny', hiddenDim: 16, numHeads: 2, numLayers: 1, actionEmbeddingDim: 8, maxRelativeDistance: 2 });
export const FIXTURE_INPUT = { batch: 2, numFrames: 3, inputSize: 32 };

/** What the fixture holds. */
export interface ModelFunctionFixture {
  actionLogits: number[];
  actorLogits: number[];
  /** Per weight (network order): name, sum, sum of squares, first values of the loss gradient. */
  gradients: { name: string; sum: number; sumOfSquares: number; head: number[] }[];
  modelTopology: unknown;
}

/** The model with its seeded weights moved off their initial values (so norm gammas are not all 1). */
export function fixtureModel(): TwoStepModel {
  const { inputSize, numFrames } = FIXTURE_INPUT;
  const model = TwoStepModel.create({ config: FIXTURE_CONFIG, inputSize, numFrames, rng: new Rng(7).fork('model') });
  const network = model.network.full;
  network.setWeights(network.getWeights().map((w, i) => tf.tidy(() => tf.add(w, tf.mul(0.05, tf.sin(tf.add(tf.range(0, w.size), i)).reshape(w.shape))))));
  return model;
}

/** Outputs and gradients of `model` on the fixture's clips. */
export function computeFixture(model: TwoStepModel): Omit<ModelFunctionFixture, 'modelTopology'> {
  const { batch, numFrames, inputSize } = FIXTURE_INPUT;
  const rng = new Rng('fixture-clips');
  return tf.tidy(() => {
    const clips = tf.tensor5d(Float32Array.from({ length: batch * numFrames * inputSize * inputSize * 3 }, () => rng.normal()), [batch, numFrames, inputSize, inputSize, 3]);
    const condition = tf.oneHot(tf.tensor1d([1, 4], 'int32'), NUM_ACTIONS).toFloat() as tf.Tensor2D;
    const { actionLogits, actorLogits } = model.forward(clips, condition, false);
    const variables = model.network.full.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      const out = model.forward(clips, condition, true);
      return tf.add(tf.sum(tf.square(out.actionLogits)), tf.sum(tf.square(out.actorLogits))) as tf.Scalar;
    }, variables);
    return {
      actionLogits: Array.from(actionLogits.dataSync()),
      actorLogits: Array.from(actorLogits.dataSync()),
      gradients: model.network.full.trainableWeights.map((w) => {
        const g = Array.from(grads[(w.read() as tf.Variable).name].dataSync());
        return { name: w.originalName, sum: g.reduce((a, b) => a + b, 0), sumOfSquares: g.reduce((a, b) => a + b * b, 0), head: g.slice(0, 4) };
      }),
    };
  });
}

if (require.main === module) {
  void (async () => {
    await initEngine({ backend: 'cpu', log: () => undefined });
    const model = fixtureModel();
    const values = computeFixture(model);
    let topology: unknown;
    await model.network.full.save(tf.io.withSaveHandler(async (artifacts) => {
      topology = artifacts.modelTopology;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    writeFileSync(process.argv[2], `${JSON.stringify({ ...values, modelTopology: topology })}\n`);
  })();
}
