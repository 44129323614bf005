/**
 * `npx nx run evaluator:predict --experiment-name=<name> --video=<file> [--video=<file> ...] [--checkpoint=<folder>]
 * [--ema] [--views=N] [--crops=1|3] [--backend=...] [--json]` (views, crops and backend also from `A2D_*` variables)
 * Prints, per file, the plain sequential prediction (step 1's action and p, step 2's actor given it and p), the
 * constrained pair with its joint score, and the top-3 actions, sampled and decoded exactly as `evaluator:test`
 * does for a test video. A file that cannot be read gets one error line (or entry); the others still get their
 * predictions, and the exit code is 1.
 */
import { z } from 'zod';
import { A2dError, a2dConfigSchema, ACTORS, booleanFlag, givenConfigPaths, listFlag, loadConfig, parseCommandLine, runCommandLine, VIDEO_ACTIONS } from '@a2d/core';
import { currentBackend, initEngine } from '@a2d/engine';
import { VideoFilePredictor, type PairPrediction, type PredictorSettings, type VideoFilePrediction } from '@a2d/training';
import { experimentSelectionFlags, findExperiment } from './experiment-folder';

/** Where the settings the command line and the environment leave unset come from. */
const SAVED = "the checkpoint's saved config";

/**
 * evaluator:predict's command line. The checkpoint's saved config is the base: the environment (`A2D_*`) and the
 * command line change only what a prediction can change (views, crops, backend) and where experiments are.
 */
export const PREDICT_COMMAND_LINE = {
  name: 'evaluator:predict',
  summary:
    "classifies video files with an experiment's model: per file the sequential prediction, the constrained pair and the top-3 actions, " +
    'sampled and decoded as evaluator:test does',
  flags: z.object({
    experimentName: experimentSelectionFlags.experimentName.describe('the experiment: a folder of experiment.dir').meta({ placeholder: 'name' }),
    video: listFlag().describe('a video file to classify').meta({ placeholder: 'file' }),
    checkpoint: experimentSelectionFlags.checkpoint.describe('a checkpoint folder to use instead of <experiment>/checkpoints/best').meta({ placeholder: 'dir' }),
    ema: experimentSelectionFlags.ema.describe("use the checkpoint's EMA weights"),
    json: booleanFlag().default(false).describe('print one JSON document instead of text'),
  }),
  aliases: { experimentsDir: 'experiment.dir', backend: 'engine.backend', views: 'data.sampling.testViews', crops: 'data.sampling.testCrops' },
  configKeys: ['experiment.dir', 'engine.backend', { path: 'data.sampling.testViews', defaultFrom: SAVED }, { path: 'data.sampling.testCrops', defaultFrom: SAVED }],
  configHint: 'the videos are the --video=<file> flags (no dataset is read); the model and its other settings are the checkpoint\'s',
};

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
  /** Where `A2D_*` config variables are read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
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
  const env = options.env ?? process.env;
  const { flags, overrides } = parseCommandLine(argv, PREDICT_COMMAND_LINE, { env });
  const config = loadConfig(a2dConfigSchema, { env, overrides });
  // Settings neither the environment nor the command line gives stay the checkpoint's own.
  const given = givenConfigPaths({ env, overrides });
  const experimentDir = findExperiment(config.experiment.dir, flags.experimentName);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  await initEngine({ backend: config.engine.backend, log });
  const loadStarted = performance.now();
  const predictor = await VideoFilePredictor.open({
    experimentDir,
    checkpoint: flags.checkpoint,
    ema: flags.ema,
    views: given.has('data.sampling.testViews') ? config.data.sampling.testViews : undefined,
    crops: given.has('data.sampling.testCrops') ? config.data.sampling.testCrops : undefined,
  });
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
  void runCommandLine(PREDICT_COMMAND_LINE, async () => {
    const outcome = await runPredictCommand(process.argv.slice(2), (text) => process.stdout.write(text));
    return outcome.exitCode;
  }).then((code) => {
    // tfjs (wasm threads) and ffmpeg children are done; exit promptly with the command's code.
    process.exit(code);
  });
}
