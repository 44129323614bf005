/**
 * The training loop of one experiment (not `model.fit`: step 2 is fed a scheduled mix of true and predicted
 * actions). Per batch: loader (decoding in ffmpeg processes, augmentation on the loader thread, prefetched) ->
 * normalisation -> mixup/CutMix -> the per-clip conditioning draws -> shards -> gradients in the replicas
 * (worker threads, or this thread) -> accumulation -> global-norm clipping -> AdamW at the scheduled rate.
 * Per epoch: batch-norm statistics averaged across replicas, replica agreement checked, validation (plain and
 * constrained decoding, the EMA too), one `metrics.jsonl` record, TensorBoard scalars, checkpoints, early stopping.
 *
 * Every random draw is keyed by (seed, epoch, batch) or lives in a saved stream, and checkpoints are taken
 * between optimizer updates, so a resumed run continues exactly as an uninterrupted one (same worker count).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  A2dError,
  ConfigError,
  DatasetError,
  NUM_ACTIONS,
  NUM_ACTORS,
  Rng,
  writeFileAtomic,
  writeJsonAtomic,
  type A2dConfig,
} from '@a2d/core';
import { clipBatchToFloat, mixBatch } from '@a2d/augment';
import {
  DataParallelTrainer,
  InProcessTrainer,
  splitBatch,
  tf,
  type BatchPayload,
  type EngineInfo,
  type ReplicaSpec,
  type ReplicaTrainer,
} from '@a2d/engine';
import { checkFfmpegTools, findMissingClips, readVideoset, splitDataset, type DatasetSplits } from '@a2d/ingest';
import { countClassOccurrences } from '@a2d/losses';
import { applyPretrainedBackbone, modelArtifactsToFiles, NUM_PAIRS, pairIndexOf, predictionFeedProbability, PRETRAINED_MANIFEST_FILE, readPretrainedManifest } from '@a2d/layers';
import { CheckpointStore } from './checkpoint/checkpoint-store';
import { checkpointFiles, readTrainerCheckpoint, type TrainerCheckpoint } from './checkpoint/trainer-checkpoint';
import type { EpochRecord, LossTerms, ValidationResult } from './epoch-record';
import { openBatchSources, type BatchSources } from './data/batch-sources';
import type { LoaderSpec } from './data/loader-thread-protocol';
import { predictVideos, videoAccuracies, videoLosses, type BatchProbabilities, type ProbabilityPredictor } from './evaluation';
import { configDifferences, datasetDifferences, datasetIdentity, experimentToResume, trainingConfigHash, writeExperimentConfig, type DatasetIdentity, type ExperimentConfigFile, type ExperimentPaths } from './experiment';
import { acquireExperimentLock } from './experiment-lock';
import { learningRateAt } from './optim/lr-schedule';
import { createClassifier, networkOf, type Classifier } from './replica/classifier';
import type { ClassifierReplicaOptions } from './replica/classifier-replica';
import { emptyAccumulator, type EpochAccumulator, type TrainingState } from './training-state';

/** A failure of the run itself (not of one input): non-finite training, refused resume, no usable data. */
export class TrainingError extends A2dError {}

/** Where the loop reports progress (a console bar, or nothing). */
export interface TrainingProgress {
  startEpoch(epoch: number, totalBatches: number, title?: string): void;
  update(batchesDone: number, values: { loss?: number; acc?: number; clipsPerSecond?: number }): void;
  endEpoch(summary: string): void;
  log(line: string): void;
  /** A warning (shown even when quiet). */
  warn(line: string): void;
  stop(): void;
}

/** Where scalars go (TensorBoard). Every scalar is logged on the optimizer-update axis (`globalStep`). */
export interface ScalarSink {
  addScalar(tag: string, value: number, step: number): void;
  /** Marks a session (re)starting at `step`: points logged earlier at `step` or later are orphans to drop. */
  addSessionStart(step: number): void;
  flush(): void;
  close(): void;
}

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

/** The module the trainer's replicas load (`createReplica` of `classifier-replica`), compiled or from source. */
export function classifierReplicaModule(): string {
  const js = path.join(__dirname, 'replica', 'classifier-replica.js');
  return existsSync(js) ? js : path.join(__dirname, 'replica', 'classifier-replica.ts');
}

