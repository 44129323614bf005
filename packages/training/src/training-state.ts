/**
 * Where a run is, as saved in every checkpoint (`training-state.json`): the epoch and the position in its
 * shuffled order, the optimizer-update counters the schedule is computed from, the partial sums of the epoch in
 * progress, the metrics history, the best result so far and the early-stopping count. With the replicas' state
 * (weights, AdamW moments, EMA, every dropout stream) this is all a resumed run needs to continue exactly.
 */
import { z } from 'zod';
import { epochRecordSchema } from './epoch-record';
import { skippedVideosFileSchema } from './skipped-videos';

/** Running sums of the epoch in progress. */
export const epochAccumulatorSchema = z.object({
  clips: z.number().int().nonnegative(),
  lossSums: z.object({ total: z.number(), action: z.number(), actor: z.number(), consistency: z.number() }),
  /** Clips whose loss term was reported (the one-step baseline reports only `total`). */
  lossClips: z.object({ total: z.number(), action: z.number(), actor: z.number(), consistency: z.number() }),
  correct: z.object({ action: z.number(), actor: z.number(), combined: z.number() }),
  lrFirst: z.number().nullable(),
  lrLast: z.number().nullable(),
  gradNormSum: z.number(),
  gradNormMax: z.number().nullable(),
  updates: z.number().int().nonnegative(),
  nonFiniteSteps: z.number().int().nonnegative(),
  waitSeconds: z.number(),
  seconds: z.number(),
});

/** Sums of an epoch in progress. */
export type EpochAccumulator = z.infer<typeof epochAccumulatorSchema>;

/** A fresh accumulator. */
export function emptyAccumulator(): EpochAccumulator {
  return {
    clips: 0,
    lossSums: { total: 0, action: 0, actor: 0, consistency: 0 },
    lossClips: { total: 0, action: 0, actor: 0, consistency: 0 },
    correct: { action: 0, actor: 0, combined: 0 },
    lrFirst: null,
    lrLast: null,
    gradNormSum: 0,
    gradNormMax: null,
    updates: 0,
    nonFiniteSteps: 0,
    waitSeconds: 0,
    seconds: 0,
  };
}

/** `training-state.json`. */
export const trainingStateSchema = z.object({
  format: z.literal('a2d-training-state'),
  version: z.literal(1),
  /** 0-based epoch in progress (or next to start). */
  epoch: z.number().int().nonnegative(),
  /** Videos of the epoch's order consumed (0: the epoch has not started). */
  position: z.number().int().nonnegative(),
  /** Batches of this epoch done (keys the per-batch random draws). */
  batchIndex: z.number().int().nonnegative(),
  /** Optimizer updates done in this epoch (the schedule's `step`). */
  stepInEpoch: z.number().int().nonnegative(),
  /** Optimizer updates done in the run. */
  globalStep: z.number().int().nonnegative(),
  /** The epoch's training batches are all done; its validation and checkpoints are not. */
  epochEndPending: z.boolean(),
  partial: epochAccumulatorSchema,
  history: z.array(epochRecordSchema),
  best: z.object({ epoch: z.number().int().positive(), valCombined: z.number() }).nullable(),
  epochsWithoutImprovement: z.number().int().nonnegative(),
  /** The run is over (all epochs, or early stopping); resuming it has nothing left to do. */
  finished: z.boolean(),
  stopReason: z.string().nullable(),
  skippedVideos: skippedVideosFileSchema,
  configHash: z.string(),
  workers: z.number().int().positive(),
});

/** Where a run is. */
export type TrainingState = z.infer<typeof trainingStateSchema>;
