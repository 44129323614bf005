/**
 * `npx nx run evaluator:predict --experiment-name=<name> --video=<file> [--video=<file> ...] [--checkpoint=<folder>]
 * [--ema] [--views=N] [--crops=1|3] [--backend=...] [--json]`
 * Prints, per file, the plain sequential prediction (step 1's action and p, step 2's actor given it and p), the
 * constrained pair with its joint score, and the top-3 actions, sampled and decoded exactly as `evaluator:test`
 * does for a test video. A file that cannot be read gets one error line (or entry); the others still get their
 * predictions, and the exit code is 1.
 */
import { z } from 'zod';
import { A2dError, ACTORS, booleanFlag, listFlag, parseCommandLine, runCommandLine, VIDEO_ACTIONS } from '@a2d/core';
import { currentBackend, initEngine } from '@a2d/engine';
import { experimentSelectionFlags, findExperiment } from './experiment-folder';
import { VideoFilePredictor, type PairPrediction, type PredictorSettings, type VideoFilePrediction } from './video-file-predictor';

/** The usage printed after a command-line mistake. */
export const PREDICT_USAGE = [
  'usage: npx nx run evaluator:predict --experiment-name=<name> --video=<file> [--video=<file> ...] [--experiments-dir=experiments]',
  '         [--checkpoint=<folder>] [--ema] [--views=<n>] [--crops=1|3] [--backend=<auto|native|wasm|cpu|tensorflow|tensorflow-gpu>] [--json]',
].join('\n');

const predictFlagsSchema = z.object({
  ...experimentSelectionFlags,
  video: listFlag(),
  json: booleanFlag().default(false),
});

const probability = z.number().min(0).max(1);
const pairSchema = z.object({
  action: z.enum(VIDEO_ACTIONS as [string, ...string[]]),
  actionProbability: probability,
  actor: z.enum(ACTORS),
  actorProbability: probability,
  jointScore: probability,
});

/** One file's entry in the `--json` output: its prediction, or why it has none. */
export const predictedFileSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    file: z.string(),
    videoId: z.string(),
    frames: z.number().int().positive(),
    views: z.number().int().positive(),
    plain: pairSchema,
    constrained: pairSchema,
    topActions: z.array(z.object({ action: z.enum(VIDEO_ACTIONS as [string, ...string[]]), probability })),
    actionProbs: z.array(probability).length(VIDEO_ACTIONS.length),
    actorTable: z.array(z.array(probability).length(ACTORS.length)).length(VIDEO_ACTIONS.length),
    warnings: z.array(z.string()),
    milliseconds: z.number().nonnegative(),
  }),
  z.object({ ok: z.literal(false), file: z.string(), error: z.string() }),
]);

/** The `--json` output: what ran, then one entry per `--video`, in order. */
export const predictJsonSchema = z.object({
  experiment: z.string(),
  checkpoint: z.string(),
  weights: z.enum(['live', 'ema']),
  modelKind: z.enum(['two-step', 'one-step']),
  views: z.number().int().positive(),
  constrainedTopK: z.number().int().positive(),
  backend: z.string(),
  modelLoadMilliseconds: z.number().nonnegative(),
  files: z.array(predictedFileSchema),
});

/** The `--json` output of `evaluator:predict`. */
export type PredictJson = z.infer<typeof predictJsonSchema>;

/** One file's outcome. */
export type PredictedFile = ({ ok: true } & VideoFilePrediction) | { ok: false; file: string; error: string };

/** What `runPredictCommand` did. */
export interface PredictOutcome {
  settings: PredictorSettings;
  files: PredictedFile[];
  /** 0 when every file got a prediction, 1 otherwise. */
  exitCode: number;
}

/** Where `runPredictCommand` reports the backend it chose (default: stderr). */
export interface PredictCommandOptions {
  log?: (line: string) => void;
}

const p = (value: number): string => value.toFixed(4);

function formatPair(label: string, pair: PairPrediction): string {
  return `  ${label} ${pair.action} (p ${p(pair.actionProbability)}) -> ${pair.actor} (p(actor|action) ${p(pair.actorProbability)}), joint ${p(pair.jointScore)}`;
}