/** How many replicas to train with, and why (logged). */
export function chooseWorkers(config: A2dConfig, engine: EngineInfo, cores = os.availableParallelism()): { workers: number; reason: string } {
  const setting = config.train.workers;
  if (setting !== 'auto') return { workers: setting, reason: `train.workers = ${setting}` };
  if (engine.backend === 'native') {
    // Measured (trainer:bench, default model, 2 cores, 2026-12-07): with batch norm, matrix products and pooling
    // native too, one process on 2 oneDNN threads trains 1.44x faster end to end than 2 workers of 1 thread each
    // (40.0 vs 27.8 clips/s, warm epochs), although its data wait is higher (21% vs 3%).
    return { workers: 1, reason: `auto: native runs its heavy kernels on oneDNN threads over all ${cores} core${cores === 1 ? '' : 's'} from one process (faster than worker replicas in trainer:bench)` };
  }
  if ((engine.backend === 'wasm' || engine.backend === 'cpu') && cores >= 2) {
    return { workers: 2, reason: `auto: ${engine.backend} runs one thread per instance; 2 worker threads use both of ${cores} cores (1.5x a single thread in engine:bench)` };
  }
  if (engine.backend === 'wasm' || engine.backend === 'cpu') return { workers: 1, reason: `auto: only ${cores} core` };
  return { workers: 1, reason: `auto: ${engine.backend} uses every core (or the GPU) from one thread` };
}

function percentOrNull(count: number, total: number): number | null {
  return total > 0 ? (100 * count) / total : null;
}

function meanOrNull(sum: number, count: number): number | null {
  return count > 0 ? sum / count : null;
}

/** One-hot targets of an unmixed batch, in `mixBatch`'s form. */
function unmixed(frames: Uint8Array, actionIds: Int32Array, actorIds: Int32Array): { frames: Uint8Array; actionTargets: Float32Array; actorTargets: Float32Array; lambda: number; partner: Int32Array } {
  const batch = actionIds.length;
  const actionTargets = new Float32Array(batch * NUM_ACTIONS);
  const actorTargets = new Float32Array(batch * NUM_ACTORS);
  for (let i = 0; i < batch; i++) {
    actionTargets[i * NUM_ACTIONS + actionIds[i]] = 1;
    actorTargets[i * NUM_ACTORS + actorIds[i]] = 1;
  }
  return { frames, actionTargets, actorTargets, lambda: 1, partner: Int32Array.from({ length: batch }, (_, i) => i) };
}

/** The training shard inputs of one batch (see `classifier-replica.ts`). */
function trainingPayload(
  frames: Float32Array | Uint8Array,
  shape: [number, number, number, number, 3],
  mixed: { actionTargets: Float32Array; actorTargets: Float32Array; lambda: number; partner: Int32Array },
  actionIds: Int32Array,
  actorIds: Int32Array,
  feed: Int32Array,
): BatchPayload {
  const batch = shape[0];
  const pairTarget = new Float32Array(batch * NUM_PAIRS);
  for (let i = 0; i < batch; i++) {
    const own = pairIndexOf(actionIds[i], actorIds[i]);
    const mate = pairIndexOf(actionIds[mixed.partner[i]], actorIds[mixed.partner[i]]);
    // A clip outside the 36 video-level pairs cannot occur (the loader refuses `none`; the taxonomy has the rest).
    if (own >= 0) pairTarget[i * NUM_PAIRS + own] += mixed.lambda;
    if (mate >= 0) pairTarget[i * NUM_PAIRS + mate] += 1 - mixed.lambda;
  }
  return {
    frames: { values: frames, shape: [...shape], dtype: 'float32' },
    actionTarget: { values: mixed.actionTargets, shape: [batch, NUM_ACTIONS], dtype: 'float32' },
    actorTarget: { values: mixed.actorTargets, shape: [batch, NUM_ACTORS], dtype: 'float32' },
    pairTarget: { values: pairTarget, shape: [batch, NUM_PAIRS], dtype: 'float32' },
    trueAction: { values: Int32Array.from(actionIds), shape: [batch], dtype: 'int32' },
    trueActor: { values: Int32Array.from(actorIds), shape: [batch], dtype: 'int32' },
    feedPrediction: { values: feed, shape: [batch], dtype: 'int32' },
  };
}

/** A predictor that splits each batch across the trainer's replicas. */
function replicaPredictor(trainer: ReplicaTrainer, ema: boolean): ProbabilityPredictor {
  return async (frames, shape) => {
    const shards = splitBatch({ frames: { values: frames, shape: [...shape], dtype: 'float32' } }, trainer.workers);
    const outputs = await trainer.predict(shards, { ema }, { transfer: true });
    const join = (name: string) => {
      const parts = outputs.map((o) => o[name].values as Float32Array);
      const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let offset = 0;
      for (const p of parts) {
        out.set(p, offset);
        offset += p.length;
      }
      return out;
    };
    const result: BatchProbabilities = { actionProbs: join('actionProbs'), actorTable: join('actorTable') };
    return result;
  };
}

/** Element-wise mean of the replicas' copies of one weight (the first copy itself when all are equal). */
function meanOverReplicas(copies: readonly Float32Array[]): Float32Array {
  const first = copies[0];
  if (copies.every((copy) => copy.every((value, i) => value === first[i]))) return first;
  const out = new Float32Array(first.length);
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (const copy of copies) sum += copy[i];
    out[i] = sum / copies.length;
  }
  return out;
}

