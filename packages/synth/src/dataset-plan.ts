/**
 * Plans a synthetic A2D dataset: which clips exist, their labels, split, ids and formats. Labels are the 36
 * video-level pairs in proportion to the real A2D test split, split train/test in A2D's 3036/746 ratio (at
 * `full` the test split has exactly the real per-pair counts). `none`-action rows are not generated: A2D
 * lists them but no classifier predicts them, so they would only be filtered out again.
 * Everything is a pure function of (size, seed); the difficulty changes the scenes, not the plan.
 */
import { decodeLabel, hashString, Rng, VIDEO_LEVEL_LABELS, type ActorName, type VideoActionName } from '@a2d/core';
import type { Usage } from '@a2d/ingest';
import { DATASET_SIZES, type DatasetSize } from './dataset-size';
import type { Difficulty } from './difficulty';
import { A2D_TEST_PAIR_COUNTS, A2D_TEST_VIDEO_COUNT, A2D_VIDEO_COUNT } from './pair-frequencies';
import { generateVideoIds } from './video-id';

/** Height of every clip in `clips320H/`. */
export const OUTPUT_HEIGHT = 320;

/** Output widths at 320 px high: A2D's 4:3 and 16:9 clips (427 and 569 rounded to the even widths H.264 needs). */
export const OUTPUT_WIDTHS: readonly { width: number; weight: number }[] = [
  { width: 428, weight: 0.6 },
  { width: 568, weight: 0.4 },
];

/** Frame rates clips are drawn with, and how often. */
const FRAME_RATES: readonly { fps: number; weight: number }[] = [
  { fps: 24, weight: 0.25 },
  { fps: 25, weight: 0.25 },
  { fps: 30, weight: 0.5 },
];

/** One planned clip: its `videoset.csv` row and how to render it. */
export interface PlannedClip {
  videoId: string;
  /** Label code, 10 * actor + action. */
  label: number;
  actor: ActorName;
  action: VideoActionName;
  usage: Usage;
  fps: number;
  numFrames: number;
  /** Frames A2D would have annotated (CSV column 8); informational. */
  numAnnotatedFrames: number;
  /** Size of the encoded clip. */
  width: number;
  height: number;
  /** Size the frames are drawn at (scaled exactly by an integer factor to the output size). */
  renderWidth: number;
  renderHeight: number;
  /** x264 preset the clip is encoded with. */
  encoderPreset: string;
  /** Seed of the clip's scene. */
  seed: number;
  /** How much confusion the clip's scene holds. */
  difficulty: Difficulty;
}

/**
 * Splits `total` into integer parts proportional to `weights` (largest remainder). Parts below their `floors`
 * entry are raised to it, taking the rest proportionally from what is left. Throws when the floors alone
 * exceed the total.
 */
export function allocateCounts(total: number, weights: readonly number[], floors: readonly number[] = []): number[] {
  const floorOf = (i: number) => floors[i] ?? 0;
  const plain = proportional(total, weights, weights.map(() => 0));
  if (plain.every((count, i) => count >= floorOf(i))) return plain;
  const reserved = weights.reduce((sum, _w, i) => sum + floorOf(i), 0);
  if (reserved > total) throw new RangeError(`allocateCounts: floors need ${reserved} but the total is ${total}`);
  return proportional(total, weights, weights.map((_w, i) => floorOf(i)));
}

function proportional(total: number, weights: readonly number[], base: readonly number[]): number[] {
  const free = total - base.reduce((sum, b) => sum + b, 0);
  const weightSum = weights.reduce((sum, w) => sum + w, 0);
  const exact = weights.map((w) => (weightSum > 0 ? (free * w) / weightSum : 0));
  const counts = exact.map((value, i) => Math.floor(value) + base[i]);
  let left = total - counts.reduce((sum, c) => sum + c, 0);
  const byRemainder = exact
    .map((value, i) => ({ i, rest: value - Math.floor(value) }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % byRemainder.length, left--) counts[byRemainder[k].i]++;
  return counts;
}

/** Train and test clips per label (in `VIDEO_LEVEL_LABELS` order) for a dataset of `clips` clips. */
export function labelCounts(clips: number): { train: number[]; test: number[] } {
  const weights = VIDEO_LEVEL_LABELS.map((code) => A2D_TEST_PAIR_COUNTS[code]);
  const pairs = weights.length;
  const testTotal = Math.round((clips * A2D_TEST_VIDEO_COUNT) / A2D_VIDEO_COUNT);
  const trainTotal = clips - testTotal;
  const test = allocateCounts(testTotal, weights, weights.map(() => (testTotal >= pairs ? 1 : 0)));
  // Every pair occurs at least once overall: pairs the test split missed get a train clip first.
  const trainFloors = test.map((count) => (trainTotal >= pairs || count === 0 ? 1 : 0));
  const missing = test.filter((count) => count === 0).length;
  const train = allocateCounts(trainTotal, weights, trainTotal >= missing ? trainFloors : []);
  return { train, test };
}

function weightedPick<T extends { weight: number }>(rng: Rng, options: readonly T[]): T {
  return options[rng.weightedIndex(options.map((option) => option.weight))];
}

/** The full plan of a dataset, sorted by video id (the order of `videoset.csv`). */
export function planDataset(size: DatasetSize, seed: number, difficulty: Difficulty): PlannedClip[] {
  const preset = DATASET_SIZES[size];
  const root = new Rng(seed);
  const { train, test } = labelCounts(preset.clips);
  const slots: { label: number; usage: Usage }[] = [];
  VIDEO_LEVEL_LABELS.forEach((label, i) => {
    for (let k = 0; k < train[i]; k++) slots.push({ label, usage: 'train' });
    for (let k = 0; k < test[i]; k++) slots.push({ label, usage: 'test' });
  });
  root.fork('order').shuffle(slots);
  const ids = generateVideoIds(root.fork('video-ids'), slots.length);
  const clips = slots.map(({ label, usage }, i): PlannedClip => {
    const videoId = ids[i];
    const clipSeed = hashString(`${seed}/${videoId}`);
    const format = new Rng(clipSeed).fork('format');
    const fps = weightedPick(format, FRAME_RATES).fps;
    const seconds = format.uniform(preset.seconds[0], preset.seconds[1]);
    const numFrames = Math.max(2, Math.round(seconds * fps));
    const width = weightedPick(format, OUTPUT_WIDTHS).width;
    const renderWidth = (width * preset.renderHeight) / OUTPUT_HEIGHT;
    if (!Number.isInteger(renderWidth)) {
      throw new RangeError(`render height ${preset.renderHeight} does not scale exactly to ${width}x${OUTPUT_HEIGHT}`);
    }
    const { actor, action } = decodeLabel(label);
    return {
      videoId,
      label,
      actor,
      action: action as VideoActionName,
      usage,
      fps,
      numFrames,
      numAnnotatedFrames: Math.min(numFrames, format.int(3, 5)),
      width,
      height: OUTPUT_HEIGHT,
      renderWidth,
      renderHeight: preset.renderHeight,
      encoderPreset: preset.encoderPreset,
      seed: clipSeed,
      difficulty,
    };
  });
  return clips.sort((a, b) => (a.videoId < b.videoId ? -1 : a.videoId > b.videoId ? 1 : 0));
}
