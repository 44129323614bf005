/**
 * `npx nx run trainer:train [--experiment-name=X] [--resume] [--config=file.json] [--epochs=N] [--print-config] ...`
 * (also the original spec's `--mode train --experiment-name X [--resume]`; `-- --help` lists every flag and config key). With no arguments: generates the
 * default synthetic dataset into data/a2d-synth when it is missing, trains the default CPU model, and prints
 * where the run is and its validation and test accuracies. Ctrl-C (SIGINT) or SIGTERM saves a resumable
 * checkpoint, prints how to continue and exits 130 (143); `--resume` continues with the run's saved config.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  a2dConfigSchema,
  booleanFlag,
  ConfigError,
  loadConfig,
  parseCommandLine,
  runCommandLine,
  stringFlag,
  type A2dConfig,
} from '@a2d/core';
import { initEngine } from '@a2d/engine';
import { describeSynth, DIFFICULTY_NAMES, generateDataset, parseGenerateOptions, readSynthManifest, sameSynth, DATASET_SIZE_NAMES } from '@a2d/synth';
import {
  defaultExperimentName,
  EventFileWriter,
  experimentPaths,
  ProgressReporter,
  runTraining,
  evaluateExperiment,
  experimentToResume,
  type TrainingRunResult,
} from '@a2d/training';
import { createInterruptHandler, signalExitCode } from './interrupt';

const flagsSchema = z.object({
  config: stringFlag().optional().describe('JSON config file: over the defaults, under A2D_* variables and the command line').meta({ placeholder: 'file.json' }),
  experimentName: stringFlag()
    .optional()
    .describe("the run's folder in experiment.dir (default: <model.kind>-<date>-<time>); with --resume, the run to continue")
    .meta({ placeholder: 'name' }),
  resume: booleanFlag().default(false).describe("continue the named run from its newest intact checkpoint, on its saved config (flags given now change it)"),
  force: booleanFlag().default(false).describe('with --resume: continue even though the config or dataset differs from the saved run'),
  mode: z
    .enum(['train'], { message: "expected 'train' (use evaluator:test for --mode test)" })
    .optional()
    .describe("the original spec's form (--mode train --experiment-name <name>); the same as leaving it out"),
  quiet: booleanFlag().default(false).describe('no progress bar or routine lines: one line per epoch, and warnings'),
  skipTest: booleanFlag().default(false).describe('do not evaluate the best checkpoint on the test split after training'),
  printConfig: booleanFlag()
    .default(false)
    .describe('print the resolved config as JSON (with --resume: over the saved one) and exit; nothing is written or generated'),
  synthSize: z
    .enum(DATASET_SIZE_NAMES as [string, ...string[]])
    .default('medium')
    .describe('size of the synthetic dataset generated into the default data.root when it is missing'),
  synthDifficulty: z.enum(DIFFICULTY_NAMES as [string, ...string[]]).default('easy').describe('difficulty of that synthetic dataset'),
});

const ALIASES = {
  backend: 'engine.backend',
  epochs: 'train.epochs',
  batchSize: 'data.loader.batchSize',
  lr: 'train.optimizer.lr',
  backbone: 'model.backbone',
  root: 'data.root',
  workers: 'train.workers',
  seed: 'seed',
  experimentsDir: 'experiment.dir',
};

/** The trainer's command line: its own flags and the aliases of config paths (every other `--a.b=x` is a config path). */
export const TRAIN_COMMAND_LINE = {
  name: 'trainer:train',
  summary:
    'trains the two-step model and evaluates its best checkpoint on the test split (no arguments: the default CPU run, ' +
    'generating the synthetic dataset into data/a2d-synth when it is missing); Ctrl-C saves a resumable checkpoint',
  flags: flagsSchema,
  aliases: ALIASES,
};

/** Where the default dataset goes when the config names no other root. */
const DEFAULT_ROOT = a2dConfigSchema.parse({}).data.root;

/**
 * Generates the synthetic dataset into the default root when it is missing. A default root that holds another
 * synthetic dataset than the one asked for (or one without `synth.json`, from an earlier version) is refused
 * with the fix, rather than trained on silently. Other roots are the user's: the loader reports their problems.
 */
