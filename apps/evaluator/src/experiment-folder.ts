/**
 * What `evaluator:test` and `evaluator:predict` share: the flags that pick an experiment, a checkpoint and its
 * weights, and finding the experiment's folder (a wrong name is one line listing the experiments that exist).
 */
import { booleanFlag, experimentConfigSchema, stringFlag } from '@a2d/core';

export { findExperiment, listExperiments } from '@a2d/training';

/**
 * Flags of both commands: which experiment, which checkpoint and weights (the experiments folder, views, crops and
 * backend are config keys: `experiment.dir`, `data.sampling.testViews`/`testCrops`, `engine.backend`, with shorthands).
 */
export const experimentSelectionFlags = {
  experimentName: stringFlag().pipe(experimentConfigSchema.shape.name.unwrap()),
  checkpoint: stringFlag().optional(),
  ema: booleanFlag().default(false),
};
