/**
 * `npx nx run evaluator:test --experiment-name=<name> [--experiments-dir=experiments] [--checkpoint=<folder>] [--ema]
 * [--views=N] [--crops=1|3] [--split=test|val] [--backend=...] [--root=<dataset dir>] [--quiet]` (also the original spec's
 * `--mode test --experiment-name <name>`). Evaluates the experiment's best checkpoint (verified against its
 * manifest) on the test split with multi-view two-step inference, writes `results/test_predictions.csv`,
 * `metrics.json` and both classification reports, and prints the accuracies, F1 scores, speed and warnings.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { booleanFlag, checkOutputPath, parseCommandLine, runCommandLine, stringFlag } from '@a2d/core';
import { initEngine } from '@a2d/engine';
import { evaluateExperiment, experimentPaths, ProgressReporter, type ExperimentEvaluation, type ProgressStream } from '@a2d/training';
import type { MetricsJson } from '@a2d/metrics';
import { experimentSelectionFlags, findExperiment } from './experiment-folder';

/** The usage printed after a command-line mistake. */
export const TEST_USAGE = [
  'usage: npx nx run evaluator:test --experiment-name=<name> [--experiments-dir=experiments] [--checkpoint=<folder>] [--ema]',
  '         [--views=<n>] [--crops=1|3] [--split=test|val] [--backend=<auto|native|wasm|cpu|tensorflow|tensorflow-gpu>] [--root=<dataset dir>] [--quiet]',
  '       original spec form: --mode test --experiment-name <name>',
].join('\n');

const testFlagsSchema = z.object({
  ...experimentSelectionFlags,
  mode: z.enum(['test'], { message: "expected 'test' (to train, use: npx nx run trainer:train --experiment-name=<name>)" }).optional(),
  split: z.enum(['test', 'val'], { message: "expected 'test' or 'val'" }).default('test'),
  root: stringFlag().optional(),
  quiet: booleanFlag().default(false),
});

/** Where `runTestCommand` draws progress (default: a bar on stderr when it is a terminal). */
export interface TestCommandOptions {
  progressStream?: ProgressStream;
}

/** What `runTestCommand` did. */
export interface TestOutcome {
  evaluation: ExperimentEvaluation;
  /** Files written, in order. */
  written: string[];
}

/** The run figures `evaluateExperiment` records in `metrics.json`'s `evaluation` that the summary (and evaluator:bench) read. */
export const evaluationSettingsSchema = z.object({
  checkpoint: z.string(),
  weights: z.enum(['live', 'ema']),
  split: z.enum(['test', 'val']),
  views: z.number(),
  crops: z.number().default(1),
  backend: z.string(),
  seconds: z.number(),
  clipsPerSecond: z.number(),
  /** Seconds to the end of the first batch (its warm-up included); absent in results written before it was recorded. */
  firstBatchSeconds: z.number().nullable().default(null),
  /** Clips per second after the first batch; null with a single batch. */
  steadyClipsPerSecond: z.number().nullable().default(null),
});

const percent = (value: number | null): string => (value === null ? 'unavailable' : `${value.toFixed(2)} %`);
const score = (value: number | null): string => (value === null ? 'unavailable' : value.toFixed(4));

/** The files an evaluation of `split` writes into `resultsDir` (reports only when they could be computed). */
export function evaluationFiles(resultsDir: string, split: 'test' | 'val', metrics: MetricsJson): string[] {
  const reportPrefix = split === 'test' ? '' : 'val_';
  return [
    `${split}_predictions.csv`,
    split === 'test' ? 'metrics.json' : 'val_metrics.json',
    ...(metrics.action_report ? [`${reportPrefix}action_classification_report.csv`] : []),
    ...(metrics.actor_report ? [`${reportPrefix}actor_classification_report.csv`] : []),
  ].map((name) => path.join(resultsDir, name));
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
  const { flags } = parseCommandLine(argv, { flags: testFlagsSchema, configOverrides: false });
  const experimentDir = findExperiment(flags.experimentsDir, flags.experimentName);
  // The results folder is checked before the evaluation, not when its first file is written.
  checkOutputPath(experimentPaths(flags.experimentsDir, flags.experimentName).results, 'folder');
  const progress = new ProgressReporter(options.progressStream ?? process.stderr, { quiet: flags.quiet });
  try {
    await initEngine({ backend: flags.backend, log: (line) => progress.log(line) });
    const evaluation = await evaluateExperiment({
      experimentDir,
      checkpoint: flags.checkpoint,
      ema: flags.ema,
      split: flags.split,
      views: flags.views,
      crops: flags.crops as 1 | 3 | undefined,
      dataRoot: flags.root,
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
  void runCommandLine('evaluator:test', TEST_USAGE, async () => {
    await runTestCommand(process.argv.slice(2), (text) => process.stdout.write(text));
  }).then((code) => {
    // tfjs (wasm threads) and ffmpeg children are done; exit promptly with the command's code.
    process.exit(code);
  });
}
