/** Options of `synth:generate`, validated with zod; a bad value fails naming the option and what was expected. */
import { parseConfig } from '@a2d/core';
import { z } from 'zod';
import { DATASET_SIZE_NAMES, type DatasetSize } from './dataset-size';
import { difficultySchema } from './difficulty';

/** The options schema; unknown options are rejected (a typo must not silently fall back to a default). */
export const generateOptionsSchema = z.strictObject({
  /** Dataset size preset. */
  size: z.enum(DATASET_SIZE_NAMES as [DatasetSize, ...DatasetSize[]]).default('medium'),
  /** How much confusion the scenes hold (`difficulty.ts`): `easy` shows learning in minutes, `hard` is the benchmark. */
  difficulty: difficultySchema.default('easy'),
  /** Output folder: gets `videoset.csv` and `clips320H/`. */
  out: z.string().min(1, 'expected a folder path').default('data/a2d-synth'),
  /** Seed of everything random: same seed, same dataset. */
  seed: z.number().int().nonnegative().default(0),
  /** Clips encoded in parallel (one ffmpeg process each). */
  workers: z.number().int().min(1).max(32).default(2),
});

/** Validated generation options. */
export type GenerateOptions = z.output<typeof generateOptionsSchema>;

/** Validates raw options (from code or the command line); throws `ConfigError` naming each bad option. */
export function parseGenerateOptions(raw: unknown, source = 'synth:generate options'): GenerateOptions {
  return parseConfig(generateOptionsSchema, raw, source);
}
