/**
 * The folder of one run, `<experiment.dir>/<name>/`: `config.json` (the resolved config, the engine that ran it
 * and the hash that guards resumes), `checkpoints/`, `metrics.jsonl` (one record per epoch), `tensorboard/`,
 * `skipped-videos.json`, `results/` (evaluation), `plots/` (reporter) and `viewer/` (viewer:build). Every file
 * name lives in `experimentPaths` (results in `evaluationResultFiles`), so writers and readers cannot disagree.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { a2dConfigSchema, ConfigError, DatasetError, parseJsonText, writeJsonAtomic, type A2dConfig } from '@a2d/core';

/** The split an evaluation ran on; it names the result files (`val_` ones never overwrite the test results). */
export type EvaluationSplit = 'test' | 'val';

/** The files one evaluation of a split writes into a results folder. */
export interface EvaluationResultFiles {
  /** `<split>_predictions.csv`: one row per video, the reference layout. */
  predictions: string;
  /** `metrics.json` for the test split (the name the reporter and viewer read), `val_metrics.json` for val. */
  metrics: string;
  /** `action_classification_report.csv` (`val_` prefixed for val), scikit-learn's CSV layout. */
  actionReport: string;
  /** `actor_classification_report.csv` (`val_` prefixed for val). */
  actorReport: string;
}

/** The result files of an evaluation of `split` written into `resultsDir` (an experiment's `results/` or `--out`). */
export function evaluationResultFiles(resultsDir: string, split: EvaluationSplit): EvaluationResultFiles {
  const prefix = split === 'test' ? '' : 'val_';
  return {
    predictions: path.join(resultsDir, `${split}_predictions.csv`),
    metrics: path.join(resultsDir, `${prefix}metrics.json`),
    actionReport: path.join(resultsDir, `${prefix}action_classification_report.csv`),
    actorReport: path.join(resultsDir, `${prefix}actor_classification_report.csv`),
  };
}

/** Every path of an experiment folder. */
export interface ExperimentPaths {
  root: string;
  /** `config.json`. */
  config: string;
  checkpoints: string;
  /** `checkpoints/best`: the checkpoint the evaluator, `evaluator:predict` and the viewer use by default. */
  bestCheckpoint: string;
  /** `metrics.jsonl`: one epoch record per line (not the evaluation's `metrics.json`, see `resultFiles`). */
  metrics: string;
  tensorboard: string;
  /** `skipped-videos.json` (see `skipped-videos.ts`). */
  skippedVideos: string;
  /** `results/`: what `evaluateExperiment` writes. */
  results: string;
  /** The files in `results/` of each split's evaluation. */
  resultFiles: Record<EvaluationSplit, EvaluationResultFiles>;
  plots: string;
  /** `viewer/`: the default `viewer:build` output. */
  viewer: string;
}

/** The paths of experiment `name` under `dir`. */
export function experimentPaths(dir: string, name: string): ExperimentPaths {
  const root = path.join(dir, name);
  const results = path.join(root, 'results');
  const checkpoints = path.join(root, 'checkpoints');
  return {
    root,
    config: path.join(root, 'config.json'),
    checkpoints,
    bestCheckpoint: path.join(checkpoints, 'best'),
    metrics: path.join(root, 'metrics.jsonl'),
    tensorboard: path.join(root, 'tensorboard'),
    skippedVideos: path.join(root, 'skipped-videos.json'),
    results,
    resultFiles: { test: evaluationResultFiles(results, 'test'), val: evaluationResultFiles(results, 'val') },
    plots: path.join(root, 'plots'),
    viewer: path.join(root, 'viewer'),
  };
}

