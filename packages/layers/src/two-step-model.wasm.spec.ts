import { initEngine, tf } from '@a2d/engine';
import { modelConfigSchema, NUM_ACTIONS, Rng } from '@a2d/core';
import { TwoStepModel } from './two-step-model';

/** Gradients of a squared-logit loss in training mode, by variable, on the current backend. */
function gradientsOf(model: TwoStepModel, clips: tf.Tensor5D, actions: number[]): Float32Array[] {
  const variables = model.trainableVariables;
  return tf.tidy(() => {
    const conditionAction = tf.oneHot(tf.tensor1d(actions, 'int32'), NUM_ACTIONS).toFloat() as tf.Tensor2D;
    const { grads } = tf.variableGrads(() => {
      const { actionLogits, actorLogits } = model.forward(clips, conditionAction, true);
      return tf.add(tf.sum(tf.square(actionLogits)), tf.sum(tf.square(actorLogits)));
    }, variables);
    return variables.map((variable) => grads[variable.name].dataSync() as Float32Array);
  });
}

describe('TwoStepModel on wasm', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('trains with the same gradients as on cpu (embedding, attention and backbone included)', async () => {
    // no dropout, so both backends compute the same function
    const config = modelConfigSchema.parse({
      hiddenDim: 16,
      numHeads: 2,
      actionEmbeddingDim: 8,
      maxRelativeDistance: 2,
      sharedBackbone: false,
      dropout: 0,
      attentionDropout: 0,
      dropPathRate: 0,
    });
    const rng = new Rng('wasm');
    const values = Float32Array.from({ length: 2 * 2 * 32 * 32 * 3 }, () => rng.normal());
    const gradients: Float32Array[][] = [];
    let weights: tf.Tensor[] | undefined;
    for (const backend of ['wasm', 'cpu'] as const) {
      await initEngine({ backend, log: () => {} });
      const model = TwoStepModel.create({ config, inputSize: 32, numFrames: 2, rng: new Rng(1) });
      // the same weights on both backends (copied as plain arrays, backend-independent)
      if (weights) model.network.full.setWeights(weights);
      else weights = model.network.full.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape));
      const clips = tf.tensor5d(values, [2, 2, 32, 32, 3]);
      gradients.push(gradientsOf(model, clips, [1, 6]));
      clips.dispose();
      model.dispose();
    }
    const [wasm, cpu] = gradients;
    wasm.forEach((gradient, i) => {
      let difference = 0;
      let norm = 0;
      gradient.forEach((g, j) => {
        difference += (g - cpu[i][j]) ** 2;
        norm += cpu[i][j] ** 2;
      });
      expect(norm).toBeGreaterThan(0);
      expect(Math.sqrt(difference / norm)).toBeLessThan(1e-4);
    });
    tf.dispose(weights);
  });
});
