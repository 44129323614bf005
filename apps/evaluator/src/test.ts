/**
 * `npx nx run evaluator:test --experiment-name=<name> [--experiments-dir=experiments] [--checkpoint=<folder>] [--ema]
 * [--views=N] [--crops=1|3] [--split=test|val] [--backend=...] [--root=<dataset dir>] [--quiet]` (also the original spec's
 * `--mode test --experiment-name <name>`; the dataset root, views, crops and backend also from `A2D_*` variables). Evaluates the experiment's best checkpoint (verified against its
 * manifest) on the test split with multi-view two-step inference, writes `results/test_predictions.csv`,
 * `metrics.json` and both classification reports, and prints the accuracies, F1 scores, speed and warnings.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { a2dConfigSchema, booleanFlag, checkOutputPath, givenConfigPaths, loadConfig, parseCommandLine, runCommandLine } from '@a2d/core';
import { initEngine } from '@a2d/engine';
import { evaluateExperiment, evaluationResultFiles, evaluationSettingsSchema, experimentPaths, ProgressReporter, type ExperimentEvaluation, type ProgressStream } from '@a2d/training';
import type { MetricsJson } from '@a2d/metrics';
import { experimentSelectionFlags, findExperiment } from './experiment-folder';

/** Where the settings the command line and the environment leave unset come from. */
const SAVED = "the experiment's saved config";

/**
 * evaluator:test's command line. The experiment's saved config is the base: the environment (`A2D_*`) and the
 * command line change only the settings an evaluation can change (the dataset's place, views, crops, backend).
 */
export const TEST_COMMAND_LINE = {
  name: 'evaluator:test',
  summary:
    "evaluates an experiment's best checkpoint on the test split (multi-view two-step inference), writes results/ " +
    '(predictions CSV, metrics.json, classification reports) and prints accuracies, F1 scores and speed',
  flags: z.object({
    experimentName: experimentSelectionFlags.experimentName.describe('the experiment: a folder of experiment.dir').meta({ placeholder: 'name' }),
    checkpoint: experimentSelectionFlags.checkpoint.describe('a checkpoint folder to evaluate instead of <experiment>/checkpoints/best').meta({ placeholder: 'dir' }),
    ema: experimentSelectionFlags.ema.describe("evaluate the checkpoint's EMA weights"),
    mode: z
      .enum(['test'], { message: "expected 'test' (to train, use: npx nx run trainer:train --experiment-name=<name>)" })
      .optional()
      .describe("the original spec's form (--mode test --experiment-name <name>); the same as leaving it out"),
    split: z.enum(['test', 'val'], { message: "expected 'test' or 'val'" }).default('test').describe('the split evaluated'),
    quiet: booleanFlag().default(false).describe('no progress bar or routine lines'),
  }),
  aliases: { experimentsDir: 'experiment.dir', backend: 'engine.backend', root: 'data.root', views: 'data.sampling.testViews', crops: 'data.sampling.testCrops' },
  configKeys: [
    'experiment.dir',
    'engine.backend',
    { path: 'data.root', defaultFrom: SAVED },
    { path: 'data.sampling.testViews', defaultFrom: SAVED },
    { path: 'data.sampling.testCrops', defaultFrom: SAVED },
  ],
  configHint: "the model and the other data settings are the checkpoint's saved config",
  notes: ["With no arguments at all (as `nx run-many -t test` runs every project's tests) evaluator:test runs this project's jest suite instead: npx nx run evaluator:spec"],
};