/** Saves the weights of `values` (network order) as LayersModel files, through the main thread's model copy. */
async function modelFiles(model: Classifier, values: readonly Float32Array[]): Promise<{ modelJson: string; weights: Uint8Array }> {
  const network = networkOf(model);
  if (values.length !== network.weights.length) throw new Error(`expected ${network.weights.length} weight arrays, got ${values.length}`);
  tf.tidy(() => network.setWeights(network.weights.map((w, i) => tf.tensor(values[i], w.shape as number[]))));
  let files: { modelJson: string; weights: Uint8Array } | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    files = modelArtifactsToFiles(artifacts);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (!files) throw new Error('model save produced no artifacts');
  return files;
}

/**
 * Refuses to resume a training state whose weights do not fit the model this code builds (a run saved before the
 * model format changed, e.g. version 1's attention biases), with the fix, instead of a tfjs shape error mid-restore.
 */
export function checkResumableWeights(shapes: readonly number[][], state: { replicas: { tensors: Record<string, { values: ArrayLike<number> }> }[] }, where: string): void {
  for (const replica of state.replicas) {
    const saved = Object.keys(replica.tensors).filter((name) => name.startsWith('weights/')).length;
    const mismatch = saved !== shapes.length
      ? `it holds ${saved} weight arrays, this model has ${shapes.length}`
      : shapes.map((shape, i) => ({ i, want: shape.reduce((a, b) => a * b, 1), got: replica.tensors[`weights/${i}`]?.values.length ?? 0 })).find(({ want, got }) => want !== got);
    if (mismatch) {
      const detail = typeof mismatch === 'string' ? mismatch : `weight ${mismatch.i} holds ${mismatch.got} values, this model needs ${mismatch.want}`;
      throw new TrainingError(
        `cannot resume ${where}: its training state does not fit the model this version builds (${detail}; saved by an earlier model format?). ` +
          'Its saved models still load for evaluation; start a new run with another --experiment-name to train.',
      );
    }
  }
}

/**
 * `config` with `model.inputNormalization` taken from `model.pretrained`'s manifest (unchanged without one), and
 * `model.backbone` checked against it, before anything is hashed, saved or built.
 */
export async function withPretrainedNormalization(config: A2dConfig, log: (line: string) => void): Promise<A2dConfig> {
  const dir = config.model.pretrained;
  if (dir === null) return config;
  const manifest = await readPretrainedManifest(dir);
  if (manifest.backbone !== config.model.backbone) {
    throw new ConfigError([{ path: 'model.backbone', message: `${dir} holds ${manifest.backbone} weights; set --model.backbone=${manifest.backbone} (got ${config.model.backbone})` }], 'config');
  }
  const { mean, std } = manifest.inputNormalization;
  log(`model.inputNormalization: mean [${mean.join(', ')}], std [${std.join(', ')}] (from ${path.join(dir, PRETRAINED_MANIFEST_FILE)}: ${manifest.normalizationSource})`);
  return { ...config, model: { ...config.model, inputNormalization: { mean: [...mean], std: [...std] } } };
}

/** Trains (or resumes) one experiment; see the file comment. */
export async function runTraining(options: TrainingRunOptions): Promise<TrainingRunResult> {
  const { paths, log, warn } = options;
  // A pretrained backbone brings the preprocessing its source network was trained with (saved with the run and the model).
  const config = await withPretrainedNormalization(options.config, log);
  if (config.train.mixedPrecision) {
    throw new ConfigError(
      [{ path: 'train.mixedPrecision', message: 'not supported: tfjs has no float16 kernels on any Node backend (wasm, cpu, tfjs-node, tfjs-node-gpu); train in float32 (set it to false)' }],
      'config',
    );
  }
  const { data } = config;
  // Before any video: a broken or too-old ffmpeg/ffprobe would fail every one alike; this stops with one line.
  await checkFfmpegTools({ timeoutSeconds: data.decode.timeoutSeconds });

  // Data: the splits, and a clear stop when nothing can be read.
  const videoset = path.join(data.root, data.videosetFile);
  const records = await readVideoset(videoset);
  const splits = splitDataset(records, { valFraction: data.valFraction, seed: data.splitSeed, includeNone: data.includeNone });
  if (splits.train.length === 0) throw new DatasetError(videoset, 'no training videos (usage 0) after filtering');
  const availability = await findMissingClips(splits.train, data.root, data.clipsDir);
  if (availability.missingIds.length === splits.train.length) {
    throw new DatasetError(path.join(data.root, data.clipsDir), `none of the ${splits.train.length} training clips exist (expected <id>.mp4 files here)`);
  }
  log(`data: ${records.length} videos in ${videoset}: train ${splits.train.length}, val ${splits.val.length}, test ${splits.test.length}`);

  const hash = trainingConfigHash(config);
  const dataset = await datasetIdentity(data.root, data.videosetFile, records.length);
  // A typo in --experiment-name must not start a new run: refused before anything is written.
  const saved = options.resume ? experimentToResume(paths) : undefined;
  // One trainer at a time per experiment folder, for the whole run (released at its end, or at exit).
  const lock = await acquireExperimentLock(paths.root, { warn });
  try {
    return await trainHoldingLock({ ...options, config }, { splits, videoset, hash, dataset, saved });
  } finally {
    lock.release();
  }
}