export async function ensureDataset(
  config: A2dConfig,
  wanted: { size: string; difficulty: string },
  log: (line: string) => void,
  defaultRoot: string = DEFAULT_ROOT,
): Promise<void> {
  if (path.resolve(config.data.root) !== path.resolve(defaultRoot)) return;
  const options = parseGenerateOptions({ size: wanted.size, difficulty: wanted.difficulty, out: config.data.root, seed: 0 });
  const videoset = path.join(config.data.root, config.data.videosetFile);
  const manifest = await readSynthManifest(config.data.root);
  if (existsSync(videoset)) {
    if (manifest && sameSynth(manifest, options)) return;
    const holds = manifest ? `the synthetic dataset ${describeSynth(manifest)}` : 'a dataset without synth.json (from an earlier version, or not synthetic)';
    throw new ConfigError(
      [
        {
          path: 'data.root',
          message: `${config.data.root} holds ${holds}, not ${describeSynth(options)}: delete the folder to regenerate it, pass --synth-size/--synth-difficulty to match it, or --root=<another folder>`,
        },
      ],
      'command line',
    );
  }
  log(`data: ${videoset} not found: generating the synthetic A2D dataset ${describeSynth(options)} into ${config.data.root} (once; later runs reuse it)`);
  let last = 0;
  const summary = await generateDataset(options, {
    onProgress: (p) => {
      const now = performance.now();
      if (p.done === p.total || now - last > 5000) {
        last = now;
        log(`data: ${p.done}/${p.total} clips`);
      }
    },
  });
  log(`data: generated ${summary.clips} clips in ${summary.seconds.toFixed(0)}s`);
}

/** Where the experiments go by default (`--experiments-dir` / `experiment.dir`). */
const DEFAULT_EXPERIMENTS_DIR = a2dConfigSchema.parse({}).experiment.dir;

/** The command that continues run `name` (its saved config is used, so nothing else needs repeating). */
export function resumeCommand(name: string, experimentsDir: string): string {
  const dir = path.resolve(experimentsDir) === path.resolve(DEFAULT_EXPERIMENTS_DIR) ? '' : ` --experiments-dir=${experimentsDir}`;
  return `npx nx run trainer:train --experiment-name=${name}${dir} --resume`;
}

/** How the process around `runTrainCommand` follows the run (its signal handling). */
export interface TrainCommandHooks {
  /** Aborted on Ctrl-C / SIGTERM, with the signal's name as its `reason`. */
  signal?: AbortSignal;
  /** The run's folder is known: `name` is the experiment, `continueWith` the command that resumes it. */
  onExperiment?: (name: string, continueWith: string) => void;
  /** Training has ended and is saved; what follows (the test evaluation) has nothing to save. */
  onTrainingDone?: () => void;
}

/**
 * Runs the command; returns the exit code. Aborting `hooks.signal` (Ctrl-C, SIGTERM) saves a resumable checkpoint,
 * prints how to continue and returns 128 + the signal's number (130 for SIGINT).
 */