/** The printed lines of one file's outcome. */
export function formatPredictedFile(outcome: PredictedFile, settings: PredictorSettings): string {
  if (!outcome.ok) return `error: ${outcome.error}\n`;
  const lines = [
    `${outcome.file} (${outcome.frames} frames, ${outcome.views} view${outcome.views === 1 ? '' : 's'}): ${outcome.milliseconds.toFixed(0)} ms`,
    settings.modelKind === 'two-step' ? formatPair('sequential ', outcome.plain) : formatPair('best pair  ', outcome.plain),
    formatPair('constrained', outcome.constrained) +
      (settings.modelKind === 'two-step' ? ` (best valid pair among the top-${settings.constrainedTopK} actions)` : ' (best valid pair)'),
    `  top-3 actions: ${outcome.topActions.map((entry) => `${entry.action} ${p(entry.probability)}`).join(', ')}`,
    ...outcome.warnings.map((warning) => `  warning: ${warning}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs the command; `print` receives the output. Command-line, experiment and checkpoint errors propagate. */
export async function runPredictCommand(argv: readonly string[], print: (text: string) => void, options: PredictCommandOptions = {}): Promise<PredictOutcome> {
  const { flags } = parseCommandLine(argv, { flags: predictFlagsSchema, configOverrides: false });
  const experimentDir = findExperiment(flags.experimentsDir, flags.experimentName);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await initEngine({ backend: flags.backend, log });
  const loadStarted = performance.now();
  const predictor = await VideoFilePredictor.open({ experimentDir, checkpoint: flags.checkpoint, ema: flags.ema, views: flags.views, crops: flags.crops as 1 | 3 | undefined });
  const modelLoadMilliseconds = performance.now() - loadStarted;
  const { settings } = predictor;
  if (!flags.json) {
    print(
      `${settings.checkpoint} (${settings.modelKind}, ${settings.weights === 'ema' ? 'EMA' : 'live'} weights, ${settings.views} view(s) x ${settings.crops} crop(s) per file, ` +
        `${currentBackend()}): loaded in ${modelLoadMilliseconds.toFixed(0)} ms\n`,
    );
  }
  const files: PredictedFile[] = [];
  try {
    for (const file of flags.video) {
      let outcome: PredictedFile;
      try {
        outcome = { ok: true, ...(await predictor.predict(file)) };
      } catch (error) {
        if (!(error instanceof A2dError)) throw error;
        outcome = { ok: false, file, error: error.message };
      }
      files.push(outcome);
      if (!flags.json) print(formatPredictedFile(outcome, settings));
    }
  } finally {
    await predictor.close();
  }
  const predicted = files.filter((outcome): outcome is { ok: true } & VideoFilePrediction => outcome.ok);
  if (flags.json) {
    const json: PredictJson = predictJsonSchema.parse({
      experiment: experimentDir,
      checkpoint: settings.checkpoint,
      weights: settings.weights,
      modelKind: settings.modelKind,
      views: settings.views,
      constrainedTopK: settings.constrainedTopK,
      backend: currentBackend(),
      modelLoadMilliseconds,
      files,
    });
    print(`${JSON.stringify(json, null, 2)}\n`);
  } else if (files.length > 1 || predicted.length < files.length) {
    const mean = predicted.reduce((sum, outcome) => sum + outcome.milliseconds, 0) / Math.max(1, predicted.length);
    print(
      `${files.length} files: ${predicted.length} predicted, ${files.length - predicted.length} failed` +
        (predicted.length > 0 ? `; ${mean.toFixed(0)} ms per predicted file` : '') +
        '\n',
    );
  }
  return { settings, files, exitCode: predicted.length === files.length ? 0 : 1 };
}

if (require.main === module) {
  void runCommandLine('evaluator:predict', PREDICT_USAGE, async () => {
    const outcome = await runPredictCommand(process.argv.slice(2), (text) => process.stdout.write(text));
    return outcome.exitCode;
  }).then((code) => {
    // tfjs (wasm threads) and ffmpeg children are done; exit promptly with the command's code.
    process.exit(code);
  });
}
