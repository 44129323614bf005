/** One line of `metrics.jsonl`: everything measured in one epoch. Written by the trainer, read by the reporter. */
import { z } from 'zod';
import { DatasetError } from '@a2d/core';

const maybe = z.number().nullable();

/** The loss terms (means over clips; null where the model has no such term, e.g. the one-step baseline). */
export const lossTermsSchema = z.object({ total: maybe, action: maybe, actor: maybe, consistency: maybe });

/** Accuracies in percent. */
export const accuraciesSchema = z.object({
  action: maybe,
  actor: maybe,
  combined: maybe,
  /** Constrained decoding (the best valid pair among step 1's top-k actions). */
  combinedConstrained: maybe.optional(),
});

/** Validation results of one model (the live weights or their EMA). */
export const validationResultSchema = z.object({ loss: lossTermsSchema, acc: accuraciesSchema, clips: z.number().int().nonnegative() });

/** One epoch. */
export const epochRecordSchema = z.object({
  /** 1-based epoch number. */
  epoch: z.number().int().positive(),
  /** Optimizer updates done at the end of the epoch. */
  globalStep: z.number().int().nonnegative(),
  /** Learning rate of the epoch's first and last update. */
  lr: z.object({ first: z.number(), last: z.number() }),
  train: z.object({ loss: lossTermsSchema, acc: accuraciesSchema, clips: z.number().int().nonnegative() }),
  /** Null on epochs without validation (`train.evalEvery`). */
  val: validationResultSchema.nullable(),
  /** The EMA weights on the validation split, when `train.ema.enabled`. */
  valEma: validationResultSchema.nullable(),
  /** Training clips per second over the epoch (wall clock, data loading included). */
  clipsPerSecond: z.number(),
  /** Fraction of the training time spent waiting for the next batch. */
  dataWaitFraction: z.number(),
  seconds: z.number(),
  /** Resident set size at the end of the epoch, MiB. */
  rssMiB: z.number(),
  /** tf.memory().numTensors on the main thread at the end of the epoch. */
  tensors: z.number().int(),
  /** Videos skipped so far (cannot be decoded). */
  skippedVideos: z.number().int().nonnegative(),
  /** Steps skipped for non-finite gradients in this epoch. */
  nonFiniteSteps: z.number().int().nonnegative(),
  /** Gradient global norm before clipping: mean and max over the epoch's updates. */
  gradNorm: z.object({ mean: maybe, max: maybe }),
});

/** One epoch's record. */
export type EpochRecord = z.infer<typeof epochRecordSchema>;
/** Loss terms of a record. */
export type LossTerms = z.infer<typeof lossTermsSchema>;
/** Accuracies of a record. */
export type Accuracies = z.infer<typeof accuraciesSchema>;
/** Validation block of a record. */
export type ValidationResult = z.infer<typeof validationResultSchema>;

/** Parses `metrics.jsonl` text; a bad line is a `DatasetError` naming `file:line: field`. */
export function parseEpochRecords(text: string, file: string): EpochRecord[] {
  return text
    .split('\n')
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, number }) => {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (error) {
        throw new DatasetError(file, `not valid JSON: ${(error as Error).message}`, number);
      }
      const parsed = epochRecordSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new DatasetError(file, issue?.message ?? 'invalid', number, issue?.path.join('.'));
      }
      return parsed.data;
    });
}