export async function runTrainCommand(argv: readonly string[], env: NodeJS.ProcessEnv, hooks: TrainCommandHooks = {}): Promise<number> {
  const { signal } = hooks;
  const { flags, overrides } = parseCommandLine(argv, TRAIN_COMMAND_LINE, { env });
  if (typeof flags.config === 'string' && !existsSync(flags.config)) {
    throw new ConfigError([{ path: '--config', message: `file not found: ${flags.config}` }], 'command line');
  }
  if (flags.experimentName) overrides.experiment = { ...(overrides.experiment as object | undefined), name: flags.experimentName };
  let config = loadConfig(a2dConfigSchema, { file: flags.config, env, overrides });
  const log = (line: string) => console.log(line);
  const warn = (line: string) => console.warn(`warning: ${line}`);
  if (flags.resume) {
    if (!config.experiment.name) throw new ConfigError([{ path: '--resume', message: 'needs --experiment-name (which run to continue)' }], 'command line');
    // A resume continues the saved run: its config is the base, and only what is given now is changed (and checked).
    const paths = experimentPaths(config.experiment.dir, config.experiment.name);
    const saved = experimentToResume(paths);
    config = loadConfig(a2dConfigSchema, { base: { name: paths.config, tree: saved.config }, file: flags.config, env, overrides });
  }
  if (flags.printConfig) {
    // Before the dataset, the engine and the run folder: printing the config must leave no trace.
    console.log(JSON.stringify(config, null, 2));
    return 0;
  }
  if (!flags.resume) await ensureDataset(config, { size: flags.synthSize, difficulty: flags.synthDifficulty }, log);

  const name = config.experiment.name ?? defaultExperimentName(config);
  const paths = experimentPaths(config.experiment.dir, name);
  const engine = await initEngine({ backend: config.engine.backend, log });
  log(`experiment: ${paths.root}`);
  hooks.onExperiment?.(name, resumeCommand(name, config.experiment.dir));
  const progress = new ProgressReporter(process.stderr, { quiet: flags.quiet });
  const result: TrainingRunResult = await runTraining({
    config,
    name,
    paths,
    engine,
    resume: flags.resume,
    force: flags.force,
    log,
    warn,
    progress,
    scalars: (dir) => new EventFileWriter(dir),
    signal,
  });
  if (result.interrupted) {
    log(`stopped; continue with: ${resumeCommand(name, config.experiment.dir)}`);
    return signalExitCode(typeof signal?.reason === 'string' ? (signal.reason as NodeJS.Signals) : 'SIGINT');
  }
  hooks.onTrainingDone?.();
  const best = result.best;
  log(`done: ${result.epochs} epochs (${result.stopReason ?? 'complete'}); run folder ${paths.root}`);
  const validated = result.history.some((record) => record.val !== null);
  if (best && validated) log(`best validation combined accuracy ${best.valCombined.toFixed(2)}% at epoch ${best.epoch} (checkpoints/best)`);
  else if (best) log(`no validation split: checkpoints/best is the last epoch (${best.epoch})`);
  if (result.skippedVideos > 0) warn(`${result.skippedVideos} videos could not be decoded and were skipped (listed in ${paths.skippedVideos})`);
  if (!flags.skipTest) {
    const evaluation = await evaluateExperiment({ experimentDir: paths.root, split: 'test', log, progress: new ProgressReporter(process.stderr, { quiet: flags.quiet }) });
    const m = evaluation.metrics;
    log(
      `test (${m.num_clips} videos, best checkpoint): action ${m.action_acc.toFixed(2)}% actor ${m.actor_acc.toFixed(2)}% ` +
        `combined ${m.combined_acc.toFixed(2)}% (constrained ${m.constrained_combined_acc?.toFixed(2) ?? '-'}%) -> ${evaluation.resultsDir}`,
    );
  }
  return 0;
}

if (require.main === module) {
  const controller = new AbortController();
  let experiment = { name: '<name>', continueWith: 'the same command with --resume' };
  let trainingDone = false;
  const interrupts = createInterruptHandler({
    onInterrupt: (name) => {
      if (trainingDone) {
        console.error(`trainer:train: ${name}: training is complete and saved; stopping the test evaluation (run it with: npx nx run evaluator:test --experiment-name=${experiment.name})`);
        process.exit(signalExitCode(name));
      }
      console.error(`trainer:train: ${name}: saving a resumable checkpoint after the current step (Ctrl-C again, after a moment, to exit at once without it)`);
      controller.abort(name);
    },
    onForceExit: (name, code) => {
      console.error(`trainer:train: ${name} again: exiting now; the last complete checkpoint is kept (continue with: ${experiment.continueWith})`);
      process.exit(code);
    },
  });
  process.on('SIGINT', () => interrupts.handle('SIGINT'));
  process.on('SIGTERM', () => interrupts.handle('SIGTERM'));
  void runCommandLine(TRAIN_COMMAND_LINE, () =>
    runTrainCommand(process.argv.slice(2), process.env, {
      signal: controller.signal,
      onExperiment: (name, continueWith) => (experiment = { name, continueWith }),
      onTrainingDone: () => (trainingDone = true),
    }),
  ).then((code) => {
    // Worker threads and ffmpeg children are stopped by now; exit promptly with the command's code.
    process.exit(code);
  });
}
