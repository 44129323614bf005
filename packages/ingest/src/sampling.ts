/**
 * Frame sampling as small pure steps on frame numbers (MMAction2's `SampleFrames`/`UniformSample` in spirit):
 * choose a window (speed augmentation), place frames in it (TSN segments or a strided run, jittered in training,
 * evenly spread views at test time), then pad short videos. No I/O; randomness only from the `Rng` passed in.
 */
import type { AugmentConfig, Rng, SamplingConfig } from '@a2d/core';

/** Training draws random positions; test takes deterministic, evenly spread ones. */
export type SamplingMode = 'train' | 'test';

/** Temporal augmentation settings (`augment.temporal`). */
export type TemporalConfig = AugmentConfig['temporal'];

/** Which clip of a video to sample. */
export interface ClipSamplingRequest {
  mode: SamplingMode;
  /** Required in training (jitter, speed); unused at test time. */
  rng?: Rng;
  /** Test view index in `0..numViews-1` (default 0). */
  view?: number;
  /** Test views per video (default `sampling.testViews`). */
  numViews?: number;
}

function assertFrameCount(totalFrames: number): void {
  if (!Number.isInteger(totalFrames) || totalFrames <= 0) {
    throw new RangeError(`cannot sample frames from a video with ${totalFrames} frames (expected a positive integer)`);
  }
}

/**
 * TSN placement: `numFrames` equal segments of the window `[start, start + length)`, one frame per segment at
 * `fraction(segment)` of the way through it (0.5: centre; a uniform draw: jitter).
 */
export function segmentIndices(
  start: number,
  length: number,
  numFrames: number,
  fraction: (segment: number) => number,
): number[] {
  const segment = length / numFrames;
  return Array.from({ length: numFrames }, (_, s) =>
    Math.min(start + length - 1, start + Math.floor((s + fraction(s)) * segment)),
  );
}

/** A run of `numFrames` frames `stride` apart from `start` (may run past the end; see `padIndices`). */
export function consecutiveIndices(start: number, numFrames: number, stride: number): number[] {
  return Array.from({ length: numFrames }, (_, i) => start + i * stride);
}

/**
 * Maps indices past the last frame back into the video: `loop` wraps around to the start, `repeat-last` holds
 * the last frame. Indices already inside are unchanged.
 */
export function padIndices(indices: readonly number[], totalFrames: number, policy: SamplingConfig['shortVideo']): number[] {
  assertFrameCount(totalFrames);
  return indices.map((index) => (index < totalFrames ? index : policy === 'loop' ? index % totalFrames : totalFrames - 1));
}

/**
 * Start of a span of `span` frames inside `totalFrames`: random in training (with jitter), else view `view` of
 * `numViews` evenly spread starts (one view: the centre).
 */
export function spanStart(
  totalFrames: number,
  span: number,
  placement: { random?: Rng; view: number; numViews: number },
): number {
  const free = Math.max(0, totalFrames - span);
  if (placement.random) return placement.random.int(0, free);
  return Math.round((free * (placement.view + 0.5)) / placement.numViews);
}

/**
 * The source frame indices of one clip: exactly `sampling.numFrames` numbers in `0..totalFrames-1`.
 * - `segment`: the window is split into equal segments, one frame each (TSN).
 * - `consecutive`: a run `stride` apart.
 * Training: with probability `temporal.speedProb` a stride is drawn from `temporal.strides` (for `segment`, the
 * window shrinks to `stride / max(strides)` of the video at a random place: slow motion); with `temporal.jitter`
 * positions are random in their segment / the run starts anywhere, else at the centre.
 * Test: view `v` of `N` sits at fraction `(v + 0.5) / N` of each segment / of the free range of starts.
 * Videos shorter than the clip are padded per `sampling.shortVideo`; 0 frames is a `RangeError`.
 */
export function sampleClipIndices(
  totalFrames: number,
  sampling: SamplingConfig,
  temporal: TemporalConfig,
  request: ClipSamplingRequest,
): number[] {
  assertFrameCount(totalFrames);
  const { numFrames } = sampling;
  const train = request.mode === 'train';
  const rng = request.rng;
  if (train && !rng) throw new Error('sampleClipIndices: training mode needs an rng');
  const numViews = train ? 1 : (request.numViews ?? sampling.testViews);
  const view = train ? 0 : (request.view ?? 0);
  if (!Number.isInteger(view) || view < 0 || view >= numViews) {
    throw new RangeError(`sampleClipIndices: view ${view} outside 0..${numViews - 1}`);
  }
  const speedStride = train && rng && rng.bool(temporal.speedProb) ? rng.pick(temporal.strides) : undefined;
  const jitter = train && temporal.jitter ? rng : undefined;

  if (sampling.strategy === 'consecutive') {
    const stride = speedStride ?? sampling.stride;
    const span = (numFrames - 1) * stride + 1;
    const start = spanStart(totalFrames, span, { random: jitter, view, numViews });
    return padIndices(consecutiveIndices(start, numFrames, stride), totalFrames, sampling.shortVideo);
  }

  let windowStart = 0;
  let windowLength = totalFrames;
  if (speedStride !== undefined && rng) {
    const slowest = Math.max(...temporal.strides);
    windowLength = Math.max(Math.min(totalFrames, numFrames), Math.ceil((totalFrames * speedStride) / slowest));
    windowStart = rng.int(0, totalFrames - windowLength);
  }
  if (windowLength < numFrames) {
    // Fewer frames than segments: take every frame once, then pad (never stretch into repeated neighbours).
    return padIndices(consecutiveIndices(windowStart, numFrames, 1), totalFrames, sampling.shortVideo);
  }
  const fraction = jitter ? () => jitter.next() : () => (view + 0.5) / numViews;
  return segmentIndices(windowStart, windowLength, numFrames, fraction);
}

/**
 * The "denser set" kept in the frame cache: `count` evenly spaced frames (segment centres), or every frame when
 * the video has no more than `count`. Sorted, distinct.
 */
export function denseFrameSet(totalFrames: number, count: number): number[] {
  assertFrameCount(totalFrames);
  if (totalFrames <= count) return Array.from({ length: totalFrames }, (_, i) => i);
  return Array.from({ length: count }, (_, j) => Math.floor(((j + 0.5) * totalFrames) / count));
}

/** For each wanted index, the position in the sorted `available` list of the nearest frame (ties: the earlier). */
export function nearestFramePositions(available: readonly number[], wanted: readonly number[]): number[] {
  if (available.length === 0) throw new RangeError('nearestFramePositions: no frames available');
  return wanted.map((index) => {
    let low = 0;
    let high = available.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (available[mid] < index) low = mid + 1;
      else high = mid;
    }
    // `low` is the first frame >= index (or the last frame); the one before may be closer.
    if (low > 0 && index - available[low - 1] <= available[low] - index) return low - 1;
    return low;
  });
}
