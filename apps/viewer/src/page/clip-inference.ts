/**
 * The page's inference, built from the pieces `evaluator:predict` runs, so that the same frames give the same
 * answer: which source frames each test view takes (`sampleClipIndices`, snapped onto the frame cache's dense set
 * when the experiment decodes through one), the test transform (`testTimeInput`), `clipBatchToFloat` with the
 * model's normalization, step 1 then step 2 (`inferActorTable`, the table `inferProbabilities` computes), the views
 * averaged and decoded (`decodeVideo`: plain sequential + constrained). No DOM: it runs in Node tests as well.
 */
import { NUM_ACTIONS, NUM_ACTORS, Rng, type Clip } from '@a2d/core';
import { clipBatchToFloat } from '@a2d/augment';
import { tf } from '@a2d/engine';
import { denseFrameSet, nearestFramePositions, sampleClipIndices } from '@a2d/ingest';
import { OneStepModel } from '@a2d/layers';
import { croppedBatch, decodeVideo, inferActorTable, inferProbabilities, testTimeInput, type Classifier, type DecodedClip } from '@a2d/training';
import type { ModelCard } from './model-card';

/** The source frames of a video's test views: per view its frame numbers, and the distinct frames to decode. */
export interface FramePlan {
  /** `views[v][t]`: source frame number of frame t of view v. */
  views: number[][];
  /** Every frame any view uses, ascending: what the page decodes. */
  frames: number[];
}

/** The frames `evaluator:predict` reads for a video of `totalFrames` frames with the card's settings. */
export function planFrames(totalFrames: number, card: ModelCard): FramePlan {
  const { sampling, temporal, views, cacheFrames } = card.inference;
  const settings = { ...sampling, testViews: views };
  const dense = cacheFrames === null ? null : denseFrameSet(totalFrames, Math.max(cacheFrames, sampling.numFrames * views));
  const perView = Array.from({ length: views }, (_, view) => {
    const wanted = sampleClipIndices(totalFrames, settings, temporal, { mode: 'test', view, numViews: views });
    return dense === null ? wanted : nearestFramePositions(dense, wanted).map((position) => dense[position]);
  });
  return { views: perView, frames: [...new Set(perView.flat())].sort((a, b) => a - b) };
}

/** Decoded frames at the card's decode size, by source frame number (rgb24, `height * width * 3` bytes each). */
export type DecodedFrameMap = ReadonlyMap<number, Uint8Array>;

/** The clips of the plan's views, frames copied from `decoded`. */
export function viewClips(plan: FramePlan, decoded: DecodedFrameMap, card: ModelCard): Clip[] {
  const { width, height } = card.inference.decode;
  const frameBytes = width * height * 3;
  return plan.views.map((indices) => {
    const data = new Uint8Array(indices.length * frameBytes);
    indices.forEach((index, t) => {
      const frame = decoded.get(index);
      if (!frame || frame.length !== frameBytes) throw new Error(`frame ${index}: expected ${width}x${height} rgb24 (${frameBytes} bytes), got ${frame ? frame.length : 'none'}`);
      data.set(frame, t * frameBytes);
    });
    return { data, numFrames: indices.length, height, width };
  });
}

/** What the page shows for a video. */
export interface ViewerPrediction {
  /** Clips averaged (views x crops). */
  clips: number;
  /** p(action), 8 values (mean over clips). */
  actionProbs: number[];
  /** p(actor | action), 8 rows of 7 (mean over clips). */
  actorTable: number[][];
  plain: DecodedClip;
  constrained: DecodedClip;
  /** Milliseconds of step 1 (backbone + temporal transformer + action head) and of step 2 (actor head for every action). One-step models: the whole pass is step 1. */
  stepMilliseconds: { step1: number; step2: number | null };
}

