/**
 * One training run (or one session of a resumed run): preparation (`loop/run-setup.ts`), the fit loop
 * (`loop/fit-loop.ts`: batches, accumulation, learning rate, validation, the run's state) and the callbacks around
 * it (`callbacks/`: EMA validation, metrics.jsonl, TensorBoard, checkpoints, the progress bar, early stopping, then
 * any the caller adds). Not `model.fit`: step 2 is fed a scheduled mix of true and predicted actions.
 *
 * Every random draw is keyed by (seed, epoch, batch) or lives in a saved stream, and checkpoints are taken between
 * optimizer updates, so a resumed run continues exactly as an uninterrupted one (same worker count).
 */
import type { A2dConfig } from '@a2d/core';
import type { EngineInfo } from '@a2d/engine';
import { CheckpointCallback } from './callbacks/checkpoint-callback';
import { EarlyStopping } from './callbacks/early-stopping';
import { EmaValidation } from './callbacks/ema-validation';
import { MetricsLog } from './callbacks/metrics-log';
import { ProgressCallback } from './callbacks/progress-callback';
import { TensorBoardCallback } from './callbacks/tensorboard-callback';
import { CheckpointStore } from './checkpoint/checkpoint-store';
import type { BatchSources } from './data/batch-sources';
import type { EpochRecord } from './epoch-record';
import { experimentToResume, trainingConfigHash, writeExperimentConfig, type ExperimentPaths } from './experiment';
import { acquireExperimentLock } from './experiment-lock';
import { runFitLoop } from './loop/fit-loop';
import type { TrainingCallback } from './loop/training-callback';
import type { TrainingProgress } from './loop/training-progress';
import { TrainingError } from './loop/training-error';
import * as setup from './loop/run-setup';
import { networkOf } from './replica/classifier';
import type { ScalarSink } from './tensorboard/scalar-sink';

export { checkResumableWeights, chooseWorkers, classifierReplicaModule, withPretrainedNormalization } from './loop/run-setup';
export { TrainingError };
export type { ScalarSink, TrainingProgress };

/** Options of `runTraining`. */
export interface TrainingRunOptions {
  config: A2dConfig;
  /** The experiment's name and folders. */
  name: string;
  paths: ExperimentPaths;
  engine: EngineInfo;
  /** Continue from the most advanced intact checkpoint. */
  resume: boolean;
  /** Resume even when the config differs in fields that change training. */
  force: boolean;
  log: (line: string) => void;
  warn: (line: string) => void;
  progress?: TrainingProgress;
  scalars?: (logDir: string) => ScalarSink;
  /** Aborting saves a resumable checkpoint at the next update boundary and returns. */
  signal?: AbortSignal;
  /** Callbacks of the caller's, run after the built-in ones at every hook (see loop/training-callback.ts). */
  callbacks?: readonly TrainingCallback[];
}

/** What a run did. */
export interface TrainingRunResult {
  name: string;
  dir: string;
  /** Epochs completed in total (this and earlier sessions). */
  epochs: number;
  interrupted: boolean;
  stopReason: string | null;
  best: { epoch: number; valCombined: number } | null;
  history: EpochRecord[];
  workers: number;
  /** Videos skipped because they cannot be decoded. */
  skippedVideos: number;
}

