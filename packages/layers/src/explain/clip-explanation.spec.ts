import { initEngine, tf } from '@a2d/engine';
import { modelConfigSchema, NUM_ACTIONS, NUM_ACTORS, Rng, type ModelConfig } from '@a2d/core';
import { TwoStepModel } from '../two-step-model';
import { OneStepModel, PAIR_CLASSES, pairIndexOf } from '../one-step-model';
import { explainClip, explainOneStepClip, explainTwoStepClip, explainTwoStepPart, type ClassExplanation } from './clip-explanation';
import { ExplanationError } from './explanation-error';

// 64 px: the tiny backbone's four stride-2 stages leave a 4x4 map whose corner cells are the squares' boxes, and
// the default 2x2 token grid pools disjoint quadrants (at 48 px its bins overlap and the pointing game was flaky).
const [time, size, square] = [3, 64, 16];
/** Adam steps of the sanity-check training (fewer left the separate action backbone pointing at 2 of 4 corners). */
const STEPS = 60;

const corners: readonly [number, number][] = [
  [0, 0],
  [0, size - square],
  [size - square, 0],
  [size - square, size - square],
];

function smallConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return modelConfigSchema.parse({
    backbone: 'tiny',
    hiddenDim: 16,
    numHeads: 2,
    numLayers: 1,
    mlpRatio: 2,
    actionEmbeddingDim: 8,
    maxRelativeDistance: 2,
    dropout: 0,
    attentionDropout: 0,
    dropPathRate: 0,
    ...overrides,
  });
}

/**
 * Clips [B, T, S, S, 3] of faint noise with a bright square at corner `corners[c]` in every frame, red where
 * `colourOfClip` is 0 (the default), green where it is 1.
 */
function squareClips(cornerOfClip: readonly number[], rng: Rng, colourOfClip: readonly number[] = []): tf.Tensor5D {
  const values = new Float32Array(cornerOfClip.length * time * size * size * 3);
  cornerOfClip.forEach((corner, clip) => {
    const [top, left] = corners[corner];
    for (let t = 0; t < time; t++) {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const inside = y >= top && y < top + square && x >= left && x < left + square;
          for (let c = 0; c < 3; c++) values[(((clip * time + t) * size + y) * size + x) * 3 + c] = (inside ? (c === (colourOfClip[clip] ?? 0) ? 2.5 : -0.5) : 0) + rng.normal(0, 0.3);
        }
      }
    }
  });
  return tf.tensor5d(values, [cornerOfClip.length, time, size, size, 3]);
}

/** A few Adam steps on square clips of every corner and colour; `lossOf` gets the clips, their corners and colours. */
function trainOnSquares(lossOf: (clips: tf.Tensor5D, corners: number[], colours: number[]) => tf.Scalar, variables: tf.Variable[], steps: number): void {
  const optimizer = tf.train.adam(0.01);
  const rng = new Rng('squares');
  const batch = [0, 1, 2, 3, 0, 1, 2, 3];
  const colours = [0, 0, 0, 0, 1, 1, 1, 1];
  for (let step = 0; step < steps; step++) {
    const clips = squareClips(batch, rng, colours);
    tf.tidy(() => {
      optimizer.minimize(() => lossOf(clips, batch, colours), false, variables);
    });
    clips.dispose();
  }
  optimizer.dispose();
}

function crossEntropy(logits: tf.Tensor2D, classes: number[], count: number): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(classes, 'int32'), count), logits) as tf.Scalar;
}

function oneHotActions(actions: number[]): tf.Tensor2D {
  return tf.oneHot(tf.tensor1d(actions, 'int32'), NUM_ACTIONS).toFloat() as tf.Tensor2D;
}

/**
 * Pixels the map maximum may lie outside the square and still count as a hit: half a cell of the 4x4 feature map.
 * The pointing game allows such a margin for the map's coarse resolution (Zhang et al. 2016: 15 px); here the peak
 * of a bottom or right square sits on the neighbouring cell, whose receptive field covers the square too.
 */
const POINTING_TOLERANCE = 8;

/** Share of frames whose map maximum lies inside the square, give or take `POINTING_TOLERANCE` (the pointing game). */
function pointingHits(explanation: ClassExplanation, corner: number): number {
  const [frames, height, width] = explanation.mapShape;
  const [top, left] = corners[corner];
  const near = (value: number, start: number) => value >= start - POINTING_TOLERANCE && value < start + square + POINTING_TOLERANCE;
  let hits = 0;
  for (let t = 0; t < frames; t++) {
    let best = t * height * width;
    for (let i = best; i < (t + 1) * height * width; i++) if (explanation.maps[i] > explanation.maps[best]) best = i;
    if (near(Math.floor((best % (height * width)) / width), top) && near(best % width, left)) hits++;
  }
  return hits / frames;
}

