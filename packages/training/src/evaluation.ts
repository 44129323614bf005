/**
 * Evaluation over a loader: every clip's probabilities from a `ProbabilityPredictor` (worker replicas while
 * training, an in-process model in the evaluator), the views of a video averaged (multi-view testing), then plain
 * sequential decoding (step 1's argmax, step 2's argmax given it) and constrained decoding (the best valid pair
 * among step 1's top-k actions) per video, and the loss terms as training computes them.
 */
import { NUM_ACTIONS, NUM_ACTORS, validityMask, type AugmentConfig, type LossConfig } from '@a2d/core';
import {
  buildTestTransform,
  ClipBatchConverter,
  type ChannelNormalization,
  resampleRegion,
  testCropBoxes,
  testResizeShortSide,
  type ClipTransform,
} from '@a2d/augment';
import { decodeConstrained } from '@a2d/layers';
import { TwoStepMetrics } from '@a2d/metrics';
import type { BatchSource } from './data/loader-thread';
import type { LossTerms } from './epoch-record';

/** Probabilities of a batch: p(action) [B*8] and p(actor | action) [B*8*7], row-major. */
export interface BatchProbabilities {
  actionProbs: Float32Array;
  actorTable: Float32Array;
}

/**
 * Runs the model on normalised frames `[B, T, S, S, 3]`. `frames` is the caller's buffer, reused for the next
 * batch once the returned promise settles: copy (or transfer) it before then, never keep it.
 */
export type ProbabilityPredictor = (frames: Float32Array, shape: [number, number, number, number, 3]) => Promise<BatchProbabilities>;

/** A decoded (action, actor) pair. */
export interface DecodedClip {
  action: number;
  actor: number;
}

/** One video's evaluation. */
export interface VideoPrediction {
  videoId: string;
  trueAction: number;
  trueActor: number;
  /** Clips averaged: temporal views x spatial crops. */
  views: number;
  /** p(action), 8 values (mean over views). */
  actionProbs: number[];
  /** p(actor | action) for every action: 8 rows of 7 (mean over views). */
  actorTable: number[][];
  /** Plain sequential decoding (one-step models: the most probable pair). */
  plain: DecodedClip;
  /** Constrained decoding over the top-k actions. */
  constrained: DecodedClip;
}

/** Spatial test-time crops taken from each (uncropped) clip of a batch. */
export interface TestCrops {
  count: 1 | 3;
  /** Side of the model's square input. */
  size: number;
  /** Short side the frame is resized to before cropping. */
  resizeShortSide: number;
}

/**
 * What a test-time loader applies and what `predictVideos` then crops, for `crops` spatial crops per clip: one
 * centre crop is the loader's test transform; three crops need the whole frame, cut by `predictVideos`.
 * Shared by `evaluator:test` and `evaluator:predict`, so both see the same pixels.
 */
export function testTimeInput(augment: AugmentConfig, crops: 1 | 3): { transform: ClipTransform; crops?: undefined } | { transform?: undefined; crops: TestCrops } {
  if (crops === 1) return { transform: buildTestTransform(augment) };
  return { crops: { count: crops, size: augment.cropSize, resizeShortSide: testResizeShortSide(augment) } };
}

/** The batch cut to crop `index` of `crops` (every clip the same box), as `predictVideos` cuts it. */
export function croppedBatch(frames: Uint8Array, shape: [number, number, number, number, 3], crops: TestCrops, index: number): { frames: Uint8Array; shape: [number, number, number, number, 3] } {
  const [clips, numFrames, height, width] = shape;
  const box = testCropBoxes({ height, width }, crops.size, crops.resizeShortSide, crops.count)[index];
  const clipBytes = numFrames * height * width * 3;
  const outBytes = numFrames * crops.size * crops.size * 3;
  const out = new Uint8Array(clips * outBytes);
  for (let c = 0; c < clips; c++) {
    const clip = { data: frames.subarray(c * clipBytes, (c + 1) * clipBytes), numFrames, height, width };
    out.set(resampleRegion(clip, box, crops.size, crops.size).data, c * outBytes);
  }
  return { frames: out, shape: [clips, numFrames, crops.size, crops.size, 3] };
}

