/**
 * Evaluation of a trained experiment on a split: the checkpoint's model (verified against its manifest) runs
 * sequential two-step inference with multi-view testing (N clips per video, probabilities averaged), and the
 * results go to `<experiment>/results/`: `test_predictions.csv` (the reference layout), `metrics.json`
 * (scikit-learn-exact reports, confusion matrices, plain and constrained combined accuracy, the settings),
 * `action_classification_report.csv` and `actor_classification_report.csv`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DatasetError, type A2dConfig, type DataConfig } from '@a2d/core';
import { currentBackend, tf } from '@a2d/engine';
import { checkFfmpegTools, readVideoset, splitDataset, type VideoRecord } from '@a2d/ingest';
import {
  buildMetricsJson,
  predictionRow,
  TwoStepMetrics,
  writeClassificationReportCsv,
  writeMetricsJson,
  writePredictionsCsv,
  type MetricsJson,
} from '@a2d/metrics';
import { readCheckpointDir } from './checkpoint/checkpoint-store';
import { CheckpointError } from './checkpoint/checkpoint-error';
import { evaluationSettingsSchema, type EvaluationSettings } from './evaluation-settings';
import { openBatchSources, startEarly, type BatchSources } from './data/batch-sources';
import { predictVideos, testTimeInput, type ProbabilityPredictor, type VideoPrediction } from './evaluation';
import { evaluationResultFiles, experimentPaths, readExperimentConfig, type EvaluationSplit } from './experiment';
import { inferProbabilities } from './inference/infer-probabilities';
import { loadClassifier, type Classifier } from './inference/load-classifier';
import type { TrainingProgress } from './train-run';

/** Options of `evaluateExperiment`. */
export interface EvaluateExperimentOptions {
  /** The experiment folder (`<experiment.dir>/<name>`). */
  experimentDir: string;
  /** A checkpoint folder to evaluate instead of `<experiment>/checkpoints/best`. */
  checkpoint?: string;
  /** Evaluate the EMA weights (`ema-model/`) of the checkpoint. */
  ema?: boolean;
  split: 'test' | 'val';
  /** Clips per video (default: the experiment's `data.sampling.testViews`). */
  views?: number;
  /** Spatial crops per clip, 1 or 3 (default: the experiment's `data.sampling.testCrops`). */
  crops?: 1 | 3;
  /** Dataset root, when the data moved since training. */
  dataRoot?: string;
  /** Output folder (default `<experiment>/results`). */
  outDir?: string;
  log?: (line: string) => void;
  progress?: TrainingProgress;
}

/** What an evaluation produced. */
export interface ExperimentEvaluation {
  metrics: MetricsJson;
  videos: VideoPrediction[];
  resultsDir: string;
  /** Videos that could not be decoded (left out of the metrics, listed in the warnings). */
  skipped: number;
}

