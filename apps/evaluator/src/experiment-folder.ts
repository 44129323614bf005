/**
 * What `evaluator:test` and `evaluator:predict` share: the flags that pick an experiment, a checkpoint and its
 * weights, and finding the experiment's folder (a wrong name is one line listing the experiments that exist).
 */
import { booleanFlag, engineBackendSchema, experimentConfigSchema, numberFlag, stringFlag } from '@a2d/core';

export { findExperiment, listExperiments } from '@a2d/training';

/** Flags of both commands: which experiment, which checkpoint and weights, how many views, which backend. */
export const experimentSelectionFlags = {
  experimentName: stringFlag().pipe(experimentConfigSchema.shape.name.unwrap()),
  experimentsDir: stringFlag().default(experimentConfigSchema.shape.dir.parse(undefined)),
  checkpoint: stringFlag().optional(),
  ema: booleanFlag().default(false),
  views: numberFlag()
    .refine((value) => Number.isInteger(value) && value > 0, { message: 'expected a positive whole number of clips per video' })
    .optional(),
  crops: numberFlag()
    .refine((value): value is 1 | 3 => value === 1 || value === 3, { message: 'expected 1 (centre) or 3 (three crops along the long side)' })
    .optional(),
  backend: engineBackendSchema.default('auto'),
};