/** Trains (or resumes) one experiment; see the file comment. */
export async function runTraining(options: TrainingRunOptions): Promise<TrainingRunResult> {
  const { paths, log, warn, progress, engine } = options;
  const config = await setup.checkedConfig(options.config, log);
  const { splits, identity: dataset } = await setup.prepareDataset(config, log);
  const hash = trainingConfigHash(config);
  // A typo in --experiment-name must not start a new run: refused before anything is written.
  const saved = options.resume ? experimentToResume(paths) : undefined;
  // One trainer at a time per experiment folder, for the whole run (released at its end, or at exit).
  const lock = await acquireExperimentLock(paths.root, { warn });
  try {
    const store = new CheckpointStore(paths.checkpoints);
    for (const note of await store.recover()) warn(note);
    const resumed = await setup.resumePoint(options, store, saved, config, dataset);
    const { workers, reason } = setup.chooseWorkers(config, engine);
    if (resumed && resumed.training.workers !== workers) {
      throw new TrainingError(`cannot resume ${paths.root}: it was trained with ${resumed.training.workers} replica(s), this run would use ${workers} (set --train.workers=${resumed.training.workers})`);
    }
    log(`training: ${workers === 1 ? 'in-process (1 replica)' : `${workers} worker threads (data-parallel)`} — ${reason}`);
    const configJson = { format: 'a2d-experiment' as const, version: 1 as const, name: options.name, createdAt: new Date().toISOString(), configHash: hash, config, engine: { ...engine }, trainer: { workers, mode: workers === 1 ? 'in-process' : 'data-parallel', batchNorm: 'synchronized' as const }, dataset };
    await writeExperimentConfig(paths.config, configJson);
    const { mainModel, trainer } = await setup.startModels(config, { engine, workers, splits, resumed: resumed !== undefined, log, warn });
    const scalars = options.scalars?.(paths.tensorboard);
    let sources: BatchSources | undefined;
    try {
      const state = resumed?.training ?? setup.freshTrainingState(hash, workers);
      if (resumed) {
        setup.checkResumableWeights(networkOf(mainModel).weights.map((w) => w.shape as number[]), resumed.trainerState, `${paths.root} (checkpoint ${resumed.tag})`);
        await trainer.setState(resumed.trainerState);
        log(`resumed from checkpoint ${resumed.tag}: epoch ${state.epoch + 1}, ${state.position} videos into it, update ${state.globalStep}`);
        if (state.finished) log(`the run had already finished (${state.stopReason ?? 'all epochs'}); nothing to train`);
      }
      sources = await setup.openTrainingLoaders(config, splits, { warn: (line) => (progress ? progress.warn(line) : warn(line)) });
      const trainLoader = sources.loader('train');
      const valLoader = splits.val.length > 0 ? sources.loader('val') : undefined;
      if (!valLoader) warn('no validation videos (data.valFraction is 0 or the train split is tiny): best checkpoint and early stopping follow the last epoch');
      // Videos found broken in this run, after those an earlier session of it found (a resumed loader starts empty).
      const priorSkipped = state.skippedVideos;
      const skippedVideos = () => [...priorSkipped, ...trainLoader.skipped.filter((video) => !priorSkipped.some((prior) => prior.videoId === video.videoId))];
      const save = setup.checkpointWriter({ config, configText: `${JSON.stringify(configJson, null, 2)}\n`, paths, store, trainer, mainModel, skippedVideos });
      const callbacks: TrainingCallback[] = [
        ...(config.train.ema.enabled ? [new EmaValidation()] : []),
        new MetricsLog(paths.metrics),
        ...(scalars ? [new TensorBoardCallback(scalars)] : []),
        new CheckpointCallback({ save, prune: async (keep) => void (await store.prune(keep)), ...config.train.checkpoint, pathOf: (tag) => store.pathOf(tag), trainVideos: splits.train.length, log: (line) => (progress?.stop(), log(line)) }),
        new ProgressCallback({ progress, log }),
        new EarlyStopping({ ...config.train.earlyStopping, log }),
        ...(options.callbacks ?? []),
      ];
      const fit = await runFitLoop({ config, paths, trainer, trainLoader, trainVideos: splits.train.length, validate: valLoader ? setup.replicaValidation(config, trainer, valLoader) : null, state, callbacks, signal: options.signal, warn, skippedVideos: () => skippedVideos().length });
      const { history, stopReason, best } = fit.state;
      return { name: options.name, dir: paths.root, epochs: history.length, interrupted: fit.interrupted, stopReason, best, history, workers, skippedVideos: skippedVideos().length };
    } finally {
      scalars?.close();
      mainModel.dispose();
      await sources?.close();
      await trainer.stop();
    }
  } finally {
    lock.release();
  }
}
