/**
 * Batch-level mixing (mixup, CutMix) with soft targets for both heads of the two-step model: the
 * action head (8 classes) and the actor head (7 classes) are mixed with the same lambda, so the pair
 * of targets stays a mixture of two real (actor, action) labels.
 */
import { NUM_ACTIONS, NUM_ACTORS, type AugmentConfig, type Rng } from '@a2d/core';
import { batchElementCount, type ClipBatchShape } from './clip-batch';
import { AugmentInputError } from './augment-input-error';
import type { CropBox } from './resample-region';

/** A normalised float batch with its labels as 0-based class indices (as the `DataLoader` batches them). */
export interface LabelledClipBatch {
  /** `[B, T, H, W, 3]` floats. */
  frames: Float32Array;
  shape: ClipBatchShape;
  /** Step-1 action class index per clip (0..7). */
  actionIds: ArrayLike<number>;
  /** Step-2 actor class index per clip (0..6). */
  actorIds: ArrayLike<number>;
}

/** Which mixing a batch got. */
export type MixMode = 'none' | 'mixup' | 'cutmix';

/** A mixed batch and its soft targets. */
export interface MixedClipBatch {
  /** Mixed frames; the input array itself when `mode` is `none`. */
  frames: Float32Array;
  /** `[B, 8]` soft action targets; each row sums to 1. */
  actionTargets: Float32Array;
  /** `[B, 7]` soft actor targets; each row sums to 1. */
  actorTargets: Float32Array;
  /** Weight of each clip's own label (1 when unmixed); for CutMix, the area fraction it keeps. */
  lambda: number;
  /** Which mixing was drawn for this batch. */
  mode: MixMode;
  /** `partner[i]`: the clip mixed into clip `i`. */
  partner: Int32Array;
  /** CutMix only: the pasted box, the same for every frame and clip. */
  box?: CropBox;
}

/** Checks one label per clip, each a class index in `0..classes-1`. */
function classIndices(ids: ArrayLike<number>, argument: string, size: number, classes: number): number[] {
  if (ids.length !== size) throw new AugmentInputError(argument, `expected ${size} class indices (one per clip), got ${ids.length}`);
  const indices = Array.from(ids);
  indices.forEach((index, position) => {
    if (!Number.isInteger(index) || index < 0 || index >= classes) {
      throw new AugmentInputError(argument, `expected class indices 0..${classes - 1}, got ${index} at position ${position}`);
    }
  });
  return indices;
}

function softTargets(
  ownIndex: (i: number) => number,
  partner: Int32Array,
  classes: number,
  lambda: number,
): Float32Array {
  const targets = new Float32Array(partner.length * classes);
  for (let i = 0; i < partner.length; i++) {
    targets[i * classes + ownIndex(i)] += lambda;
    targets[i * classes + ownIndex(partner[i])] += 1 - lambda;
  }
  return targets;
}

function chooseMode(config: AugmentConfig, rng: Rng): MixMode {
  const mixup = config.mixup.alpha > 0;
  const cutmix = config.cutmix.alpha > 0;
  if (!mixup && !cutmix) return 'none';
  const mode: MixMode = mixup && cutmix ? (rng.bool(0.5) ? 'cutmix' : 'mixup') : mixup ? 'mixup' : 'cutmix';
  const prob = mode === 'mixup' ? config.mixup.prob : config.cutmix.prob;
  return rng.bool(prob) ? mode : 'none';
}

/** The CutMix box for lambda (timm `rand_bbox`): sides `sqrt(1 - lambda)` of the frame, centre uniform, clipped. */
function drawCutBox(rng: Rng, height: number, width: number, lambda: number): CropBox {
  const cutRatio = Math.sqrt(1 - lambda);
  const cutHeight = Math.floor(height * cutRatio);
  const cutWidth = Math.floor(width * cutRatio);
  const centreY = rng.int(0, height - 1);
  const centreX = rng.int(0, width - 1);
  const top = Math.max(0, centreY - Math.floor(cutHeight / 2));
  const bottom = Math.min(height, centreY + Math.floor(cutHeight / 2));
  const left = Math.max(0, centreX - Math.floor(cutWidth / 2));
  const right = Math.min(width, centreX + Math.floor(cutWidth / 2));
  return { top, left, height: bottom - top, width: right - left };
}

/**
 * Mixes a batch: with mixup, `x_i = lambda x_i + (1 - lambda) x_partner(i)`; with CutMix, one box of
 * every frame of clip i is replaced by the partner's and lambda becomes the area actually kept.
 * One-hot targets and lambda 1 when mixing is disabled or not drawn. Train only.
 */
export function mixBatch(batch: LabelledClipBatch, config: AugmentConfig, rng: Rng): MixedClipBatch {
  const count = batchElementCount(batch.shape, 'batch.shape');
  const [size, numFrames, height, width] = batch.shape;
  if (batch.frames.length !== count) {
    throw new AugmentInputError('batch.frames', `expected ${count} floats for [${batch.shape.join(', ')}], got ${batch.frames.length}`);
  }
  const actionIndex = classIndices(batch.actionIds, 'batch.actionIds', size, NUM_ACTIONS);
  const actorIndex = classIndices(batch.actorIds, 'batch.actorIds', size, NUM_ACTORS);

  const mode = chooseMode(config, rng);
  const identity = Array.from({ length: size }, (_, i) => i);
  const partner = Int32Array.from(mode === 'none' ? identity : rng.shuffle(identity));
  let lambda = 1;
  let frames = batch.frames;
  let box: CropBox | undefined;
  if (mode !== 'none') {
    const alpha = mode === 'mixup' ? config.mixup.alpha : config.cutmix.alpha;
    lambda = rng.beta(alpha, alpha);
    const clipLength = count / size;
    const source = batch.frames;
    if (mode === 'mixup') {
      frames = new Float32Array(count);
      const other = 1 - lambda;
      for (let i = 0; i < size; i++) {
        const own = i * clipLength;
        const mate = partner[i] * clipLength;
        for (let j = 0; j < clipLength; j++) frames[own + j] = lambda * source[own + j] + other * source[mate + j];
      }
    } else {
      box = drawCutBox(rng, height, width, lambda);
      lambda = 1 - (box.height * box.width) / (height * width);
      frames = source.slice();
      for (let i = 0; i < size; i++) {
        for (let t = 0; t < numFrames; t++) {
          for (let y = box.top; y < box.top + box.height; y++) {
            const offset = ((t * height + y) * width + box.left) * 3;
            const start = i * clipLength + offset;
            const from = partner[i] * clipLength + offset;
            frames.set(source.subarray(from, from + box.width * 3), start);
          }
        }
      }
    }
  }
  return {
    frames,
    actionTargets: softTargets((i) => actionIndex[i], partner, NUM_ACTIONS, lambda),
    actorTargets: softTargets((i) => actorIndex[i], partner, NUM_ACTORS, lambda),
    lambda,
    mode,
    partner,
    ...(box ? { box } : {}),
  };
}