function ranks(values: Float32Array): Float64Array {
  const order = Array.from(values.keys()).sort((a, b) => values[a] - values[b]);
  const result = new Float64Array(values.length);
  // Average ranks for ties (ReLU leaves many zeros).
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    for (let k = i; k <= j; k++) result[order[k]] = (i + j) / 2;
    i = j + 1;
  }
  return result;
}

/** Spearman rank correlation (0 when either side is constant). */
function rankCorrelation(a: Float32Array, b: Float32Array): number {
  const [ra, rb] = [ranks(a), ranks(b)];
  const mean = (r: Float64Array) => r.reduce((s, v) => s + v, 0) / r.length;
  const [ma, mb] = [mean(ra), mean(rb)];
  let [cov, va, vb] = [0, 0, 0];
  ra.forEach((r, i) => {
    cov += (r - ma) * (rb[i] - mb);
    va += (r - ma) ** 2;
    vb += (rb[i] - mb) ** 2;
  });
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

function expectWellFormed(explanation: ClassExplanation, classCount: number): void {
  expect(explanation.mapShape).toEqual([time, size, size]);
  expect(explanation.maps).toBeInstanceOf(Float32Array);
  expect(explanation.maps).toHaveLength(time * size * size);
  expect(Math.min(...explanation.maps)).toBeGreaterThanOrEqual(0);
  expect(Math.max(...explanation.maps)).toBeLessThanOrEqual(1);
  expect(Math.max(...explanation.maps)).toBeCloseTo(1, 5);
  expect(explanation.classIndex).toBeGreaterThanOrEqual(0);
  expect(explanation.classIndex).toBeLessThan(classCount);
  expect(explanation.probability).toBeGreaterThan(0);
  expect(explanation.probability).toBeLessThan(1);
  expect(explanation.frameImportance).toHaveLength(time);
  explanation.frameImportance.forEach((value) => expect(value).toBeGreaterThanOrEqual(0));
  expect(explanation.frameImportance.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
}

function differs(a: Float32Array, b: Float32Array): number {
  let largest = 0;
  a.forEach((value, i) => (largest = Math.max(largest, Math.abs(value - b[i]))));
  return largest;
}

describe('explainClip', () => {
  beforeAll(async () => {
    await initEngine({ backend: 'wasm', log: () => {} });
  });

  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([true, false])('explains both steps (shared backbone: %s) with the predicted classes, leaking no tensor', (sharedBackbone) => {
    const model = TwoStepModel.create({ config: smallConfig({ sharedBackbone }), inputSize: size, numFrames: time, rng: new Rng(3) });
    const clips = squareClips([1], new Rng('clip'));
    const clip = tf.squeeze(clips, [0]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const explanation = explainTwoStepClip(model, clip);
    expect(tf.memory().numTensors).toBe(before);
    expectWellFormed(explanation.action, NUM_ACTIONS);
    expectWellFormed(explanation.actor, NUM_ACTORS);
    const [predicted] = model.predict(clips);
    expect(explanation.action.classIndex).toBe(predicted.action);
    expect(explanation.actor.classIndex).toBe(predicted.actor);
    expect(explanation.action.probability).toBeCloseTo(predicted.actionProbabilities[predicted.action], 5);
    expect(explanation.actor.probability).toBeCloseTo(predicted.actorProbabilities[predicted.actor], 5);

    // The map depends on the explained action, and step 2's on the action it is conditioned on.
    const first = explainClip(model, clip, { action: 0, actor: 2 });
    const second = explainClip(model, clip, { action: 5, actor: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(first.action.classIndex).toBe(0);
    expect(second.action.classIndex).toBe(5);
    expect(differs(first.action.maps, second.action.maps)).toBeGreaterThan(0.05);
    expect(differs(first.actor.maps, second.actor.maps)).toBeGreaterThan(1e-4);
    tf.dispose([clips, clip]);
    model.dispose();
  });

  it('explains one step alone exactly as the full call does, without the other (step 2 defaulting to step 1\'s argmax)', () => {
    const model = TwoStepModel.create({ config: smallConfig(), inputSize: size, numFrames: time, rng: new Rng(3) });
    const clips = squareClips([2], new Rng('clip'));
    const clip = tf.squeeze(clips, [0]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const full = explainTwoStepClip(model, clip);
    const fullOther = explainTwoStepClip(model, clip, { action: 4, actor: 1 });
    const parts = [
      [explainTwoStepPart(model, clip, 'action'), full.action],
      [explainTwoStepPart(model, clip, 'actor'), full.actor],
      [explainTwoStepPart(model, clip, 'action', { action: 4 }), fullOther.action],
      [explainTwoStepPart(model, clip, 'actor', { action: 4, actor: 1 }), fullOther.actor],
    ] as const;
    expect(tf.memory().numTensors).toBe(before);
    for (const [part, whole] of parts) {
      expect([part.classIndex, part.probability, part.frameImportance]).toEqual([whole.classIndex, whole.probability, whole.frameImportance]);
      expect(differs(part.maps, whole.maps)).toBe(0);
    }
    tf.dispose([clips, clip]);
    model.dispose();
  });

  it('gives a blank frame no importance (gradient x input is zero where the input is)', () => {
    const model = TwoStepModel.create({ config: smallConfig(), inputSize: size, numFrames: time, rng: new Rng(3) });
    const clip = tf.tidy(() => {
      const frames = tf.squeeze(squareClips([3], new Rng('clip')), [0]);
      const mask = tf.tensor4d([1, 1, 0], [time, 1, 1, 1]);
      return tf.mul(frames, mask) as tf.Tensor4D;
    });
    const { action, actor } = explainTwoStepClip(model, clip);
    for (const step of [action, actor]) {
      expect(step.frameImportance[2]).toBe(0);
      expect(step.frameImportance.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    }
    clip.dispose();
    model.dispose();
  });

  it('explains the one-step model for the predicted pair or a requested one', () => {
    const model = OneStepModel.create({ config: smallConfig(), inputSize: size, numFrames: time, rng: new Rng(4) });
    const clips = squareClips([2], new Rng('clip'));
    const clip = tf.squeeze(clips, [0]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const explanation = explainClip(model, clip);
    const requested = explainOneStepClip(model, clip, { pair: (explanation.pair.classIndex + 7) % PAIR_CLASSES.length });
    expect(tf.memory().numTensors).toBe(before);
    expectWellFormed(explanation.pair, PAIR_CLASSES.length);
    expect(explanation.pair.classIndex).toBe(model.predict(clips)[0].pair);
    expect(differs(explanation.pair.maps, requested.pair.maps)).toBeGreaterThan(0.05);
    tf.dispose([clips, clip]);
    model.dispose();
  });

  it('HiResCAM equals Grad-CAM under one global pool, and differs where the head pools a token grid', () => {
    const clips = squareClips([1], new Rng('clip'));
    const clip = tf.squeeze(clips, [0]) as tf.Tensor4D;
    const global = TwoStepModel.create({ config: smallConfig({ motion: { frameDifferences: false, tokenGrid: 1, stream: false } }), inputSize: size, numFrames: time, rng: new Rng(3) });
    const gridded = TwoStepModel.create({ config: smallConfig({ motion: { frameDifferences: false, tokenGrid: 2, stream: false } }), inputSize: size, numFrames: time, rng: new Rng(3) });
    const before = tf.memory().numTensors;
    // Under a global average pool the logit's gradient is the same at every location, so the two forms agree
    // after the per-clip normalisation.
    const [gradCam, hiResCam] = (['grad-cam', 'hires-cam'] as const).map((method) => explainTwoStepClip(global, clip, { method }));
    expect(differs(gradCam.action.maps, hiResCam.action.maps)).toBeLessThan(1e-4);
    expect(differs(gradCam.actor.maps, hiResCam.actor.maps)).toBeLessThan(1e-4);
    const [gridGradCam, gridHiResCam] = (['grad-cam', 'hires-cam'] as const).map((method) => explainTwoStepClip(gridded, clip, { method }));
    expect(differs(gridGradCam.action.maps, gridHiResCam.action.maps)).toBeGreaterThan(0.01);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([clips, clip]);
    global.dispose();
    gridded.dispose();
  });

  it('rejects a clip of the wrong shape and a class out of range, with a typed error', () => {
    const model = TwoStepModel.create({ config: smallConfig(), inputSize: size, numFrames: time, rng: new Rng(5) });
    const wrong = tf.zeros([time, 32, 32, 3]) as tf.Tensor4D;
    const clip = tf.zeros([time, size, size, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    expect(() => explainTwoStepClip(model, wrong)).toThrow(ExplanationError);
    expect(() => explainTwoStepClip(model, clip, { action: NUM_ACTIONS })).toThrow(/action: expected a class index in 0\.\.7/);
    expect(() => explainTwoStepClip(model, clip, { actor: -1 })).toThrow(ExplanationError);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([wrong, clip]);
    model.dispose();
  });

  describe('after training on a bright square whose corner is the class (Adebayo et al. 2018 randomisation check)', () => {
    const testCorners = [0, 1, 2, 3];

    /** Mean pointing-game hit rate over clips of every corner, and the maps per clip. */
    function pointing(explain: (clip: tf.Tensor4D, corner: number) => ClassExplanation): { hits: number; maps: Float32Array[] } {
      const clips = squareClips(testCorners, new Rng('test clips'));
      const maps: Float32Array[] = [];
      let hits = 0;
      testCorners.forEach((corner, i) => {
        const clip = tf.tidy(() => tf.squeeze(tf.slice(clips, [i, 0, 0, 0, 0], [1, time, size, size, 3]), [0])) as tf.Tensor4D;
        const explanation = explain(clip, corner);
        clip.dispose();
        hits += pointingHits(explanation, corner) / testCorners.length;
        maps.push(explanation.maps);
      });
      clips.dispose();
      return { hits, maps };
    }

    /** The maps' rank correlation with a randomly initialised model's, averaged over the test clips. */
    function expectRandomisedDiffers(trained: Float32Array[], random: Float32Array[]): void {
      const correlations = trained.map((map, i) => rankCorrelation(map, random[i]));
      expect(correlations.reduce((sum, value) => sum + value, 0) / correlations.length).toBeLessThan(0.5);
    }

    it.each([true, false])('two-step, shared backbone %s: both steps point at the square; a random model does not agree', (sharedBackbone) => {
      const config = smallConfig({ sharedBackbone });
      const model = TwoStepModel.create({ config, inputSize: size, numFrames: time, rng: new Rng(6) });
      const random = TwoStepModel.create({ config, inputSize: size, numFrames: time, rng: new Rng(7) });
      trainOnSquares(
        // The corner is the action and the colour the actor, so step 2 cannot read its answer off the conditioning.
        (clips, actions, actors) => {
          const { actionLogits, actorLogits } = model.forward(clips, oneHotActions(actions), false);
          return tf.add(crossEntropy(actionLogits, actions, NUM_ACTIONS), crossEntropy(actorLogits, actors, NUM_ACTORS));
        },
        model.trainableVariables,
        STEPS,
      );
      const before = tf.memory().numTensors;
      const action = pointing((clip, corner) => explainTwoStepClip(model, clip, { action: corner }).action);
      const actor = pointing((clip, corner) => explainTwoStepClip(model, clip, { action: corner, actor: 0 }).actor);
      const randomAction = pointing((clip, corner) => explainTwoStepClip(random, clip, { action: corner }).action);
      const randomActor = pointing((clip, corner) => explainTwoStepClip(random, clip, { action: corner, actor: 0 }).actor);
      expect(tf.memory().numTensors).toBe(before);
      expect(action.hits).toBeGreaterThanOrEqual(0.75);
      expect(actor.hits).toBeGreaterThanOrEqual(0.75);
      expectRandomisedDiffers(action.maps, randomAction.maps);
      expectRandomisedDiffers(actor.maps, randomActor.maps);
      model.dispose();
      random.dispose();
    });

    it('one-step: the pair map points at the square; a random model does not agree', () => {
      const config = smallConfig();
      const model = OneStepModel.create({ config, inputSize: size, numFrames: time, rng: new Rng(8) });
      const random = OneStepModel.create({ config, inputSize: size, numFrames: time, rng: new Rng(9) });
      // Corner c is the pair of action c and actor c where that is a valid pair, else the c-th pair.
      const pairOf = (corner: number) => (pairIndexOf(corner, corner) >= 0 ? pairIndexOf(corner, corner) : corner);
      trainOnSquares(
        (clips, classes) => crossEntropy(model.logits(clips, false), classes.map(pairOf), PAIR_CLASSES.length),
        model.network.trainableWeights.map((weight) => weight.read() as tf.Variable),
        STEPS,
      );
      const trained = pointing((clip, corner) => explainOneStepClip(model, clip, { pair: pairOf(corner) }).pair);
      const randomised = pointing((clip, corner) => explainOneStepClip(random, clip, { pair: pairOf(corner) }).pair);
      expect(trained.hits).toBeGreaterThanOrEqual(0.75);
      expectRandomisedDiffers(trained.maps, randomised.maps);
      model.dispose();
      random.dispose();
    });
  });
});