/** What `runTraining` found before taking the experiment's lock. */
interface PreparedRun {
  splits: DatasetSplits;
  videoset: string;
  hash: string;
  dataset: DatasetIdentity;
  /** The resumed run's `config.json` (read once, before the lock). */
  saved: ExperimentConfigFile | undefined;
}

/** The rest of `runTraining`, while this process holds the experiment's lock. */
async function trainHoldingLock(options: TrainingRunOptions, prepared: PreparedRun): Promise<TrainingRunResult> {
  const { paths, engine, log, warn, signal, config } = options;
  const { splits, videoset, hash, dataset, saved } = prepared;
  const { data, augment } = config;
  const numFrames = data.sampling.numFrames;
  const inputSize = augment.cropSize;
  const store = new CheckpointStore(paths.checkpoints);
  for (const note of await store.recover()) warn(note);

  // Resume: refuse a different config or dataset unless forced.
  let resumed: { training: TrainingState; trainerState: Awaited<ReturnType<typeof readTrainerCheckpoint>>['trainer']; tag: string } | undefined;
  if (options.resume && saved) {
    const differences = configDifferences(saved.config, config).map((d) => `${d.path} (saved ${d.saved}, now ${d.current})`);
    if (saved.dataset) differences.push(...datasetDifferences(saved.dataset, dataset));
    else warn(`${paths.config} was saved before datasets were recorded: cannot check that ${dataset.root} is the dataset it trained on`);
    if (differences.length > 0 && !options.force) {
      throw new TrainingError(
        `cannot resume ${paths.root}: it differs from the saved run in ${differences.join('; ')}. ` +
          'Resume with only --experiment-name and --resume (the saved config is used), or pass --force to resume with these changes anyway.',
      );
    }
    if (differences.length > 0) warn(`resuming with changes (--force): ${differences.join('; ')}`);
    const found = await store.latestIntact(warn);
    if (!found) {
      if (existsSync(paths.checkpoints) && (await store.tags()).length > 0) throw new TrainingError(`cannot resume ${paths.root}: no intact checkpoint (see the warnings above)`);
      warn(`--resume: ${paths.root} has no checkpoint yet; starting from scratch`);
    } else {
      const parts = readTrainerCheckpoint(store.pathOf(found.tag), found.files);
      resumed = { training: parts.training, trainerState: parts.trainer, tag: found.tag };
    }
  } else if (existsSync(paths.checkpoints) && (await store.tags()).length > 0) {
    throw new TrainingError(`${paths.root} already has checkpoints: pass --resume to continue it, or choose another --experiment-name`);
  }

  const { workers, reason } = chooseWorkers(config, engine);
  if (resumed && resumed.training.workers !== workers) {
    throw new TrainingError(`cannot resume ${paths.root}: it was trained with ${resumed.training.workers} replica(s), this run would use ${workers} (set --train.workers=${resumed.training.workers})`);
  }
  log(`training: ${workers === 1 ? 'in-process (1 replica)' : `${workers} worker threads (data-parallel)`} — ${reason}`);

  const configJson = {
    format: 'a2d-experiment' as const,
    version: 1 as const,
    name: options.name,
    createdAt: new Date().toISOString(),
    configHash: hash,
    config,
    engine: { ...engine },
    trainer: { workers, mode: workers === 1 ? 'in-process' : 'data-parallel', batchNorm: 'synchronized' as const },
    dataset,
  };
  await writeExperimentConfig(paths.config, configJson);
  const configText = `${JSON.stringify(configJson, null, 2)}\n`;

  const counts = {
    action: countClassOccurrences(splits.train.map((r) => r.actionId - 1), NUM_ACTIONS),
    actor: countClassOccurrences(splits.train.map((r) => r.actorId - 1), NUM_ACTORS),
  };
  const replicaOptions: ClassifierReplicaOptions = {
    config: { model: config.model, loss: config.loss, train: config.train },
    inputSize,
    numFrames,
    modelSeed: config.seed,
    classCounts: counts,
  };
  const mainModel = createClassifier(config.model, inputSize, numFrames, config.seed);
  if (config.model.pretrained !== null && !resumed) {
    const pretrained = path.resolve(config.model.pretrained);
    const loaded = await applyPretrainedBackbone(networkOf(mainModel), pretrained, config.model.backbone);
    log(
      `pretrained: ${loaded.loaded} ${config.model.backbone} weights into ${loaded.prefixes.join(' and ')} from ${pretrained} (${loaded.manifest.source.format}, ${path.basename(loaded.manifest.source.file)})` +
        (loaded.adapted.length > 0 ? `; ${loaded.adapted.map((a) => `${a.name} [${a.saved.join(',')}] -> [${a.model.join(',')}] (extra input channels start at zero)`).join('; ')}` : ''),
    );
    if (loaded.manifest.report.partial) warn(`${pretrained} is a forced partial import: ${loaded.manifest.report.missing.length + loaded.manifest.report.mismatched.length} backbone weights were not in the source and start random`);
    replicaOptions.pretrained = pretrained;
  }
  const spec: ReplicaSpec = { module: classifierReplicaModule(), options: replicaOptions };
  const trainer: ReplicaTrainer =
    workers > 1
      ? await DataParallelTrainer.start({ workers, replica: spec, backend: engine.backend, requestTimeoutMs: config.train.workerTimeoutSeconds * 1000, collectGarbageEvery: config.train.workerGcEvery })
      : await InProcessTrainer.create({ replica: spec });
  const scalars = options.scalars?.(paths.tensorboard);
  const progress = options.progress;
  let sources: BatchSources | undefined;

  try {
    let state: TrainingState = resumed?.training ?? {
      format: 'a2d-training-state',
      version: 1,
      epoch: 0,
      position: 0,
      batchIndex: 0,
      stepInEpoch: 0,
      globalStep: 0,
      epochEndPending: false,
      partial: emptyAccumulator(),
      history: [],
      best: null,
      epochsWithoutImprovement: 0,
      finished: false,
      stopReason: null,
      skippedVideos: [],
      configHash: hash,
      workers,
    };
    if (resumed) {
      checkResumableWeights(networkOf(mainModel).weights.map((w) => w.shape as number[]), resumed.trainerState, `${paths.root} (checkpoint ${resumed.tag})`);
      await trainer.setState(resumed.trainerState);
      log(`resumed from checkpoint ${resumed.tag}: epoch ${state.epoch + 1}, ${state.position} videos into it, update ${state.globalStep}`);
      if (state.finished) log(`the run had already finished (${state.stopReason ?? 'all epochs'}); nothing to train`);
    }
    // TensorBoard: every session starts with a SessionLog.START at the first step it will log, so the points a killed
    // session logged after this checkpoint are dropped from the charts (a redone epoch end re-logs its own step).
    // Written twice: TensorBoard takes the first START of a run as a plain start and purges only on later ones, and
    // an earlier session (or one from before START was logged) may have written none; a repeated purge is harmless.
    if (scalars) {
      const firstStep = state.epochEndPending ? state.globalStep : state.globalStep + 1;
      scalars.addSessionStart(firstStep);
      scalars.addSessionStart(firstStep);
    }

    const logger = { warn: (line: string) => (progress ? progress.warn(line) : warn(line)) };
    const valData = { ...data, sampling: { ...data.sampling, testViews: 1 } };
    const { mean, std } = config.model.inputNormalization;
    // The validation loader shares the training loader's clip source (its frame cache and decoder processes); both
    // run on the loader thread unless data.loader.thread is off.
    sources = await openBatchSources(
      {
        train: { records: splits.train, data, temporal: augment.temporal, mode: 'train', seed: config.seed, transform: { kind: 'train', augment } },
        ...(splits.val.length > 0
          ? { val: { records: splits.val, data: valData, temporal: augment.temporal, mode: 'test', seed: config.seed, transform: { kind: 'test', augment }, shareSourceWith: 'train', floats: { mean: [...mean], std: [...std] } } }
          : {}),
      } satisfies Record<string, LoaderSpec>,
      { thread: data.loader.thread, logger },
    );
    const trainLoader = sources.loader('train');
    const valLoader = splits.val.length > 0 ? sources.loader('val') : undefined;
    if (!valLoader) warn('no validation videos (data.valFraction is 0 or the train split is tiny): best checkpoint and early stopping follow the last epoch');

    const { batchSize, dropLast } = data.loader;
    const batchesPerEpoch = dropLast ? Math.floor(splits.train.length / batchSize) : Math.ceil(splits.train.length / batchSize);
    if (batchesPerEpoch === 0) throw new DatasetError(videoset, `${splits.train.length} training videos make no full batch of ${batchSize} (data.loader.dropLast is on)`);
    const { accumulateSteps, epochs } = config.train;
    const stepsPerEpoch = Math.ceil(batchesPerEpoch / accumulateSteps);
    const schedule = { optimizer: config.train.optimizer, schedule: config.train.schedule, epochs };
    const runRng = new Rng(config.seed);
    let nonFiniteRun = 0;
    let interrupted = false;

    // Videos found broken in this run, after those an earlier session of it found (a resumed loader starts empty).
    const priorSkipped = state.skippedVideos;
    const skippedVideos = () => {
      const seen = new Set(priorSkipped.map((video) => video.videoId));
      return [...priorSkipped, ...trainLoader.skipped.filter((video) => !seen.has(video.videoId))];
    };

    const saveCheckpoint = async (tags: string[]) => {
      // The replicas are left as they are (a resume must continue them exactly); the saved model gets the mean of
      // their batch-norm statistics, which is what `averageBuffers` gives them at the next epoch end.
      const trainerState = await trainer.getState();
      const network = networkOf(mainModel);
      const weights = network.weights.map((_, i) => meanOverReplicas(trainerState.replicas.map((r) => r.tensors[`weights/${i}`]?.values as Float32Array)));
      const checkpoint: TrainerCheckpoint = {
        training: { ...state, skippedVideos: skippedVideos() },
        trainer: trainerState,
        model: await modelFiles(mainModel, weights),
        configJson: configText,
      };
      if (config.train.ema.enabled) {
        checkpoint.emaModel = await modelFiles(mainModel, network.weights.map((_, i) => meanOverReplicas(trainerState.replicas.map((r) => r.tensors[`ema/${i}`]?.values as Float32Array))));
      }
      const files = checkpointFiles(checkpoint);
      for (const tag of tags) await store.write(tag, files, state.globalStep);
      await writeJsonAtomic(paths.skippedVideos, skippedVideos());
    };

    const evaluate = async (ema: boolean): Promise<ValidationResult | null> => {
      if (!valLoader) return null;
      const videos = await predictVideos(valLoader, replicaPredictor(trainer, ema), { normalization: config.model.inputNormalization, topK: config.model.constrainedDecoding.topK, kind: config.model.kind });
      const acc = videoAccuracies(videos);
      return { loss: videoLosses(videos, config.loss, config.model.kind), acc, clips: videos.length };
    };

    while (!state.finished && state.epoch < epochs) {
      const epoch = state.epoch;
      const acc: EpochAccumulator = state.partial;
      const epochStart = performance.now() - acc.seconds * 1000;
      progress?.startEpoch(epoch + 1, batchesPerEpoch);
      if (!state.epochEndPending) {
        const iterator = trainLoader.batches(epoch, state.position)[Symbol.asyncIterator]();
        const mixing = augment.mixup.alpha > 0 || augment.cutmix.alpha > 0;
        let pending = 0; // batches whose gradients wait in the trainer's buffer
        // Batch k + 1 is fetched and prepared (normalised, mixed, split) on this thread while the replicas compute
        // batch k; only the time the loop then still waits for it counts as data wait.
        const prepare = async (batchIndex: number) => {
          const next = await iterator.next();
          if (next.done) return undefined;
          const batch = next.value;
          // Without mixing the frames travel as bytes and the replicas normalise them (a quarter of the data to
          // move, and the conversion off this thread); mixing blends pixels, so it needs them as floats here.
          const mixed = mixing
            ? mixBatch(
                { frames: clipBatchToFloat(batch.frames, batch.shape, config.model.inputNormalization), shape: batch.shape, actionIds: batch.actionIds, actorIds: batch.actorIds },
                augment,
                runRng.fork(`mix/${epoch}/${batchIndex}`),
              )
            : unmixed(batch.frames, batch.actionIds, batch.actorIds);
          const progressFraction = (epoch + batchIndex / batchesPerEpoch) / epochs;
          const feedProbability = predictionFeedProbability(config.model.conditioning, progressFraction);
          const conditionRng = runRng.fork(`condition/${epoch}/${batchIndex}`);
          const feed = Int32Array.from(batch.videoIds, () => (conditionRng.next() < feedProbability ? 1 : 0));
          const payload = trainingPayload(mixed.frames, batch.shape, mixed, batch.actionIds, batch.actorIds, feed);
          return { batch, batchIndex, progressFraction, rawFrames: !mixing, shards: splitBatch(payload, trainer.workers) };
        };
        const waited = async <T>(promise: Promise<T>): Promise<T> => {
          const waitStart = performance.now();
          const value = await promise;
          acc.waitSeconds += (performance.now() - waitStart) / 1000;
          return value;
        };
        let current = await waited(prepare(state.batchIndex));
        while (current) {
          const { batch, batchIndex, progressFraction } = current;
          const computing = trainer.computeGradients(current.shards, { progress: progressFraction, rawFrames: current.rawFrames }, { transfer: true });
          const upcoming = prepare(batchIndex + 1);
          upcoming.catch(() => undefined); // a loader error surfaces where it is awaited below
          const summary = await computing;
          const clips = batch.videoIds.length;
          acc.clips += clips;
          for (const term of ['total', 'action', 'actor', 'consistency'] as const) {
            const value = summary.metrics[`loss.${term}`];
            if (Number.isFinite(value)) {
              acc.lossSums[term] += value * clips;
              acc.lossClips[term] += clips;
            }
          }
          acc.correct.action += (summary.metrics['acc.action'] ?? 0) * clips;
          acc.correct.actor += (summary.metrics['acc.actor'] ?? 0) * clips;
          acc.correct.combined += (summary.metrics['acc.combined'] ?? 0) * clips;
          pending++;
          state.batchIndex++;
          state.position = batch.position;
          const lastOfEpoch = state.batchIndex >= batchesPerEpoch || batch.position >= splits.train.length;
          if (pending >= accumulateSteps || lastOfEpoch) {
            const learningRate = learningRateAt({ epoch, step: state.stepInEpoch, stepsPerEpoch }, schedule);
            const applied = await trainer.applyGradients({ learningRate, clipNorm: config.train.clipGradNorm > 0 ? config.train.clipGradNorm : undefined });
            pending = 0;
            state.stepInEpoch++;
            if (applied.applied) {
              state.globalStep++;
              nonFiniteRun = 0;
              acc.updates++;
              acc.gradNormSum += applied.gradNorm;
              acc.gradNormMax = Math.max(acc.gradNormMax ?? 0, applied.gradNorm);
              acc.lrFirst ??= learningRate;
              acc.lrLast = learningRate;
              scalars?.addScalar('train/step_loss', summary.loss, state.globalStep);
            } else {
              acc.nonFiniteSteps++;
              nonFiniteRun++;
              warn(`epoch ${epoch + 1} batch ${batchIndex + 1}: non-finite gradients (shards ${summary.nonFiniteShards.join(', ') || '?'}); update skipped`);
              if (nonFiniteRun >= config.train.maxNonFiniteSteps) {
                throw new TrainingError(
                  `${nonFiniteRun} updates in a row had non-finite gradients (epoch ${epoch + 1}, batch ${batchIndex + 1}): lower train.optimizer.lr, ` +
                    'keep train.clipGradNorm on, or resume from the last checkpoint',
                );
              }
            }
            acc.seconds = (performance.now() - epochStart) / 1000;
            const seen = Math.max(1, acc.clips);
            progress?.update(state.batchIndex, {
              loss: acc.lossSums.total / Math.max(1, acc.lossClips.total),
              acc: (100 * acc.correct.combined) / seen,
              clipsPerSecond: acc.clips / Math.max(1e-9, acc.seconds),
            });
            if (signal?.aborted) {
              interrupted = true;
              break;
            }
          }
          current = await waited(upcoming);
        }
        if (interrupted) {
          acc.seconds = (performance.now() - epochStart) / 1000;
          state.partial = acc;
          await saveCheckpoint(['last']);
          progress?.stop();
          log(`interrupted: saved a resumable checkpoint at epoch ${epoch + 1}, ${state.position}/${splits.train.length} videos (${store.pathOf('last')})`);
          break;
        }
        if (acc.clips === 0 && trainLoader.skipped.length > 0) {
          throw new DatasetError(
            path.join(data.root, data.clipsDir),
            `no training clip could be decoded in epoch ${epoch + 1} (${trainLoader.skipped.length} skipped; first: ${trainLoader.skipped[0].videoId}: ${trainLoader.skipped[0].reason})`,
          );
        }
        state.epochEndPending = true;
        state.partial = acc;
      }

      // Epoch end: validation, the record, checkpoints, early stopping.
      await trainer.averageBuffers();
      await trainer.verifyReplicas();
      const isLast = epoch + 1 === epochs;
      const validate = (epoch + 1) % config.train.evalEvery === 0 || isLast;
      const val = validate ? await evaluate(false) : null;
      const valEma = validate && config.train.ema.enabled ? await evaluate(true) : null;
      if (signal?.aborted) {
        state.partial = acc;
        await saveCheckpoint(['last']);
        interrupted = true;
        progress?.stop();
        log(`interrupted during validation: saved a resumable checkpoint (${store.pathOf('last')}); resuming redoes the validation of epoch ${epoch + 1}`);
        break;
      }
      acc.seconds = (performance.now() - epochStart) / 1000;
      const trainLoss: LossTerms = {
        total: meanOrNull(acc.lossSums.total, acc.lossClips.total),
        action: meanOrNull(acc.lossSums.action, acc.lossClips.action),
        actor: meanOrNull(acc.lossSums.actor, acc.lossClips.actor),
        consistency: meanOrNull(acc.lossSums.consistency, acc.lossClips.consistency),
      };
      const memory = tf.memory();
      const record: EpochRecord = {
        epoch: epoch + 1,
        globalStep: state.globalStep,
        lr: { first: acc.lrFirst ?? 0, last: acc.lrLast ?? 0 },
        train: {
          loss: trainLoss,
          acc: {
            action: percentOrNull(acc.correct.action, acc.clips),
            actor: percentOrNull(acc.correct.actor, acc.clips),
            combined: percentOrNull(acc.correct.combined, acc.clips),
          },
          clips: acc.clips,
        },
        val,
        valEma,
        clipsPerSecond: acc.clips / Math.max(1e-9, acc.seconds),
        dataWaitFraction: acc.seconds > 0 ? Math.min(1, acc.waitSeconds / acc.seconds) : 0,
        seconds: acc.seconds,
        rssMiB: process.memoryUsage().rss / 2 ** 20,
        tensors: memory.numTensors,
        skippedVideos: skippedVideos().length,
        nonFiniteSteps: acc.nonFiniteSteps,
        gradNorm: { mean: meanOrNull(acc.gradNormSum, acc.updates), max: acc.gradNormMax },
      };
      state.history = [...state.history, record];
      await writeFileAtomic(paths.metrics, state.history.map((r) => JSON.stringify(r)).join('\n') + '\n');
      if (scalars) {
        const put = (tag: string, value: number | null | undefined) => {
          if (value !== null && value !== undefined && Number.isFinite(value)) scalars.addScalar(tag, value, state.globalStep);
        };
        put('epoch', epoch + 1);
        for (const [term, value] of Object.entries(record.train.loss)) put(`loss/train_${term}`, value);
        for (const [term, value] of Object.entries(record.train.acc)) put(`accuracy/train_${term}`, value);
        if (val) {
          for (const [term, value] of Object.entries(val.loss)) put(`loss/val_${term}`, value);
          for (const [term, value] of Object.entries(val.acc)) put(`accuracy/val_${term}`, value);
        }
        if (valEma) for (const [term, value] of Object.entries(valEma.acc)) put(`accuracy/val_ema_${term}`, value);
        put('learning_rate', record.lr.last);
        put('speed/clips_per_second', record.clipsPerSecond);
        put('speed/data_wait_fraction', record.dataWaitFraction);
        put('memory/rss_mib', record.rssMiB);
        scalars.flush();
      }

      // Best by validation combined accuracy; without a validation split every epoch replaces it (the last is best).
      const score = val?.acc.combined ?? null;
      const improved = valLoader
        ? score !== null && (state.best === null || score > state.best.valCombined + config.train.earlyStopping.minDelta)
        : true;
      if (improved) {
        state.best = { epoch: epoch + 1, valCombined: score ?? record.train.acc.combined ?? 0 };
        state.epochsWithoutImprovement = 0;
      } else if (validate) {
        state.epochsWithoutImprovement++;
      }
      const { patience } = config.train.earlyStopping;
      const earlyStop = patience > 0 && state.epochsWithoutImprovement >= patience && !isLast;
      state = {
        ...state,
        epoch: epoch + 1,
        position: 0,
        batchIndex: 0,
        stepInEpoch: 0,
        epochEndPending: false,
        partial: emptyAccumulator(),
        finished: isLast || earlyStop,
        stopReason: earlyStop ? `early stopping: no val combined accuracy gain > ${config.train.earlyStopping.minDelta} for ${patience} epochs` : isLast ? `all ${epochs} epochs` : null,
      };
      const tags = ['last'];
      if ((epoch + 1) % config.train.checkpoint.every === 0) tags.push(`epoch-${epoch + 1}`);
      if (improved) tags.push('best');
      await saveCheckpoint(tags);
      await store.prune(config.train.checkpoint.keep);

      const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(1));
      const summaryLine =
        `epoch ${epoch + 1}/${epochs}: train loss ${trainLoss.total?.toFixed(4) ?? '-'} combined ${fmt(record.train.acc.combined)}%` +
        (val ? ` | val loss ${val.loss.total?.toFixed(4) ?? '-'} action ${fmt(val.acc.action)}% actor ${fmt(val.acc.actor)}% combined ${fmt(val.acc.combined)}% (constrained ${fmt(val.acc.combinedConstrained)}%)` : '') +
        (valEma ? ` | ema combined ${fmt(valEma.acc.combined)}%` : '') +
        ` | lr ${record.lr.last.toExponential(2)} | ${record.clipsPerSecond.toFixed(1)} clips/s, data wait ${(100 * record.dataWaitFraction).toFixed(0)}% | ${record.seconds.toFixed(0)}s` +
        (improved ? ' | best' : '');
      if (progress) progress.endEpoch(summaryLine);
      else log(summaryLine);
      if (earlyStop) log(state.stopReason ?? 'early stopping');
    }
    progress?.stop();
    return {
      name: options.name,
      dir: paths.root,
      epochs: state.history.length,
      interrupted,
      stopReason: state.stopReason,
      best: state.best,
      history: state.history,
      workers,
      skippedVideos: skippedVideos().length,
    };
  } finally {
    scalars?.close();
    mainModel.dispose();
    await sources?.close();
    await trainer.stop();
  }
}