/** A predictor that runs `model` in this thread. */
export function inProcessPredictor(model: Classifier): ProbabilityPredictor {
  return async (frames, shape) => {
    const outputs = tf.tidy(() => {
      const out = inferProbabilities(model, tf.tensor5d(frames, shape));
      return [out.actionProbs, out.actorTable];
    });
    const [actionProbs, actorTable] = await Promise.all(outputs.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(outputs);
    return { actionProbs, actorTable };
  };
}

/** Loads the model of a checkpoint folder after verifying every file against its manifest. */
export async function loadCheckpointModel(checkpointDir: string, ema = false): Promise<Classifier> {
  await readCheckpointDir(checkpointDir);
  const modelDir = path.join(checkpointDir, ema ? 'ema-model' : 'model');
  if (!existsSync(path.join(modelDir, 'model.json'))) {
    throw new CheckpointError(checkpointDir, ema ? 'has no ema-model/ (trained without train.ema.enabled)' : 'has no model/', undefined);
  }
  return loadClassifier(modelDir);
}

/**
 * The checkpoint folder an evaluation, a prediction or an explanation reads: `checkpoint` when given, else the
 * experiment's `checkpoints/best`; a folder that does not exist is a `CheckpointError` saying how to get one.
 */
export function existingCheckpointDir(experimentDir: string, checkpoint?: string): string {
  const checkpointDir = checkpoint ?? experimentPaths(path.dirname(experimentDir), path.basename(experimentDir)).bestCheckpoint;
  if (!existsSync(checkpointDir)) throw new CheckpointError(checkpointDir, 'not found (train first, or pass --checkpoint=<folder>)');
  return checkpointDir;
}

/**
 * The videos of `split` in the dataset `data` describes, split exactly as training split it (the same fraction,
 * seed and `none` rule); an empty split is a `DatasetError` naming the videoset.
 */
export async function splitRecords(data: DataConfig, split: EvaluationSplit): Promise<VideoRecord[]> {
  const videoset = path.join(data.root, data.videosetFile);
  const splits = splitDataset(await readVideoset(videoset), { valFraction: data.valFraction, seed: data.splitSeed, includeNone: data.includeNone });
  const records = split === 'test' ? splits.test : splits.val;
  if (records.length === 0) throw new DatasetError(videoset, `the ${split} split is empty`);
  return records;
}

/** The config a checkpoint was trained with: its own `config.json`, else the experiment's. */
export function checkpointConfig(checkpointDir: string, experimentDir: string): A2dConfig {
  const own = path.join(checkpointDir, 'config.json');
  return readExperimentConfig(existsSync(own) ? own : experimentPaths(path.dirname(experimentDir), path.basename(experimentDir)).config).config;
}

/** Evaluates an experiment's checkpoint on a split and writes the results (see the file comment). */
export async function evaluateExperiment(options: EvaluateExperimentOptions): Promise<ExperimentEvaluation> {
  const log = options.log ?? (() => undefined);
  // Before any video: a broken or too-old ffmpeg/ffprobe would fail every one alike; this stops with one line.
  await checkFfmpegTools();
  const paths = experimentPaths(path.dirname(options.experimentDir), path.basename(options.experimentDir));
  const checkpointDir = existingCheckpointDir(options.experimentDir, options.checkpoint);
  const config = checkpointConfig(checkpointDir, options.experimentDir);
  const views = options.views ?? config.data.sampling.testViews;
  const crops = options.crops ?? config.data.sampling.testCrops;
  const input = testTimeInput(config.augment, crops);
  const data = {
    ...config.data,
    root: options.dataRoot ?? config.data.root,
    sampling: { ...config.data.sampling, testViews: views },
  };
  let sources: BatchSources | undefined;
  let model: Classifier | undefined;
  try {
    const chosen = await splitRecords(data, options.split);
    const warnings: string[] = [];
    const { mean, std } = config.model.inputNormalization;
    sources = await openBatchSources(
      {
        [options.split]: {
          records: chosen,
          data,
          temporal: config.augment.temporal,
          mode: 'test',
          seed: config.seed,
          transform: input.transform ? { kind: 'test', augment: config.augment } : undefined,
          // One crop: the loader thread converts to floats as well; three are cut from the bytes here.
          floats: input.crops ? undefined : { mean: [...mean], std: [...std] },
        },
      },
      { thread: data.loader.thread, logger: { warn: (line) => (options.progress ? options.progress.warn(line) : log(`warning: ${line}`)) } },
    );
    // The first batch loads on the loader thread while the model loads here.
    const loader = startEarly(sources.loader(options.split));
    model = await loadCheckpointModel(checkpointDir, options.ema ?? false);
    if (JSON.stringify(model.config.inputNormalization) !== JSON.stringify(config.model.inputNormalization)) {
      throw new CheckpointError(checkpointDir, `its model and its config.json disagree on model.inputNormalization (${JSON.stringify(model.config.inputNormalization)} vs ${JSON.stringify(config.model.inputNormalization)})`);
    }
    log(`evaluating ${checkpointDir}${options.ema ? ' (EMA weights)' : ''} on ${chosen.length} ${options.split} videos, ${views} view(s) x ${crops} crop(s) each`);
    const started = performance.now();
    let videosDone = 0;
    let clipsDone = 0;
    options.progress?.startEpoch(1, Math.ceil(chosen.length / loader.videosPerBatch), `evaluating ${options.split}`);
    let batches = 0;
    // The first batch carries the one-off costs (kernel set-up and JIT, the loader's first reads), so the speed
    // after it is recorded too: it is what a longer split converges to.
    let firstBatch: { clips: number; at: number } | undefined;
    const videos = await predictVideos(loader, inProcessPredictor(model), {
      normalization: model.config.inputNormalization,
      topK: config.model.constrainedDecoding.topK,
      kind: config.model.kind,
      crops: input.crops,
      onBatch: (v, c) => {
        videosDone += v;
        clipsDone += c;
        batches++;
        firstBatch ??= { clips: clipsDone, at: performance.now() };
        options.progress?.update(batches, { clipsPerSecond: clipsDone / Math.max(1e-9, (performance.now() - started) / 1000) });
      },
    });
    const ended = performance.now();
    const seconds = (ended - started) / 1000;
    const steadyClips = clipsDone - (firstBatch?.clips ?? clipsDone);
    if (videos.length === 0) throw new DatasetError(path.join(data.root, data.clipsDir), `none of the ${chosen.length} ${options.split} videos could be decoded`);
    if (loader.skipped.length > 0) {
      warnings.push(`${loader.skipped.length} of ${chosen.length} videos could not be decoded and are not scored: ${loader.skipped.slice(0, 5).map((s) => s.videoId).join(', ')}${loader.skipped.length > 5 ? ', ...' : ''}`);
    }
    const metrics = new TwoStepMetrics();
    metrics.update(
      videos.map((v) => ({
        trueAction: v.trueAction,
        predAction: v.plain.action,
        trueActor: v.trueActor,
        predActor: v.plain.actor,
        constrained: v.constrained,
        actionProbabilities: v.actionProbs,
      })),
    );
    const body = metrics.compute();
    const settings: EvaluationSettings = evaluationSettingsSchema.parse({
      checkpoint: path.resolve(checkpointDir),
      weights: options.ema ? 'ema' : 'live',
      split: options.split,
      videos: videos.length,
      views,
      crops,
      numFrames: data.sampling.numFrames,
      cropSize: config.augment.cropSize,
      modelKind: config.model.kind,
      backbone: config.model.backbone,
      constrainedTopK: config.model.constrainedDecoding.topK,
      backend: currentBackend(),
      seconds,
      clipsPerSecond: clipsDone / Math.max(1e-9, seconds),
      firstBatchSeconds: firstBatch ? (firstBatch.at - started) / 1000 : null,
      steadyClipsPerSecond: firstBatch && steadyClips > 0 ? steadyClips / Math.max(1e-9, (ended - firstBatch.at) / 1000) : null,
      skippedVideos: loader.skipped.map((s) => s.videoId),
    });
    const result = buildMetricsJson(body, settings, warnings);
    const resultsDir = options.outDir ?? paths.results;
    const files = evaluationResultFiles(resultsDir, options.split);
    await writePredictionsCsv(
      files.predictions,
      videos.map((v) => predictionRow({ videoId: v.videoId, trueAction: v.trueAction, predAction: v.plain.action, trueActor: v.trueActor, predActor: v.plain.actor })),
    );
    await writeMetricsJson(files.metrics, result);
    if (result.action_report) await writeClassificationReportCsv(files.actionReport, result.action_report);
    if (result.actor_report) await writeClassificationReportCsv(files.actorReport, result.actor_report);
    options.progress?.endEpoch(`evaluated ${videosDone} videos (${clipsDone} clips) in ${seconds.toFixed(1)}s, ${(clipsDone / Math.max(1e-9, seconds)).toFixed(1)} clips/s`);
    return { metrics: result, videos, resultsDir, skipped: loader.skipped.length };
  } finally {
    await sources?.close();
    model?.dispose();
  }
}
