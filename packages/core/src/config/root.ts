/** The root of the config tree: every app parses its options through this one schema. */
import { z } from 'zod';
import { dataConfigSchema } from './data';
import { augmentConfigSchema } from './augment';
import { engineConfigSchema } from './engine';
import { lossConfigSchema } from './loss';
import { modelConfigSchema } from './model';
import { experimentConfigSchema, trainConfigSchema } from './train';

/**
 * The whole configuration; sections are added by the packages that own them. Every object in the tree is strict:
 * an unknown key (a typo such as `data.valFracton`) is an error naming it, never silently ignored.
 */
export const a2dConfigSchema = z.strictObject({
  /** Seed of every random choice of a run. */
  seed: z.number().int().nonnegative().default(0),
  data: dataConfigSchema.prefault({}),
  augment: augmentConfigSchema.prefault({}),
  engine: engineConfigSchema.prefault({}),
  loss: lossConfigSchema.prefault({}),
  model: modelConfigSchema.prefault({}),
  train: trainConfigSchema.prefault({}),
  experiment: experimentConfigSchema.prefault({}),
});

export type A2dConfig = z.infer<typeof a2dConfigSchema>;