/** A default experiment name from the model kind and the start time: `two-step-20261129-201500`. */
export function defaultExperimentName(config: A2dConfig, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${config.model.kind}-${stamp}`;
}

/**
 * Config paths that do not change what is trained (where files are, how fast they are read, how long to wait),
 * so a resume may differ in them.
 */
const IGNORED_FOR_RESUME = [
  'experiment',
  'engine',
  'data.root',
  'data.decode.cacheDir',
  'data.decode.workers',
  'data.decode.threads',
  'data.decode.timeoutSeconds',
  'data.loader.prefetch',
  'data.loader.thread',
  'train.workerTimeoutSeconds',
  'train.workerGcEvery',
  'train.checkpoint',
  'train.evalEvery',
  'train.earlyStopping',
];

function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const key of Object.keys(value).sort()) flatten((value as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key, out);
  } else {
    out[prefix] = JSON.stringify(value);
  }
  return out;
}

function resumeRelevant(config: A2dConfig): Record<string, string> {
  const flat = flatten(config);
  return Object.fromEntries(
    Object.entries(flat).filter(([key]) => !IGNORED_FOR_RESUME.some((ignored) => key === ignored || key.startsWith(`${ignored}.`))),
  );
}

/** SHA-256 of the config fields that decide what is trained (see `IGNORED_FOR_RESUME`). */
export function trainingConfigHash(config: A2dConfig): string {
  return createHash('sha256').update(JSON.stringify(resumeRelevant(config))).digest('hex');
}

/** The fields (dotted paths) in which two configs differ for training, with both values. */
export function configDifferences(saved: A2dConfig, current: A2dConfig): { path: string; saved: string; current: string }[] {
  const a = resumeRelevant(saved);
  const b = resumeRelevant(current);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((key) => a[key] !== b[key]).map((key) => ({ path: key, saved: a[key] ?? '(absent)', current: b[key] ?? '(absent)' }));
}

/** Which dataset a run trained on: where it is and what its `videoset.csv` holds (a resume must use the same). */
export const datasetIdentitySchema = z.object({
  /** The dataset folder, absolute. */
  root: z.string(),
  videosetFile: z.string(),
  /** Videos listed in the videoset file. */
  rows: z.number().int().nonnegative(),
  /** SHA-256 of the videoset file's bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** A dataset's identity (see `datasetIdentitySchema`). */
export type DatasetIdentity = z.infer<typeof datasetIdentitySchema>;

/** The identity of the dataset at `root` whose videoset file lists `rows` videos. */
export async function datasetIdentity(root: string, videosetFile: string, rows: number): Promise<DatasetIdentity> {
  const bytes = await readFile(path.join(root, videosetFile));
  return { root: path.resolve(root), videosetFile, rows, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** How two dataset identities differ, one phrase per difference (empty when they are the same dataset). */
export function datasetDifferences(saved: DatasetIdentity, current: DatasetIdentity): string[] {
  const out: string[] = [];
  if (saved.root !== current.root) out.push(`data.root (saved ${saved.root}, now ${current.root})`);
  if (saved.rows !== current.rows || saved.sha256 !== current.sha256) {
    out.push(
      `${current.videosetFile} (saved ${saved.rows} videos, sha256 ${saved.sha256.slice(0, 12)}; now ${current.rows} videos, sha256 ${current.sha256.slice(0, 12)})`,
    );
  }
  return out;
}

/** `config.json` of an experiment. */
export const experimentConfigFileSchema = z.object({
  format: z.literal('a2d-experiment'),
  version: z.literal(1),
  name: z.string(),
  createdAt: z.string(),
  configHash: z.string(),
  /** The resolved config (validated again on read). */
  config: z.unknown(),
  /** The backend and how training ran (workers), as the trainer recorded them. */
  engine: z.record(z.string(), z.unknown()),
  trainer: z.object({
    workers: z.number().int().positive(),
    mode: z.string(),
    /** `synchronized`: batch norm used the whole batch's statistics in every replica; absent in older runs, whose workers each used their own shard's. */
    batchNorm: z.literal('synchronized').optional(),
  }),
  /** The dataset trained on (absent in runs saved before it was recorded). */
  dataset: datasetIdentitySchema.optional(),
});

/** `config.json` contents. */
export type ExperimentConfigFile = z.infer<typeof experimentConfigFileSchema> & { config: A2dConfig };

/** Reads an experiment's `config.json`; a missing or invalid file is a `DatasetError` naming it. */
export function readExperimentConfig(file: string): ExperimentConfigFile {
  if (!existsSync(file)) throw new DatasetError(file, 'not found (no such experiment, or it never started)');
  const parsed = experimentConfigFileSchema.safeParse(parseJsonText(readFileSync(file, 'utf8'), file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DatasetError(file, issue?.message ?? 'invalid', undefined, issue?.path.join('.'));
  }
  let config: A2dConfig;
  try {
    config = a2dConfigSchema.parse(parsed.data.config);
  } catch (error) {
    if (error instanceof z.ZodError) {
      const issue = error.issues[0];
      throw new ConfigError([{ path: `config.${issue?.path.join('.') ?? ''}`, message: issue?.message ?? 'invalid' }], file);
    }
    throw error;
  }
  return { ...parsed.data, config };
}

/** Writes `config.json` atomically. */
export async function writeExperimentConfig(file: string, contents: ExperimentConfigFile): Promise<void> {
  await writeJsonAtomic(file, contents);
}

/** The experiment folders under `dir` (those with a `config.json`), sorted. */
export function listExperiments(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(experimentPaths(dir, entry.name).config))
    .map((entry) => entry.name)
    .sort();
}

/**
 * The saved `config.json` of the experiment at `paths`, to resume it; a `DatasetError` naming the folder, the
 * experiments that do exist and the fix when there is none (a typo must not start a new run).
 */
export function experimentToResume(paths: ExperimentPaths): ExperimentConfigFile {
  if (!existsSync(paths.config)) {
    const dir = path.dirname(paths.root);
    const known = listExperiments(dir);
    const shown = known.slice(0, 10).join(', ') + (known.length > 10 ? `, ... (${known.length} in all)` : '');
    throw new DatasetError(
      paths.root,
      `no experiment to resume here (no config.json)${known.length > 0 ? `; experiments in ${dir}: ${shown}` : `; ${dir} holds no experiments`}. ` +
        'Check --experiment-name (and --experiments-dir), or start the run without --resume',
    );
  }
  return readExperimentConfig(paths.config);
}

/** The folder of experiment `name` under `dir`; a `DatasetError` naming it (and what exists) when it is missing. */
export function findExperiment(dir: string, name: string): string {
  const { root: folder, config } = experimentPaths(dir, name);
  if (existsSync(config)) return folder;
  const known = listExperiments(dir);
  const shown = known.slice(0, 10).join(', ') + (known.length > 10 ? `, ... (${known.length} in all)` : '');
  const what = existsSync(folder) ? 'has no config.json (not an experiment, or its training never started)' : 'no such experiment';
  throw new DatasetError(folder, `${what}; ${known.length > 0 ? `experiments in ${dir}: ${shown}` : `${dir} holds no experiments (--experiments-dir?)`}`);
}
