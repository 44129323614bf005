/**
 * What `evaluator:test` and `evaluator:predict` share: the flags that pick an experiment, a checkpoint and its
 * weights, and finding the experiment's folder (a wrong name is one line listing the experiments that exist).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { booleanFlag, DatasetError, engineBackendSchema, experimentConfigSchema, numberFlag, stringFlag } from '@a2d/core';

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

/** The experiment folders under `dir` (those with a `config.json`), sorted. */
export function listExperiments(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'config.json')))
    .map((entry) => entry.name)
    .sort();
}

/** The folder of experiment `name` under `dir`; a `DatasetError` naming it (and what exists) when it is missing. */
export function findExperiment(dir: string, name: string): string {
  const folder = path.join(dir, name);
  if (existsSync(path.join(folder, 'config.json'))) return folder;
  const known = listExperiments(dir);
  const shown = known.slice(0, 10).join(', ') + (known.length > 10 ? `, ... (${known.length} in all)` : '');
  const what = existsSync(folder) ? 'has no config.json (not an experiment, or its training never started)' : 'no such experiment';
  throw new DatasetError(folder, `${what}; ${known.length > 0 ? `experiments in ${dir}: ${shown}` : `${dir} holds no experiments (--experiments-dir?)`}`);
}
