import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@a2d/engine';
import { ConfigError, modelConfigSchema, NUM_ACTIONS, NUM_ACTORS, Rng, validityMask, type ModelConfig } from '@a2d/core';
import { TwoStepModel } from './two-step-model';
import { TwoStepModelError } from './two-step-model-error';
import { inMemory } from './testing/in-memory-artifacts';

const [batch, frames, size] = [2, 3, 32];

function smallConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return modelConfigSchema.parse({
    backbone: 'tiny',
    hiddenDim: 16,
    numHeads: 2,
    numLayers: 2,
    mlpRatio: 2,
    actionEmbeddingDim: 8,
    maxRelativeDistance: 2,
    // The regularisers' defaults are 0 (tuned for the default run); these tests exercise the layers they add.
    dropout: 0.1,
    attentionDropout: 0.1,
    dropPathRate: 0.1,
    conditioning: { mode: 'scheduled' },
    ...overrides,
  });
}

function clipBatch(seed: string, shape = { frames, size }): tf.Tensor5D {
  const rng = new Rng(seed);
  const values = Float32Array.from({ length: batch * shape.frames * shape.size * shape.size * 3 }, () => rng.normal());
  return tf.tensor5d(values, [batch, shape.frames, shape.size, shape.size, 3]);
}

function oneHot(actions: number[]): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(actions, 'int32'), NUM_ACTIONS).toFloat() as tf.Tensor2D);
}

function softmaxRows(logits: tf.Tensor): number[][] {
  return tf.tidy(() => tf.softmax(logits).arraySync() as number[][]);
}

/** Cross-entropy of both heads, with step 2 conditioned the way training conditions it. */
function trainingLoss(model: TwoStepModel, clips: tf.Tensor5D, actions: number[], actors: number[], rng: Rng): tf.Scalar {
  const encoded = model.encode(clips, true);
  const conditioning = model.conditioningForTraining(encoded.actionLogits, actions, 0.5, rng);
  const actorLogits = model.actorLogits(encoded, conditioning.conditionAction, true);
  const actionLoss = tf.losses.softmaxCrossEntropy(oneHot(actions), encoded.actionLogits);
  const actorLoss = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(actors, 'int32'), NUM_ACTORS), actorLogits);
  return tf.add(actionLoss, actorLoss);
}