/** Step 1 and step 2 of one batch of normalised frames, timed apart (each ends when its values are read back). */
async function runSteps(model: Classifier, frames: tf.Tensor5D): Promise<{ actionProbs: Float32Array; actorTable: Float32Array; step1: number; step2: number | null }> {
  const started = performance.now();
  if (model instanceof OneStepModel) {
    const outputs = inferProbabilities(model, frames);
    const [actionProbs, actorTable] = (await Promise.all([outputs.actionProbs.data(), outputs.actorTable.data()])) as Float32Array[];
    tf.dispose([outputs.actionProbs, outputs.actorTable, outputs.pairProbs as tf.Tensor2D]);
    return { actionProbs, actorTable, step1: performance.now() - started, step2: null };
  }
  const encoded = model.encode(frames);
  try {
    const actionTensor = tf.softmax(encoded.actionLogits);
    const actionProbs = (await actionTensor.data()) as Float32Array;
    actionTensor.dispose();
    const step1 = performance.now() - started;
    const tableTensor = inferActorTable(model, encoded);
    const actorTable = (await tableTensor.data()) as Float32Array;
    tableTensor.dispose();
    return { actionProbs, actorTable, step1, step2: performance.now() - started - step1 };
  } finally {
    tf.dispose([encoded.actionLogits, encoded.actionTokens, encoded.actorTokens]);
  }
}

/** One spatial crop of every view clip, at the model's input size: uint8 RGB `[clips, T, S, S, 3]`. */
export interface ModelInputCut {
  frames: Uint8Array;
  shape: [number, number, number, number, 3];
}

/**
 * The model's input for a video's view clips (decode size), one cut per test crop, as `predictVideos` cuts it: the
 * loader's test transform (a centre crop) for one crop, or the whole frames cut by `croppedBatch` for three. Each
 * clip is cut alone, so `modelInputCuts([clips[0]], card)` is exactly view 0's part of the whole batch.
 */
export function modelInputCuts(clips: readonly Clip[], card: ModelCard): ModelInputCut[] {
  if (clips.length === 0) throw new Error('modelInputCuts: no clips');
  const input = testTimeInput(card.inference.augment, card.inference.crops);
  // The transform is deterministic: its rng is unused.
  const shaped = input.transform ? clips.map((clip) => (input.transform as NonNullable<typeof input.transform>)(clip, new Rng(0))) : [...clips];
  const { numFrames, height, width } = shaped[0];
  const frameBytes = numFrames * height * width * 3;
  const batch = new Uint8Array(shaped.length * frameBytes);
  shaped.forEach((clip, i) => batch.set(clip.data, i * frameBytes));
  const shape: [number, number, number, number, 3] = [shaped.length, numFrames, height, width, 3];
  return input.crops ? Array.from({ length: input.crops.count }, (_, i) => croppedBatch(batch, shape, input.crops, i)) : [{ frames: batch, shape }];
}

/** Runs the model on a video's view clips (decode size) exactly as `predictVideos` does, and decodes the pair. */
export async function predictViewClips(model: Classifier, clips: readonly Clip[], card: ModelCard): Promise<ViewerPrediction> {
  if (clips.length === 0) throw new Error('predictViewClips: no clips');
  const { normalization, constrainedTopK } = card.inference;
  const cuts = modelInputCuts(clips, card);

  const action = new Array<number>(NUM_ACTIONS).fill(0);
  const table = new Array<number>(NUM_ACTIONS * NUM_ACTORS).fill(0);
  let count = 0;
  let step1 = 0;
  let step2: number | null = null;
  for (const cut of cuts) {
    const floats = clipBatchToFloat(cut.frames, cut.shape, normalization);
    const frames = tf.tensor5d(floats, cut.shape);
    let out;
    try {
      out = await runSteps(model, frames);
    } finally {
      frames.dispose();
    }
    step1 += out.step1;
    if (out.step2 !== null) step2 = (step2 ?? 0) + out.step2;
    for (let clip = 0; clip < cut.shape[0]; clip++) {
      count++;
      for (let a = 0; a < NUM_ACTIONS; a++) action[a] += out.actionProbs[clip * NUM_ACTIONS + a];
      const offset = clip * NUM_ACTIONS * NUM_ACTORS;
      for (let j = 0; j < NUM_ACTIONS * NUM_ACTORS; j++) table[j] += out.actorTable[offset + j];
    }
  }
  const actionProbs = action.map((p) => p / count);
  const actorTable = Array.from({ length: NUM_ACTIONS }, (_, a) => table.slice(a * NUM_ACTORS, (a + 1) * NUM_ACTORS).map((p) => p / count));
  const decoded = decodeVideo(actionProbs, actorTable, { topK: constrainedTopK, kind: card.model.kind });
  return { clips: count, actionProbs, actorTable, ...decoded, stepMilliseconds: { step1, step2 } };
}
