/**
 * Everything the reporter reads from one experiment folder, each file through its own schema. A file that is
 * absent (not evaluated yet, no epoch finished yet) becomes a `MissingInput` naming the command that produces it;
 * a file that is present but invalid is a typed error naming it, and a missing folder is one.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError, experimentConfigSchema } from '@a2d/core';
import { readMetricsJson, type MetricsJson } from '@a2d/metrics';
import {
  evaluationSettingsSchema,
  experimentPaths,
  parseEpochRecords,
  readExperimentConfig,
  readSkippedVideos,
  type EpochRecord,
  type ExperimentConfigFile,
  type ExperimentPaths,
} from '@a2d/training';

/** The folder that holds experiments when `--experiments-dir` is not given (the config's `experiment.dir` default). */
export const DEFAULT_EXPERIMENTS_DIR: string = experimentConfigSchema.shape.dir.parse(undefined);

/** An input the report could not use because it does not exist yet, and what to run to produce it. */
export interface MissingInput {
  /** The file that is absent or empty. */
  file: string;
  /** `not found`, or `has no epochs yet` for an empty `metrics.jsonl`. */
  state: string;
  /** What the report lacks without it, e.g. `test metrics, confusion matrices`. */
  consequence: string;
  /** The command that writes it. */
  command: string;
}

/** A video left out of a run (from `skipped-videos.json` or the evaluation's own list). */
export interface SkippedVideoEntry {
  videoId: string;
  reason: string;
  split: 'train' | 'test';
}

/** One experiment folder, read. */
export interface ExperimentInputs {
  name: string;
  dir: string;
  paths: ExperimentPaths;
  /** `config.json`; null when absent. */
  config: ExperimentConfigFile | null;
  /** `metrics.jsonl`, one record per finished epoch (empty when absent or empty). */
  records: EpochRecord[];
  /** `results/metrics.json`; null before `evaluator:test`. */
  metrics: MetricsJson | null;
  /** `results/metrics.json` path. */
  metricsFile: string;
  skippedVideos: SkippedVideoEntry[];
  missing: MissingInput[];
}

/** The shell suffix that points a command at a non-default experiments folder. */
function experimentsDirFlag(dir: string): string {
  return path.normalize(dir) === DEFAULT_EXPERIMENTS_DIR ? '' : ` --experiments-dir=${dir}`;
}

/** `npx nx run evaluator:test --experiment-name=<name>` (plus `--experiments-dir` when not the default). */
export function evaluateCommand(name: string, dir: string): string {
  return `npx nx run evaluator:test --experiment-name=${name}${experimentsDirFlag(dir)}`;
}

/** `npx nx run evaluator:explain --experiment-name=<name> --split=<split>` (plus `--experiments-dir` when not the default). */
export function explainCommand(name: string, dir: string, split: 'test' | 'val'): string {
  return `npx nx run evaluator:explain --experiment-name=${name}${experimentsDirFlag(dir)} --split=${split}`;
}

/** `npx nx run trainer:train --experiment-name=<name> [--resume]` (plus `--experiments-dir` when not the default). */
export function trainCommand(name: string, dir: string, resume: boolean): string {
  return `npx nx run trainer:train --experiment-name=${name}${experimentsDirFlag(dir)}${resume ? ' --resume' : ''}`;
}

/** One line for the console and the report: `<file> not found: no <consequence>; run <command>`. */
export function describeMissing(missing: MissingInput): string {
  return `${missing.file} ${missing.state}: no ${missing.consequence}; run \`${missing.command}\` to produce it`;
}

/** Training videos the loader could not decode (`skipped-videos.json`, read through the trainer's own schema). */
async function trainingSkipped(file: string): Promise<SkippedVideoEntry[]> {
  return (await readSkippedVideos(file)).map((video) => ({ videoId: video.videoId, reason: video.reason, split: 'train' }));
}

/** Test videos the evaluation could not decode, when `metrics.json` lists them. */
function evaluationSkipped(metrics: MetricsJson): SkippedVideoEntry[] {
  // Read with the writer's own schema (metrics.json's `evaluation.skippedVideos`); a file without the list has none.
  const parsed = evaluationSettingsSchema.shape.skippedVideos.safeParse(metrics.evaluation.skippedVideos);
  if (!parsed.success) return [];
  return parsed.data.map((videoId) => ({ videoId, reason: 'could not be decoded during evaluation', split: 'test' }));
}

/** Experiments listed in the missing-folder error; the rest are counted. */
const EXPERIMENTS_LISTED = 10;

/** The experiment folders under `dir` (those with a `config.json`), sorted. */
export function listExperiments(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(experimentPaths(dir, entry.name).config))
    .map((entry) => entry.name)
    .sort();
}

function noSuchExperiment(dir: string, root: string): DatasetError {
  const known = listExperiments(dir);
  const shown = known.slice(0, EXPERIMENTS_LISTED).join(', ') + (known.length > EXPERIMENTS_LISTED ? `, ... (${known.length} in all)` : '');
  const where = known.length > 0 ? `experiments in ${dir}: ${shown}` : `${dir} holds no experiments (--experiments-dir?)`;
  return new DatasetError(root, `no such experiment folder; ${where}`);
}

/**
 * Reads experiment `name` under `dir`. Throws `DatasetError` when the folder does not exist or a present file is
 * invalid; absent files are listed in `missing`.
 */
export async function readExperimentInputs(dir: string, name: string): Promise<ExperimentInputs> {
  const paths = experimentPaths(dir, name);
  if (!existsSync(paths.root) || !statSync(paths.root).isDirectory()) {
    throw noSuchExperiment(dir, paths.root);
  }
  const missing: MissingInput[] = [];
  const config = existsSync(paths.config) ? readExperimentConfig(paths.config) : null;
  // Without config.json the trainer cannot resume, so the command starts the run instead.
  const train = trainCommand(name, dir, config !== null);
  if (!config) missing.push({ file: paths.config, state: 'not found', consequence: 'configuration, model kind or dataset statistics', command: train });

  let records: EpochRecord[] = [];
  if (existsSync(paths.metrics)) records = parseEpochRecords(await readFile(paths.metrics, 'utf8'), paths.metrics);
  if (records.length === 0) {
    missing.push({
      file: paths.metrics,
      state: existsSync(paths.metrics) ? 'has no epochs yet' : 'not found',
      consequence: 'training curves',
      command: train,
    });
  }

  const metricsFile = paths.resultFiles.test.metrics;
  const metrics = existsSync(metricsFile) ? await readMetricsJson(metricsFile) : null;
  if (!metrics) {
    missing.push({
      file: metricsFile,
      state: 'not found',
      consequence: 'test metrics, classification reports, confusion matrices or per-pair accuracy',
      command: evaluateCommand(name, dir),
    });
  }

  const skippedVideos = [...(await trainingSkipped(paths.skippedVideos)), ...(metrics ? evaluationSkipped(metrics) : [])];
  return { name, dir, paths, config, records, metrics, metricsFile, skippedVideos, missing };
}