/** Where `runTestCommand` draws progress (default: a bar on stderr when it is a terminal). */
export interface TestCommandOptions {
  progressStream?: ProgressStream;
  /** Where `A2D_*` config variables are read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** What `runTestCommand` did. */
export interface TestOutcome {
  evaluation: ExperimentEvaluation;
  /** Files written, in order. */
  written: string[];
}


const percent = (value: number | null): string => (value === null ? 'unavailable' : `${value.toFixed(2)} %`);
const score = (value: number | null): string => (value === null ? 'unavailable' : value.toFixed(4));

/** The files an evaluation of `split` writes into `resultsDir` (reports only when they could be computed). */
export function evaluationFiles(resultsDir: string, split: 'test' | 'val', metrics: MetricsJson): string[] {
  const files = evaluationResultFiles(resultsDir, split);
  return [files.predictions, files.metrics, ...(metrics.action_report ? [files.actionReport] : []), ...(metrics.actor_report ? [files.actorReport] : [])];
}

/** The printed summary of an evaluation: what ran, accuracies, F1 scores, speed, warnings. */
export function formatEvaluationSummary(evaluation: ExperimentEvaluation): string {
  const { metrics } = evaluation;
  const settings = evaluationSettingsSchema.parse(metrics.evaluation);
  const clips = evaluation.videos.reduce((sum, video) => sum + video.views, 0);
  const lines = [
    `${settings.checkpoint}${settings.weights === 'ema' ? ' (EMA weights)' : ''} on the ${settings.split} split: ${metrics.num_clips} videos, ` +
      `${settings.views} view(s) x ${settings.crops} crop(s) each`,
    `  action   accuracy ${percent(metrics.action_acc)}  F1 weighted ${score(metrics.action_f1)}  macro ${score(metrics.action_f1_macro)}`,
    `  actor    accuracy ${percent(metrics.actor_acc)}  F1 weighted ${score(metrics.actor_f1)}  macro ${score(metrics.actor_f1_macro)}`,
    `  combined accuracy ${percent(metrics.combined_acc)}`,
    `  constrained combined accuracy ${percent(metrics.constrained_combined_acc)}` +
      (metrics.constrained_combined_acc === null ? ` (${metrics.unavailable.constrained_combined_acc})` : ''),
    `  ${clips} clips in ${settings.seconds.toFixed(1)} s: ${settings.clipsPerSecond.toFixed(1)} clips/s on ${settings.backend}` +
      (settings.steadyClipsPerSecond === null || settings.firstBatchSeconds === null
        ? ''
        : ` (${settings.steadyClipsPerSecond.toFixed(1)} clips/s after the first batch, which took ${settings.firstBatchSeconds.toFixed(2)} s with the warm-up)`),
  ];
  if (evaluation.skipped > 0) lines.push(`  ${evaluation.skipped} videos could not be decoded and are not scored`);
  lines.push(...metrics.warnings.map((warning) => `WARNING: ${warning}`));
  return `${lines.join('\n')}\n`;
}

/** Runs the command; `print` receives the summary. Our typed errors propagate to `runCommandLine`. */
export async function runTestCommand(argv: readonly string[], print: (text: string) => void, options: TestCommandOptions = {}): Promise<TestOutcome> {
  const env = options.env ?? process.env;
  const { flags, overrides } = parseCommandLine(argv, TEST_COMMAND_LINE, { env });
  const config = loadConfig(a2dConfigSchema, { env, overrides });
  // Settings neither the environment nor the command line gives stay the checkpoint's own.
  const given = givenConfigPaths({ env, overrides });
  const experimentsDir = config.experiment.dir;
  const experimentDir = findExperiment(experimentsDir, flags.experimentName);
  // The results folder is checked before the evaluation, not when its first file is written.
  checkOutputPath(experimentPaths(experimentsDir, flags.experimentName).results, 'folder');
  const progress = new ProgressReporter(options.progressStream ?? process.stderr, { quiet: flags.quiet });
  try {
    await initEngine({ backend: config.engine.backend, log: (line) => progress.log(line) });
    const evaluation = await evaluateExperiment({
      experimentDir,
      checkpoint: flags.checkpoint,
      ema: flags.ema,
      split: flags.split,
      views: given.has('data.sampling.testViews') ? config.data.sampling.testViews : undefined,
      crops: given.has('data.sampling.testCrops') ? config.data.sampling.testCrops : undefined,
      dataRoot: given.has('data.root') ? config.data.root : undefined,
      log: (line) => progress.log(line),
      progress,
    });
    print(formatEvaluationSummary(evaluation));
    const written = evaluationFiles(evaluation.resultsDir, flags.split, evaluation.metrics).filter((file) => existsSync(file));
    print(written.map((file) => `wrote ${file}\n`).join(''));
    return { evaluation, written };
  } finally {
    progress.stop();
  }
}

if (require.main === module) {
  void runCommandLine(TEST_COMMAND_LINE, async () => {
    await runTestCommand(process.argv.slice(2), (text) => process.stdout.write(text));
  }).then((code) => {
    // tfjs (wasm threads) and ffmpeg children are done; exit promptly with the command's code.
    process.exit(code);
  });
}
