/**
 * What `runTraining` prepares around the fit loop, one step per function: the checked config, the dataset and its
 * splits, the resume decision, the experiment's config.json, the model and its replicas, the loaders, the
 * validation function and the checkpoint snapshot.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, DatasetError, NUM_ACTIONS, NUM_ACTORS, type A2dConfig } from '@a2d/core';
import { DataParallelTrainer, InProcessTrainer, splitBatch, tf, type EngineInfo, type ReplicaSpec, type ReplicaTrainer } from '@a2d/engine';
import { checkFfmpegTools, findMissingClips, readVideoset, splitDataset, type DatasetSplits, type SkippedVideo } from '@a2d/ingest';
import { countClassOccurrences } from '@a2d/losses';
import { applyPretrainedBackbone, modelArtifactsToFiles, PRETRAINED_MANIFEST_FILE, readPretrainedManifest } from '@a2d/layers';
import type { CheckpointStore } from '../checkpoint/checkpoint-store';
import { checkpointFiles, readTrainerCheckpoint, type TrainerCheckpoint } from '../checkpoint/trainer-checkpoint';
import { openBatchSources, type BatchSources } from '../data/batch-sources';
import type { LoaderSpec } from '../data/loader-thread-protocol';
import type { ValidationResult } from '../epoch-record';
import { predictVideos, videoAccuracies, videoLosses, type BatchProbabilities, type ProbabilityPredictor } from '../evaluation';
import { configDifferences, datasetDifferences, datasetIdentity, type DatasetIdentity, type ExperimentConfigFile, type ExperimentPaths } from '../experiment';
import type { Classifier } from '../inference/load-classifier';
import { createClassifier, networkOf } from '../replica/classifier';
import type { ClassifierReplicaOptions } from '../replica/classifier-replica';
import { writeSkippedVideos } from '../skipped-videos';
import { emptyAccumulator, type TrainingState } from '../training-state';
import { TrainingError } from './training-error';

/** The module the trainer's replicas load (`createReplica` of `classifier-replica`), compiled or from source. */
export function classifierReplicaModule(): string {
  const js = path.join(__dirname, '..', 'replica', 'classifier-replica.js');
  return existsSync(js) ? js : path.join(__dirname, '..', 'replica', 'classifier-replica.ts');
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

/** The run's config after the checks that need no data: pretrained normalization, mixed precision refused. */
export async function checkedConfig(config: A2dConfig, log: (line: string) => void): Promise<A2dConfig> {
  // A pretrained backbone brings the preprocessing its source network was trained with (saved with the run and the model).
  const checked = await withPretrainedNormalization(config, log);
  if (checked.train.mixedPrecision) {
    throw new ConfigError(
      [{ path: 'train.mixedPrecision', message: 'not supported: tfjs has no float16 kernels on any Node backend (wasm, cpu, tfjs-node, tfjs-node-gpu); train in float32 (set it to false)' }],
      'config',
    );
  }
  return checked;
}

/** The dataset a run trains on. */
export interface TrainingDataset {
  videoset: string;
  splits: DatasetSplits;
  identity: DatasetIdentity;
}

/** Checks ffmpeg, reads videoset.csv and splits it; stops with one line when nothing can be read. */
export async function prepareDataset(config: A2dConfig, log: (line: string) => void): Promise<TrainingDataset> {
  const { data } = config;
  // Before any video: a broken or too-old ffmpeg/ffprobe would fail every one alike; this stops with one line.
  await checkFfmpegTools({ timeoutSeconds: data.decode.timeoutSeconds });
  const videoset = path.join(data.root, data.videosetFile);
  const records = await readVideoset(videoset);
  const splits = splitDataset(records, { valFraction: data.valFraction, seed: data.splitSeed, includeNone: data.includeNone });
  if (splits.train.length === 0) throw new DatasetError(videoset, 'no training videos (usage 0) after filtering');
  const availability = await findMissingClips(splits.train, data.root, data.clipsDir);
  if (availability.missingIds.length === splits.train.length) {
    throw new DatasetError(path.join(data.root, data.clipsDir), `none of the ${splits.train.length} training clips exist (expected <id>.mp4 files here)`);
  }
  log(`data: ${records.length} videos in ${videoset}: train ${splits.train.length}, val ${splits.val.length}, test ${splits.test.length}`);
  return { videoset, splits, identity: await datasetIdentity(data.root, data.videosetFile, records.length) };
}

/** A checkpoint to continue from. */
export interface ResumePoint {
  training: TrainingState;
  trainerState: Awaited<ReturnType<typeof readTrainerCheckpoint>>['trainer'];
  tag: string;
}

/**
 * The resume decision: with `resume`, the newest intact checkpoint (refusing a different config or dataset unless
 * `force`); without it, refusal to overwrite a run that has checkpoints.
 */
export async function resumePoint(
  request: { resume: boolean; force: boolean; paths: ExperimentPaths; warn: (line: string) => void },
  store: CheckpointStore,
  saved: ExperimentConfigFile | undefined,
  config: A2dConfig,
  dataset: DatasetIdentity,
): Promise<ResumePoint | undefined> {
  const { paths, warn } = request;
  if (!request.resume || !saved) {
    if (existsSync(paths.checkpoints) && (await store.tags()).length > 0) {
      throw new TrainingError(`${paths.root} already has checkpoints: pass --resume to continue it, or choose another --experiment-name`);
    }
    return undefined;
  }
  const differences = configDifferences(saved.config, config).map((d) => `${d.path} (saved ${d.saved}, now ${d.current})`);
  if (saved.dataset) differences.push(...datasetDifferences(saved.dataset, dataset));
  else warn(`${paths.config} was saved before datasets were recorded: cannot check that ${dataset.root} is the dataset it trained on`);
  if (differences.length > 0 && !request.force) {
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
    return undefined;
  }
  const parts = readTrainerCheckpoint(store.pathOf(found.tag), found.files);
  return { training: parts.training, trainerState: parts.trainer, tag: found.tag };
}

/** The state of a run that has not trained yet. */
export function freshTrainingState(configHash: string, workers: number): TrainingState {
  return {
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
    configHash,
    workers,
  };
}

/**
 * The model on this thread (it assembles checkpoints) and the replica trainer (worker threads or in-process), with
 * the pretrained backbone applied to a new run.
 */
export async function startModels(
  config: A2dConfig,
  run: { engine: EngineInfo; workers: number; splits: DatasetSplits; resumed: boolean; log: (line: string) => void; warn: (line: string) => void },
): Promise<{ mainModel: Classifier; trainer: ReplicaTrainer }> {
  const { data, augment } = config;
  const counts = {
    action: countClassOccurrences(run.splits.train.map((r) => r.actionId - 1), NUM_ACTIONS),
    actor: countClassOccurrences(run.splits.train.map((r) => r.actorId - 1), NUM_ACTORS),
  };
  const replicaOptions: ClassifierReplicaOptions = {
    config: { model: config.model, loss: config.loss, train: config.train },
    inputSize: augment.cropSize,
    numFrames: data.sampling.numFrames,
    modelSeed: config.seed,
    classCounts: counts,
  };
  const mainModel = createClassifier(config.model, augment.cropSize, data.sampling.numFrames, config.seed);
  if (config.model.pretrained !== null && !run.resumed) {
    const pretrained = path.resolve(config.model.pretrained);
    const loaded = await applyPretrainedBackbone(networkOf(mainModel), pretrained, config.model.backbone);
    run.log(
      `pretrained: ${loaded.loaded} ${config.model.backbone} weights into ${loaded.prefixes.join(' and ')} from ${pretrained} (${loaded.manifest.source.format}, ${path.basename(loaded.manifest.source.file)})` +
        (loaded.adapted.length > 0 ? `; ${loaded.adapted.map((a) => `${a.name} [${a.saved.join(',')}] -> [${a.model.join(',')}] (extra input channels start at zero)`).join('; ')}` : ''),
    );
    if (loaded.manifest.report.partial) run.warn(`${pretrained} is a forced partial import: ${loaded.manifest.report.missing.length + loaded.manifest.report.mismatched.length} backbone weights were not in the source and start random`);
    replicaOptions.pretrained = pretrained;
  }
  const spec: ReplicaSpec = { module: classifierReplicaModule(), options: replicaOptions };
  try {
    const trainer: ReplicaTrainer =
      run.workers > 1
        ? await DataParallelTrainer.start({ workers: run.workers, replica: spec, backend: run.engine.backend, requestTimeoutMs: config.train.workerTimeoutSeconds * 1000, collectGarbageEvery: config.train.workerGcEvery })
        : await InProcessTrainer.create({ replica: spec });
    return { mainModel, trainer };
  } catch (error) {
    mainModel.dispose();
    throw error;
  }
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
 * The training loader and (with a validation split) the validation loader, which shares its clip source (frame
 * cache, decoder processes); both on the loader thread unless `data.loader.thread` is off.
 */
export async function openTrainingLoaders(config: A2dConfig, splits: DatasetSplits, logger: { warn(line: string): void }): Promise<BatchSources> {
  const { data, augment } = config;
  const valData = { ...data, sampling: { ...data.sampling, testViews: 1 } };
  const { mean, std } = config.model.inputNormalization;
  const specs: Record<string, LoaderSpec> = {
    train: { records: splits.train, data, temporal: augment.temporal, mode: 'train', seed: config.seed, transform: { kind: 'train', augment } },
  };
  if (splits.val.length > 0) {
    specs.val = { records: splits.val, data: valData, temporal: augment.temporal, mode: 'test', seed: config.seed, transform: { kind: 'test', augment }, shareSourceWith: 'train', floats: { mean: [...mean], std: [...std] } };
  }
  return openBatchSources(specs, { thread: data.loader.thread, logger });
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

/** Validation of the live or EMA weights on `valLoader`, as the epoch record holds it. */
export function replicaValidation(config: A2dConfig, trainer: ReplicaTrainer, valLoader: Parameters<typeof predictVideos>[0]): (ema: boolean) => Promise<ValidationResult> {
  return async (ema) => {
    const videos = await predictVideos(valLoader, replicaPredictor(trainer, ema), { normalization: config.model.inputNormalization, topK: config.model.constrainedDecoding.topK, kind: config.model.kind });
    return { loss: videoLosses(videos, config.loss, config.model.kind), acc: videoAccuracies(videos), clips: videos.length };
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
 * Writes the run's current state under tags: the replicas' complete state (exact resume), the model (and EMA
 * model) with the mean of the replicas' batch-norm statistics, the config, then skipped-videos.json.
 */
export function checkpointWriter(run: {
  config: A2dConfig;
  configText: string;
  paths: ExperimentPaths;
  store: CheckpointStore;
  trainer: ReplicaTrainer;
  mainModel: Classifier;
  skippedVideos: () => SkippedVideo[];
}): (tags: string[], state: TrainingState) => Promise<void> {
  return async (tags, state) => {
    // The replicas are left as they are (a resume must continue them exactly); the saved model gets the mean of
    // their batch-norm statistics, which is what `averageBuffers` gives them at the next epoch end.
    const trainerState = await run.trainer.getState();
    const network = networkOf(run.mainModel);
    const meanOf = (prefix: string) => network.weights.map((_, i) => meanOverReplicas(trainerState.replicas.map((r) => r.tensors[`${prefix}/${i}`]?.values as Float32Array)));
    const checkpoint: TrainerCheckpoint = {
      training: { ...state, skippedVideos: run.skippedVideos() },
      trainer: trainerState,
      model: await modelFiles(run.mainModel, meanOf('weights')),
      configJson: run.configText,
    };
    if (run.config.train.ema.enabled) checkpoint.emaModel = await modelFiles(run.mainModel, meanOf('ema'));
    const files = checkpointFiles(checkpoint);
    for (const tag of tags) await run.store.write(tag, files, state.globalStep);
    await writeSkippedVideos(run.paths.skippedVideos, run.skippedVideos());
  };
}