/** How to decode. */
export interface DecodeOptions {
  /** Actions re-scored by constrained decoding. */
  topK: number;
  /** One-step models decode plain = constrained over all actions (their most probable pair is always valid). */
  kind: 'two-step' | 'one-step';
}

function argMax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Plain and constrained decoding of averaged probabilities. */
export function decodeVideo(actionProbs: readonly number[], actorTable: readonly (readonly number[])[], options: DecodeOptions): { plain: DecodedClip; constrained: DecodedClip } {
  const ranked = actionProbs.map((_, action) => action).sort((a, b) => actionProbs[b] - actionProbs[a] || a - b);
  const candidates = (k: number) => ranked.slice(0, k).map((action) => ({ action, actionProbability: actionProbs[action], actorProbabilities: actorTable[action] }));
  const constrainedPair = decodeConstrained(candidates(options.kind === 'one-step' ? NUM_ACTIONS : options.topK));
  const constrained = { action: constrainedPair.action, actor: constrainedPair.actor };
  if (options.kind === 'one-step') return { plain: constrained, constrained };
  const action = ranked[0];
  return { plain: { action, actor: argMax(actorTable[action]) }, constrained };
}

/**
 * Runs `predict` over every batch of `loader` (test mode: views adjacent) and decodes each video. A batch that
 * arrives with its floats (converted on the loader thread) is used as it is; otherwise this thread converts it.
 */
export async function predictVideos(
  loader: Pick<BatchSource, 'batches'>,
  predict: ProbabilityPredictor,
  options: DecodeOptions & {
    /** The model's input normalization (`model.inputNormalization` of the config it was built from). */
    normalization: ChannelNormalization;
    onBatch?: (videos: number, clips: number) => void;
    crops?: TestCrops;
  },
): Promise<VideoPrediction[]> {
  const byVideo = new Map<string, { trueAction: number; trueActor: number; views: number; action: number[]; table: number[] }>();
  const order: string[] = [];
  const converter = new ClipBatchConverter(options.normalization);
  for await (const batch of loader.batches(0)) {
    const cuts: { frames: Uint8Array; shape: typeof batch.shape; floats?: Float32Array }[] = options.crops
      ? Array.from({ length: options.crops.count }, (_, i) => croppedBatch(batch.frames, batch.shape, options.crops as TestCrops, i))
      : [batch];
    for (const cut of cuts) {
      const { actionProbs, actorTable } = await predict(cut.floats ?? converter.convert(cut.frames, cut.shape), cut.shape);
      accumulate(batch, actionProbs, actorTable);
    }
    options.onBatch?.(new Set(batch.videoIds).size, batch.videoIds.length * cuts.length);
  }
  function accumulate(batch: { videoIds: string[]; actionIds: Int32Array; actorIds: Int32Array }, actionProbs: Float32Array, actorTable: Float32Array): void {
    batch.videoIds.forEach((videoId, clip) => {
      let entry = byVideo.get(videoId);
      if (!entry) {
        entry = { trueAction: batch.actionIds[clip], trueActor: batch.actorIds[clip], views: 0, action: new Array<number>(NUM_ACTIONS).fill(0), table: new Array<number>(NUM_ACTIONS * NUM_ACTORS).fill(0) };
        byVideo.set(videoId, entry);
        order.push(videoId);
      }
      entry.views++;
      for (let a = 0; a < NUM_ACTIONS; a++) entry.action[a] += actionProbs[clip * NUM_ACTIONS + a];
      const offset = clip * NUM_ACTIONS * NUM_ACTORS;
      for (let j = 0; j < NUM_ACTIONS * NUM_ACTORS; j++) entry.table[j] += actorTable[offset + j];
    });
  }
  return order.map((videoId) => {
    const entry = byVideo.get(videoId) as NonNullable<ReturnType<typeof byVideo.get>>;
    const actionProbs = entry.action.map((p) => p / entry.views);
    const actorTable = Array.from({ length: NUM_ACTIONS }, (_, a) => entry.table.slice(a * NUM_ACTORS, (a + 1) * NUM_ACTORS).map((p) => p / entry.views));
    return { videoId, trueAction: entry.trueAction, trueActor: entry.trueActor, views: entry.views, actionProbs, actorTable, ...decodeVideo(actionProbs, actorTable, options) };
  });
}

