import { tf } from '@a2d/engine';
import { modelConfigSchema, Rng } from '@a2d/core';
import { NUM_PAIRS, OneStepModel } from './one-step-model';

const [batch, frames, size] = [2, 3, 32];

describe('OneStepModel', () => {
  let model: OneStepModel;
  let clips: tf.Tensor5D;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const config = modelConfigSchema.parse({ kind: 'one-step', backbone: 'tiny', hiddenDim: 16, numHeads: 2, numLayers: 1, mlpRatio: 2, maxRelativeDistance: 2 });
    model = OneStepModel.create({ config, inputSize: size, numFrames: frames, rng: new Rng('one-step') });
    const rng = new Rng('one-step-clips');
    clips = tf.tensor5d(Float32Array.from({ length: batch * frames * size * size * 3 }, () => rng.normal()), [batch, frames, size, size, 3]);
  });

  afterAll(() => {
    clips.dispose();
    model.dispose();
  });

  it('leaves no tensor behind in any public call, once the caller disposes what it returns', async () => {
    const expectNoLeak = (use: () => object) => {
      const before = tf.memory().numTensors;
      tf.dispose(use() as tf.TensorContainer);
      expect(tf.memory().numTensors).toBe(before);
    };
    expectNoLeak(() => model.logits(clips));
    expectNoLeak(() => model.logits(clips, true));
    expectNoLeak(() => model.predict(clips));
    expectNoLeak(() => OneStepModel.decode([new Array<number>(NUM_PAIRS).fill(1 / NUM_PAIRS)]));
    let saved: tf.io.ModelArtifacts | undefined;
    let before = tf.memory().numTensors;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(tf.memory().numTensors).toBe(before);
    if (!saved) throw new Error('nothing was saved');
    before = tf.memory().numTensors;
    const loaded = await OneStepModel.load(tf.io.fromMemory(saved));
    expect(loaded.metadata).toEqual(model.metadata);
    expect(loaded.predict(clips)).toEqual(model.predict(clips));
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
