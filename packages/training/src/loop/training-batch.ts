/**
 * One loader batch made into the replicas' training inputs: mixing (mixup/CutMix) or plain one-hot targets, the
 * per-clip draw of whether step 2 is fed step 1's prediction, the pair targets, and the split into shards.
 */
import { NUM_ACTIONS, NUM_ACTORS, type A2dConfig, type Rng } from '@a2d/core';
import { clipBatchToFloat, mixBatch } from '@a2d/augment';
import { splitBatch, type BatchPayload } from '@a2d/engine';
import type { Batch } from '@a2d/ingest';
import { NUM_PAIRS, pairIndexOf, predictionFeedProbability } from '@a2d/layers';

/** A batch ready for the replicas. */
export interface PreparedBatch {
  batch: Batch;
  batchIndex: number;
  /** Fraction of the whole run done when this batch starts (for schedules inside the replicas). */
  progressFraction: number;
  /** True when the frames travel as bytes and the replicas normalise them. */
  rawFrames: boolean;
  shards: BatchPayload[];
}

/** One-hot targets of an unmixed batch, in `mixBatch`'s form. */
function unmixed(frames: Uint8Array, actionIds: Int32Array, actorIds: Int32Array): { frames: Uint8Array; actionTargets: Float32Array; actorTargets: Float32Array; lambda: number; partner: Int32Array } {
  const batch = actionIds.length;
  const actionTargets = new Float32Array(batch * NUM_ACTIONS);
  const actorTargets = new Float32Array(batch * NUM_ACTORS);
  for (let i = 0; i < batch; i++) {
    actionTargets[i * NUM_ACTIONS + actionIds[i]] = 1;
    actorTargets[i * NUM_ACTORS + actorIds[i]] = 1;
  }
  return { frames, actionTargets, actorTargets, lambda: 1, partner: Int32Array.from({ length: batch }, (_, i) => i) };
}

/** The training shard inputs of one batch (see `classifier-replica.ts`). */
function trainingPayload(
  frames: Float32Array | Uint8Array,
  shape: [number, number, number, number, 3],
  mixed: { actionTargets: Float32Array; actorTargets: Float32Array; lambda: number; partner: Int32Array },
  actionIds: Int32Array,
  actorIds: Int32Array,
  feed: Int32Array,
): BatchPayload {
  const batch = shape[0];
  const pairTarget = new Float32Array(batch * NUM_PAIRS);
  for (let i = 0; i < batch; i++) {
    const own = pairIndexOf(actionIds[i], actorIds[i]);
    const mate = pairIndexOf(actionIds[mixed.partner[i]], actorIds[mixed.partner[i]]);
    // A clip outside the 36 video-level pairs cannot occur (the loader refuses `none`; the taxonomy has the rest).
    if (own >= 0) pairTarget[i * NUM_PAIRS + own] += mixed.lambda;
    if (mate >= 0) pairTarget[i * NUM_PAIRS + mate] += 1 - mixed.lambda;
  }
  return {
    frames: { values: frames, shape: [...shape], dtype: 'float32' },
    actionTarget: { values: mixed.actionTargets, shape: [batch, NUM_ACTIONS], dtype: 'float32' },
    actorTarget: { values: mixed.actorTargets, shape: [batch, NUM_ACTORS], dtype: 'float32' },
    pairTarget: { values: pairTarget, shape: [batch, NUM_PAIRS], dtype: 'float32' },
    trueAction: { values: Int32Array.from(actionIds), shape: [batch], dtype: 'int32' },
    trueActor: { values: Int32Array.from(actorIds), shape: [batch], dtype: 'int32' },
    feedPrediction: { values: feed, shape: [batch], dtype: 'int32' },
  };
}

/**
 * Prepares batch `batchIndex` of `epoch`. Every draw is keyed by (seed, epoch, batch) through `runRng`, so a resumed
 * run prepares the same batch the same way.
 */
export function prepareTrainingBatch(
  batch: Batch,
  where: { epoch: number; batchIndex: number; batchesPerEpoch: number },
  config: Pick<A2dConfig, 'augment' | 'model' | 'train'>,
  runRng: Rng,
  replicas: number,
): PreparedBatch {
  const { epoch, batchIndex, batchesPerEpoch } = where;
  const { augment } = config;
  const mixing = augment.mixup.alpha > 0 || augment.cutmix.alpha > 0;
  // Without mixing the frames travel as bytes and the replicas normalise them (a quarter of the data to move, and
  // the conversion off this thread); mixing blends pixels, so it needs them as floats here.
  const mixed = mixing
    ? mixBatch(
        { frames: clipBatchToFloat(batch.frames, batch.shape, config.model.inputNormalization), shape: batch.shape, actionIds: batch.actionIds, actorIds: batch.actorIds },
        augment,
        runRng.fork(`mix/${epoch}/${batchIndex}`),
      )
    : unmixed(batch.frames, batch.actionIds, batch.actorIds);
  const progressFraction = (epoch + batchIndex / batchesPerEpoch) / config.train.epochs;
  const feedProbability = predictionFeedProbability(config.model.conditioning, progressFraction);
  const conditionRng = runRng.fork(`condition/${epoch}/${batchIndex}`);
  const feed = Int32Array.from(batch.videoIds, () => (conditionRng.next() < feedProbability ? 1 : 0));
  const payload = trainingPayload(mixed.frames, batch.shape, mixed, batch.actionIds, batch.actorIds, feed);
  return { batch, batchIndex, progressFraction, rawFrames: !mixing, shards: splitBatch(payload, replicas) };
}