/**
 * Accuracies (percent) of decoded videos: action, actor, combined (plain) and combined (constrained), computed by
 * `TwoStepMetrics`, the class that computes the test split's metrics.json, so validation and test agree by
 * construction.
 */
export function videoAccuracies(videos: readonly VideoPrediction[]): { action: number | null; actor: number | null; combined: number | null; combinedConstrained: number | null } {
  if (videos.length === 0) return { action: null, actor: null, combined: null, combinedConstrained: null };
  const metrics = new TwoStepMetrics({ zeroDivision: 0 });
  metrics.update(videos.map((v) => ({ trueAction: v.trueAction, predAction: v.plain.action, trueActor: v.trueActor, predActor: v.plain.actor, constrained: v.constrained })));
  const body = metrics.compute();
  return { action: body.action_acc, actor: body.actor_acc, combined: body.combined_acc, combinedConstrained: body.constrained_combined_acc };
}

/**
 * The loss terms on evaluated videos, as training defines them (label smoothing included; class weights and
 * focal modulation left out): step 1's cross-entropy, step 2's under the true action (teacher forcing), and the
 * consistency term on that same conditioning, p(action) * p(invalid actor | action), as `consistencyLoss` computes it
 * from one conditioned row. A one-step model has one term, the cross-entropy over the 36 pairs (its
 * joint p(action) * p(actor | action)), reported as `total`, the others null: the same terms its training reports.
 */
export function videoLosses(videos: readonly VideoPrediction[], loss: LossConfig, kind: 'two-step' | 'one-step'): LossTerms {
  if (videos.length === 0) return { total: null, action: null, actor: null, consistency: null };
  const eps = loss.labelSmoothing;
  const smoothed = (probs: readonly number[], target: number) => {
    const logs = probs.map((p) => Math.log(Math.max(p, 1e-12)));
    return -((1 - eps) * logs[target] + (eps / probs.length) * logs.reduce((sum, l) => sum + l, 0));
  };
  const mask = validityMask();
  const n = videos.length;
  if (kind === 'one-step') {
    let total = 0;
    for (const v of videos) {
      const pairs: number[] = [];
      let target = -1;
      v.actionProbs.forEach((pa, a) =>
        v.actorTable[a].forEach((pb, b) => {
          if (mask[a][b] !== 1) return;
          if (a === v.trueAction && b === v.trueActor) target = pairs.length;
          pairs.push(pa * pb);
        }),
      );
      total += smoothed(pairs, target);
    }
    return { total: total / n, action: null, actor: null, consistency: null };
  }
  let action = 0;
  let actor = 0;
  let consistency = 0;
  for (const v of videos) {
    action += smoothed(v.actionProbs, v.trueAction);
    actor += smoothed(v.actorTable[v.trueAction], v.trueActor);
    // As the training loss computes it: step 2's row under the conditioning action (here the true one).
    let invalid = 0;
    v.actorTable[v.trueAction].forEach((pb, b) => (invalid += mask[v.trueAction][b] === 1 ? 0 : pb));
    consistency += v.actionProbs[v.trueAction] * invalid;
  }
  const terms = { action: action / n, actor: actor / n, consistency: consistency / n };
  const { weights } = loss;
  return { total: weights.action * terms.action + weights.actor * terms.actor + weights.consistency * terms.consistency, ...terms };
}
