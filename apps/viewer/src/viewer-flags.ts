/** The flags `viewer:build` and `viewer:serve` share: which experiment, checkpoint and weights, and the output folder. */
import { booleanFlag, experimentConfigSchema, stringFlag } from '@a2d/core';

/** Flags of both commands. */
export const viewerFlags = {
  experimentName: stringFlag().pipe(experimentConfigSchema.shape.name.unwrap()),
  checkpoint: stringFlag().optional(),
  ema: booleanFlag().default(false),
  out: stringFlag().optional(),
};