describe('TwoStepModel', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives every trainable weight a non-zero gradient and leaks no tensor in a training step', () => {
    // 16x16 frames and 2 per clip: the cpu backend's filter gradient is slow, and these sizes exercise every weight.
    const small = { frames: 2, size: 16 };
    const tensorsBefore = tf.memory().numTensors;
    const model = TwoStepModel.create({
      config: smallConfig({ sharedBackbone: false, dropPathRate: 0, motion: { frameDifferences: true, tokenGrid: 1, stream: false } }),
      inputSize: small.size,
      numFrames: small.frames,
      rng: new Rng('gradients'),
    });
    const clips = clipBatch('gradient-clips', small);
    const rng = new Rng('conditioning');
    const variables = model.trainableVariables;
    const { value, grads } = tf.variableGrads(() => trainingLoss(model, clips, [2, 6], [0, 3], rng), variables);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const silent = variables
      .filter((variable) => {
        const grad = grads[variable.name];
        return !grad || tf.tidy(() => tf.max(tf.abs(grad)).dataSync()[0]) === 0;
      })
      .map((variable) => variable.name);
    expect(silent).toEqual([]);
    // Attention weights, element by element: none is dead (a key bias the softmax cancels, an unreachable table column).
    const deadAttention = variables
      .filter((variable) => /attention\//.test(variable.name))
      .filter((variable) => tf.tidy(() => tf.min(tf.abs(grads[variable.name])).dataSync()[0]) < 1e-6)
      .map((variable) => variable.name);
    expect(deadAttention).toEqual([]);
    expect(variables.some((v) => v.name.startsWith('action_backbone/')) && variables.some((v) => v.name.startsWith('actor_backbone/'))).toBe(true);
    tf.dispose([value, ...Object.values(grads)]);

    // SGD keeps no slots, so any tensor left behind is a leak of the forward or backward pass.
    const optimizer = tf.train.sgd(1e-3);
    const before = tf.memory().numTensors;
    tf.dispose(optimizer.minimize(() => trainingLoss(model, clips, [2, 6], [0, 3], rng), true, variables) ?? []);
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    clips.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  describe('one shared-backbone model', () => {
    let model: TwoStepModel;
    let clips: tf.Tensor5D;

    beforeAll(() => {
      model = TwoStepModel.create({ config: smallConfig(), inputSize: size, rng: new Rng('shared') });
      clips = clipBatch('shared-clips');
    });

    afterAll(() => {
      clips.dispose();
      model.dispose();
    });

    it('conditions step 2 on the action: a different action changes the actor logits', () => {
      const [first, second] = tf.tidy(() => [
        model.forward(clips, oneHot([0, 0])).actorLogits.arraySync(),
        model.forward(clips, oneHot([4, 7])).actorLogits.arraySync(),
      ]);
      for (let clip = 0; clip < batch; clip++) {
        const gap = Math.max(...first[clip].map((v, actor) => Math.abs(v - second[clip][actor])));
        expect(gap).toBeGreaterThan(1e-4);
      }
    });

    it('predicts sequentially: step 1 argmax, then step 2 conditioned on it', () => {
      const predictions = model.predict(clips);
      const actionProbabilities = tf.tidy(() => softmaxRows(model.forward(clips, oneHot([0, 0])).actionLogits));
      const chosen = actionProbabilities.map((row) => row.indexOf(Math.max(...row)));
      const actorProbabilities = tf.tidy(() => softmaxRows(model.forward(clips, oneHot(chosen)).actorLogits));
      predictions.forEach((prediction, clip) => {
        expect(prediction.action).toBe(chosen[clip]);
        prediction.actionProbabilities.forEach((p, a) => expect(p).toBeCloseTo(actionProbabilities[clip][a], 5));
        prediction.actorProbabilities.forEach((p, a) => expect(p).toBeCloseTo(actorProbabilities[clip][a], 5));
        const best = actorProbabilities[clip].indexOf(Math.max(...actorProbabilities[clip]));
        expect(prediction.actor).toBe(best);
      });
    });

    it('decodes constrained pairs that are valid and match a brute-force search over the top-k actions', () => {
      const mask = validityMask();
      const actionProbabilities = tf.tidy(() => softmaxRows(model.forward(clips, oneHot([0, 0])).actionLogits));
      // p(actor | action) for every clip and action, through the full network
      const actorProbabilities = Array.from({ length: NUM_ACTIONS }, (_, action) =>
        tf.tidy(() => softmaxRows(model.forward(clips, oneHot([action, action])).actorLogits)),
      );
      for (const topK of [1, 3, NUM_ACTIONS]) {
        model.predictConstrained(clips, topK).forEach((prediction, clip) => {
          const row = actionProbabilities[clip];
          const top = row.map((_, a) => a).sort((a, b) => row[b] - row[a]).slice(0, topK);
          let best = { action: -1, actor: -1, score: -1 };
          for (const action of top) {
            actorProbabilities[action][clip].forEach((p, actor) => {
              if (mask[action][actor] === 1 && row[action] * p > best.score) best = { action, actor, score: row[action] * p };
            });
          }
          expect(mask[prediction.action][prediction.actor]).toBe(1);
          expect([prediction.action, prediction.actor]).toEqual([best.action, best.actor]);
          expect(prediction.score).toBeCloseTo(best.score, 6);
          expect(prediction.candidates.map((c) => c.action)).toEqual(top);
        });
      }
      // plain decoding rides along: the same as `predict`
      expect(model.predictConstrained(clips).map((p) => p.sequential)).toEqual(model.predict(clips));
    });

    it('schedules the conditioning: ground truth at the start of training, step 1 argmax at the end', () => {
      expect(model.config.conditioning).toMatchObject({ mode: 'scheduled', finalPredictionProb: 1 });
      const logits = tf.tensor2d([
        [0, 0, 5, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 9],
      ]);
      for (const [progress, expected] of [
        [0, [1, 4]],
        [1, [2, 7]],
      ] as const) {
        const conditioning = model.conditioningForTraining(logits, [1, 4], progress, new Rng(progress));
        expect(conditioning.actions).toEqual(expected);
        expect(conditioning.fedPrediction).toEqual([progress === 1, progress === 1]);
        expect(conditioning.conditionAction.arraySync()).toEqual(
          expected.map((action) => Array.from({ length: NUM_ACTIONS }, (_, a) => (a === action ? 1 : 0))),
        );
        conditioning.conditionAction.dispose();
      }
      expect(() => model.conditioningForTraining(logits, [1], 0, new Rng(0))).toThrow(/actionLogits: expected \[1, 8\]/);
      logits.dispose();
    });

    it('leaves no tensor behind in any public call, once the caller disposes what it returns', async () => {
      const condition = oneHot([3, 5]);
      const expectNoLeak = (use: () => object) => {
        const before = tf.memory().numTensors;
        tf.dispose(use() as tf.TensorContainer);
        expect(tf.memory().numTensors).toBe(before);
      };
      expectNoLeak(() => model.forward(clips, condition));
      expectNoLeak(() => model.forward(clips, condition, true));
      expectNoLeak(() => model.encode(clips));
      const encoded = model.encode(clips, true);
      expectNoLeak(() => model.actorLogits(encoded, condition, true));
      // every conditioning path, the step-1 prediction fed (progress 1) or not (progress 0)
      for (const mode of ['ground-truth', 'predicted', 'scheduled'] as const) {
        const conditioned = TwoStepModel.create({ config: smallConfig({ conditioning: { ...model.config.conditioning, mode } }), inputSize: size, rng: new Rng(mode) });
        for (const progress of [0, 1]) {
          expectNoLeak(() => conditioned.conditioningForTraining(encoded.actionLogits, [1, 4], progress, new Rng(progress)));
        }
        conditioned.dispose();
      }
      tf.dispose([encoded.actionLogits, encoded.actionTokens, encoded.actorTokens]);
      expectNoLeak(() => model.predict(clips));
      expectNoLeak(() => model.predictConstrained(clips));
      expectNoLeak(() => model.predictConstrained(clips, NUM_ACTIONS));
      let before = tf.memory().numTensors;
      expect(model.countParams()).toBeGreaterThan(0);
      expect(model.trainableVariables.length).toBeGreaterThan(0); // the model's own variables: not to dispose
      expect(tf.memory().numTensors).toBe(before);
      const saved = await inMemory((handler) => model.save(handler));
      expect(tf.memory().numTensors).toBe(before);
      before = tf.memory().numTensors;
      const loaded = await TwoStepModel.load(tf.io.fromMemory(saved));
      loaded.dispose();
      expect(tf.memory().numTensors).toBe(before);
      condition.dispose();
    });

    it('reports the action step 2 was conditioned on where float32 probabilities tie but the logits do not', () => {
      const tied = TwoStepModel.create({ config: smallConfig(), inputSize: size, rng: new Rng('near-tie') });
      // step 1's logits = the head's bias for every clip: actions 2 and 5 one float32 step apart
      const low = Math.fround(0.1);
      const high = new Float32Array(new Int32Array([new Int32Array(new Float32Array([low]).buffer)[0] + 1]).buffer)[0];
      const head = tied.network.full.getLayer('action_logits');
      head.setWeights([tf.zerosLike(head.getWeights()[0]), tf.tensor1d([0, 0, low, 0, 0, high, 0, 0])]);
      const logits = tf.tidy(() => tied.forward(clips, oneHot([0, 0])).actionLogits.arraySync());
      const probabilities = tf.tidy(() => softmaxRows(tied.forward(clips, oneHot([0, 0])).actionLogits));
      expect(logits[0][5]).toBeGreaterThan(logits[0][2]);
      expect(probabilities[0][5]).toBe(probabilities[0][2]);

      const actorsUnder = (action: number) => tf.tidy(() => softmaxRows(tied.forward(clips, oneHot([action, action])).actorLogits));
      const [under2, under5] = [actorsUnder(2), actorsUnder(5)];
      expect(Math.max(...under2[0].map((p, actor) => Math.abs(p - under5[0][actor])))).toBeGreaterThan(1e-4);
      const predictions = tied.predict(clips);
      predictions.forEach((prediction, clip) => {
        expect(prediction.action).toBe(5);
        prediction.actorProbabilities.forEach((p, actor) => expect(p).toBeCloseTo(under5[clip][actor], 6));
      });
      // constrained decoding ranks by the same logits: its top candidate is predict's action
      const constrained = tied.predictConstrained(clips, 2);
      expect(constrained.map((c) => c.candidates.map((candidate) => candidate.action))).toEqual([
        [5, 2],
        [5, 2],
      ]);
      expect(constrained.map((c) => c.sequential)).toEqual(predictions);
      tied.dispose();
    });

    it('saves to a folder and reloads to exactly the same outputs, config included', async () => {
      const saved = await inMemory((handler) => model.save(handler));
      const topology = JSON.stringify(saved.modelTopology);
      for (const className of ['FoldTime', 'UnfoldTime', 'SeededDropout', 'DropPath', 'RelativePositionSelfAttention', 'ActionEmbedding', 'ActionContextCrossAttention']) {
        expect(topology).toContain(`"class_name":"${className}"`);
      }
      const folder = mkdtempSync(path.join(os.tmpdir(), 'a2d-two-step-'));
      await model.save(folder);
      expect(readdirSync(folder).sort()).toEqual(['model.json', 'weights.bin']);
      const loaded = await TwoStepModel.load(folder);
      expect(loaded.metadata).toEqual(model.metadata);
      const condition = oneHot([3, 5]);
      const [original, reloaded] = [model, loaded].map((m) =>
        tf.tidy(() => {
          const { actionLogits, actorLogits } = m.forward(clips, condition);
          return [actionLogits.arraySync(), actorLogits.arraySync()];
        }),
      );
      expect(reloaded).toEqual(original);
      expect(loaded.predictConstrained(clips)).toEqual(model.predictConstrained(clips));
      condition.dispose();
      loaded.dispose();
      rmSync(folder, { recursive: true, force: true });

      const plain = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
      const plainArtifacts = await inMemory((handler) => plain.save(handler));
      await expect(TwoStepModel.load(tf.io.fromMemory(plainArtifacts))).rejects.toThrow(/userDefinedMetadata: not a two-step model checkpoint/);
      plain.dispose();
    });

    it('accepts any clip length when built without a frame count', () => {
      const longer = clipBatch('longer-clips', { frames: 5, size });
      const [short, long] = [clips, longer].map((c) => model.predict(c));
      expect(long).toHaveLength(batch);
      expect(long.map((p) => p.actionProbabilities)).not.toEqual(short.map((p) => p.actionProbabilities));
      longer.dispose();
    });

    it('rejects wrong input shapes and invalid configs with typed errors', () => {
      const wrong = tf.zeros([batch, frames, size + 1, size, 3]) as tf.Tensor5D;
      expect(() => model.forward(wrong, oneHot([0, 1]))).toThrow(/frames: expected \[B, T, 32, 32, 3\], got \[2, 3, 33, 32, 3\]/);
      expect(() => model.forward(clips, tf.zeros([batch, 7]) as tf.Tensor2D)).toThrow(TwoStepModelError);
      expect(() => model.predictConstrained(clips, 0)).toThrow(/topK/);
      wrong.dispose();
      expect(() => TwoStepModel.create({ config: { ...smallConfig(), numHeads: 3 }, inputSize: size, rng: new Rng(1) })).toThrow(ConfigError);
    });
  });
});
