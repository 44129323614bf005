/**
 * `npx nx run trainer:train [--experiment-name=X] [--resume] [--config=file.json] [--epochs=N] ...`
 * (also the original spec's `--mode train --experiment-name X [--resume]`). With no arguments: generates the
 * default synthetic dataset into data/a2d-synth when it is missing, trains the default CPU model, and prints
 * where the run is and its validation and test accuracies. Ctrl-C (SIGINT) or SIGTERM saves a resumable
 * checkpoint and exits 0.
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
  type TrainingRunResult,
} from '@a2d/training';

const USAGE = [
  'usage: npx nx run trainer:train [--experiment-name=<name>] [--resume [--force]] [--config=<file.json>]',
  '         [--epochs=<n>] [--batch-size=<n>] [--lr=<x>] [--backbone=<name>] [--backend=<auto|wasm|cpu|tensorflow|tensorflow-gpu>]',
  '         [--root=<dataset dir>] [--workers=<auto|n>] [--seed=<n>] [--synth-size=<tiny|small|medium|full>] [--synth-difficulty=<easy|hard>] [--skip-test] [--quiet] [--help]',
  '         [--<config.path>=<value> ...]      e.g. --model.kind=one-step --train.ema.enabled=true',
  '       original spec form: --mode train --experiment-name <name> [--resume]',
].join('\n');

const flagsSchema = z.object({
  config: stringFlag().optional(),
  experimentName: stringFlag().optional(),
  resume: booleanFlag().default(false),
  force: booleanFlag().default(false),
  mode: z.enum(['train'], { message: "expected 'train' (use evaluator:test for --mode test)" }).optional(),
  quiet: booleanFlag().default(false),
  skipTest: booleanFlag().default(false),
  help: booleanFlag().default(false),
  synthSize: z.enum(DATASET_SIZE_NAMES as [string, ...string[]]).default('medium'),
  synthDifficulty: z.enum(DIFFICULTY_NAMES as [string, ...string[]]).default('easy'),
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

/** Runs the command; returns the exit code. */
export async function runTrainCommand(argv: readonly string[], env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<number> {
  const { flags, overrides } = parseCommandLine(argv, { flags: flagsSchema, aliases: ALIASES });
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (typeof flags.config === 'string' && !existsSync(flags.config)) {
    throw new ConfigError([{ path: '--config', message: `file not found: ${flags.config}` }], 'command line');
  }
  if (flags.experimentName) overrides.experiment = { ...(overrides.experiment as object | undefined), name: flags.experimentName };
  const config = loadConfig(a2dConfigSchema, { file: flags.config, env, overrides });
  const log = (line: string) => console.log(line);
  const warn = (line: string) => console.warn(`warning: ${line}`);
  await ensureDataset(config, { size: flags.synthSize, difficulty: flags.synthDifficulty }, log);

  const name = config.experiment.name ?? defaultExperimentName(config);
  if (flags.resume && !config.experiment.name) throw new ConfigError([{ path: '--resume', message: 'needs --experiment-name (which run to continue)' }], 'command line');
  const paths = experimentPaths(config.experiment.dir, name);
  const engine = await initEngine({ backend: config.engine.backend, log });
  log(`experiment: ${paths.root}`);
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
    log(`stopped; continue with: npx nx run trainer:train --experiment-name=${name} --resume`);
    return 0;
  }
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
  let signals = 0;
  const onSignal = (name: string) => {
    signals++;
    if (signals > 1) {
      console.error(`trainer:train: second ${name}: exiting without saving`);
      process.exit(130);
    }
    console.error(`trainer:train: ${name}: saving a resumable checkpoint after the current step (again to exit at once)`);
    controller.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  void runCommandLine('trainer:train', USAGE, () => runTrainCommand(process.argv.slice(2), process.env, controller.signal)).then((code) => {
    // Worker threads and ffmpeg children are stopped by now; exit promptly with the command's code.
    process.exit(code);
  });
}
