/**
 * The `evaluation` section of `metrics.json`: what ran (checkpoint, weights, split, views, crops, model) and how
 * fast. One schema for the writer (`evaluateExperiment`) and every reader (the evaluator's summary, evaluator:bench,
 * the reporter). Fields added later have defaults, so results written before them still read.
 */
import { z } from 'zod';

/** `metrics.json`'s `evaluation`, as `evaluateExperiment` writes it. */
export const evaluationSettingsSchema = z.object({
  /** The evaluated checkpoint folder (absolute). */
  checkpoint: z.string(),
  weights: z.enum(['live', 'ema']),
  split: z.enum(['test', 'val']),
  /** Videos scored. */
  videos: z.number().int().nonnegative().optional(),
  /** Temporal views and spatial crops per video. */
  views: z.number().int().positive(),
  crops: z.number().int().positive().default(1),
  numFrames: z.number().int().positive().optional(),
  cropSize: z.number().int().positive().optional(),
  modelKind: z.enum(['two-step', 'one-step']).optional(),
  backbone: z.string().optional(),
  constrainedTopK: z.number().int().positive().optional(),
  /** The backend that ran the model (`native`, `wasm`, ...). */
  backend: z.string(),
  /** Seconds of the whole evaluation loop, and its clips per second. */
  seconds: z.number(),
  clipsPerSecond: z.number(),
  /** Seconds to the end of the first batch (its warm-up included); absent in results written before it was recorded. */
  firstBatchSeconds: z.number().nullable().default(null),
  /** Clips per second after the first batch; null with a single batch. */
  steadyClipsPerSecond: z.number().nullable().default(null),
  /** Test videos that could not be decoded (not scored). */
  skippedVideos: z.array(z.string()).default([]),
});

/** `metrics.json`'s `evaluation` as read. */
export type EvaluationSettings = z.infer<typeof evaluationSettingsSchema>;
