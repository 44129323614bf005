/**
 * Predictions for arbitrary video files from a trained checkpoint, made exactly as `evaluateExperiment` makes them
 * for a test video, so the same clip gets the same answer: the file becomes a one-video dataset
 * (`videoFileRecord`), read by a test-mode `DataLoader` with the checkpoint's data settings (frame cache, test
 * views, centre crop), and `predictVideos` averages the views and decodes (plain sequential + constrained).
 * The model is loaded once for all files.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ACTORS,
  VIDEO_ACTIONS,
  VideoDecodeError,
  type A2dConfig,
  type ActorName,
  type Clip,
  type DataConfig,
  type VideoActionName,
} from '@a2d/core';
import { ClipBatchConverter } from '@a2d/augment';
import { checkFfmpegTools, clipPath, DataLoader, videoFileRecord } from '@a2d/ingest';
import { checkpointConfig, existingCheckpointDir, inProcessPredictor, loadCheckpointModel } from '../evaluate-experiment';
import { croppedBatch, predictVideos, testTimeInput } from '../evaluation';
import type { Classifier } from './load-classifier';

/** Which checkpoint of which experiment to predict with. */
export interface VideoFilePredictorOptions {
  /** The experiment folder (`<experiments dir>/<name>`). */
  experimentDir: string;
  /** A checkpoint folder instead of `<experiment>/checkpoints/best`. */
  checkpoint?: string;
  /** Use the checkpoint's EMA weights. */
  ema?: boolean;
  /** Clips per video (default: the checkpoint config's `data.sampling.testViews`, as the evaluator). */
  views?: number;
  /** Spatial crops per clip, 1 or 3 (default: the config's `data.sampling.testCrops`, as the evaluator). */
  crops?: 1 | 3;
}

/** An action with its probability p(action). */
export interface ActionProbability {
  action: VideoActionName;
  probability: number;
}

/** A decoded (action, actor) pair with step 1's p(action), step 2's p(actor | action) and their product. */
export interface PairPrediction {
  action: VideoActionName;
  actionProbability: number;
  actor: ActorName;
  /** p(actor | action). */
  actorProbability: number;
  /** p(action) * p(actor | action). */
  jointScore: number;
}

/** What one file got. */
export interface VideoFilePrediction {
  file: string;
  /** The id the loader used (the file name without `.mp4`). */
  videoId: string;
  /** Frames in the file (ffprobe). */
  frames: number;
  /** Clips averaged. */
  views: number;
  /** Plain sequential decoding: step 1's most probable action, then step 2's most probable actor given it. */
  plain: PairPrediction;
  /** Constrained decoding: the valid A2D pair of highest joint score among step 1's top-k actions. */
  constrained: PairPrediction;
  /** The three most probable actions. */
  topActions: ActionProbability[];
  /** p(action), 8 values (views averaged), in `VIDEO_ACTIONS` order. */
  actionProbs: number[];
  /** p(actor | action): 8 rows (actions) of 7 (actors), views averaged. */
  actorTable: number[][];
  /** Loader warnings (e.g. frames past a truncated end, repeated). */
  warnings: string[];
  /** Wall time of this file: probe, decode, inference, decoding. */
  milliseconds: number;
}

/** One file's first clip as `VideoFilePredictor.predict` feeds it to the model (see `VideoFilePredictor.firstClip`). */
export interface VideoFileClip {
  file: string;
  /** The id the loader used (the file name without `.mp4`). */
  videoId: string;
  /** The clip's pixels [T, S, S, 3] after the test-time crop, before normalisation. */
  pixels: Clip;
  /** The same clip normalised as the model reads it, row-major [T, S, S, 3]. */
  normalised: Float32Array;
  /** Shape of `normalised`: [T, S, S, 3]. */
  shape: [number, number, number, 3];
  /** The predictor's model (still owned by the predictor: do not dispose it). */
  model: Classifier;
}

/** What a predictor runs (for the printed header and `--json`). */
export interface PredictorSettings {
  experimentDir: string;
  checkpoint: string;
  weights: 'live' | 'ema';
  modelKind: 'two-step' | 'one-step';
  views: number;
  /** Spatial crops per clip. */
  crops: 1 | 3;
  /** Actions re-scored by constrained decoding. */
  constrainedTopK: number;
}

function pair(action: number, actor: number, actionProbs: readonly number[], actorTable: readonly (readonly number[])[]): PairPrediction {
  const actionProbability = actionProbs[action];
  const actorProbability = actorTable[action][actor];
  return { action: VIDEO_ACTIONS[action], actionProbability, actor: ACTORS[actor], actorProbability, jointScore: actionProbability * actorProbability };
}

/** A loaded checkpoint that predicts video files one by one; `close` it when done. */
export class VideoFilePredictor {
  private filesSeen = 0;

  private constructor(
    /** What runs. */
    readonly settings: PredictorSettings,
    private readonly config: A2dConfig,
    private readonly model: Classifier,
    private readonly workDir: string,
  ) {}

  /**
   * Loads the checkpoint's model (verified against its manifest). A missing or corrupt checkpoint is a
   * `CheckpointError`, a missing or invalid config a `DatasetError`/`ConfigError`.
   */
  static async open(options: VideoFilePredictorOptions): Promise<VideoFilePredictor> {
    // Before any file: a broken or too-old ffmpeg/ffprobe would fail every one alike; this stops with one line.
    await checkFfmpegTools();
    const checkpointDir = existingCheckpointDir(options.experimentDir, options.checkpoint);
    const config = checkpointConfig(checkpointDir, options.experimentDir);
    const model = await loadCheckpointModel(checkpointDir, options.ema ?? false);
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'a2d-predict-'));
    const settings: PredictorSettings = {
      experimentDir: options.experimentDir,
      checkpoint: path.resolve(checkpointDir),
      weights: options.ema ? 'ema' : 'live',
      modelKind: config.model.kind,
      views: options.views ?? config.data.sampling.testViews,
      crops: options.crops ?? config.data.sampling.testCrops,
      constrainedTopK: config.model.constrainedDecoding.topK,
    };
    return new VideoFilePredictor(settings, config, model, workDir);
  }

  /** Predicts one file; a missing, non-video or undecodable file is a `VideoDecodeError` naming it. */
  async predict(file: string): Promise<VideoFilePrediction> {
    const slot = path.join(this.workDir, String(this.filesSeen++));
    try {
      return await this.predictIn(file, slot);
    } finally {
      // Its link and decoded frames are of no further use: keep the disk use of a long file list flat.
      await rm(slot, { recursive: true, force: true });
    }
  }

  /**
   * A test-mode loader of `file` alone with the experiment's settings: the evaluator's frames come through the
   * frame cache (the dense set, then views snapped onto it), so these must too, in a fresh folder per file (entries
   * are keyed by video id); no cache when training used none.
   */
  private async fileLoader(file: string, slot: string, warnings: string[]): Promise<{ source: Awaited<ReturnType<typeof videoFileRecord>>; loader: DataLoader; input: ReturnType<typeof testTimeInput> }> {
    const source = await videoFileRecord(file, { linkDir: path.join(slot, 'link') });
    const { config } = this;
    const data: DataConfig = {
      ...config.data,
      root: source.root,
      clipsDir: source.clipsDir,
      sampling: { ...config.data.sampling, testViews: this.settings.views },
      decode: { ...config.data.decode, cacheDir: config.data.decode.cacheDir === '' ? '' : path.join(slot, 'frame-cache') },
    };
    const input = testTimeInput(config.augment, this.settings.crops);
    const loader = new DataLoader({
      records: [source.record],
      data,
      temporal: config.augment.temporal,
      mode: 'test',
      seed: config.seed,
      transform: input.transform,
      // The loader names the file it read (a link for files not named `*.mp4`); show the name the user gave.
      logger: { warn: (line) => warnings.push(line.split(clipPath(source.root, source.clipsDir, source.record.videoId)).join(file)) },
    });
    return { source, loader, input };
  }

  private async predictIn(file: string, slot: string): Promise<VideoFilePrediction> {
    const started = performance.now();
    const warnings: string[] = [];
    const { source, loader, input } = await this.fileLoader(file, slot, warnings);
    const [video] = await predictVideos(loader, inProcessPredictor(this.model), { normalization: this.model.config.inputNormalization, topK: this.settings.constrainedTopK, kind: this.settings.modelKind, crops: input.crops });
    if (!video) throw new VideoDecodeError(file, loader.skipped[0]?.reason ?? 'could not be decoded');
    const { actionProbs, actorTable } = video;
    const topActions = actionProbs
      .map((probability, action) => ({ action: VIDEO_ACTIONS[action], probability }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, 3);
    return {
      file,
      videoId: source.record.videoId,
      frames: source.probe.numFrames,
      views: video.views,
      plain: pair(video.plain.action, video.plain.actor, actionProbs, actorTable),
      constrained: pair(video.constrained.action, video.constrained.actor, actionProbs, actorTable),
      topActions,
      actionProbs,
      actorTable,
      warnings,
      milliseconds: performance.now() - started,
    };
  }

  /**
   * The first view of `file` (with 3 crops, its first crop), sampled, decoded, cropped and normalised exactly as
   * `predict` does (the same loader settings); a missing, non-video or undecodable file is a `VideoDecodeError`.
   */
  async firstClip(file: string): Promise<VideoFileClip> {
    const slot = path.join(this.workDir, String(this.filesSeen++));
    try {
      const { source, loader, input } = await this.fileLoader(file, slot, []);
      let first: { frames: Uint8Array; shape: [number, number, number, number, 3]; floats?: Float32Array } | undefined;
      for await (const batch of loader.batches(0)) {
        first = input.crops ? croppedBatch(batch.frames, batch.shape, input.crops, 0) : batch;
        break;
      }
      if (!first) throw new VideoDecodeError(file, loader.skipped[0]?.reason ?? 'could not be decoded');
      const [, numFrames, height, width] = first.shape;
      const clipValues = numFrames * height * width * 3;
      const floats = first.floats ?? new ClipBatchConverter(this.model.config.inputNormalization).convert(first.frames, first.shape);
      return {
        file,
        videoId: source.record.videoId,
        pixels: { data: first.frames.slice(0, clipValues), numFrames, height, width },
        normalised: floats.slice(0, clipValues),
        shape: [numFrames, height, width, 3],
        model: this.model,
      };
    } finally {
      await rm(slot, { recursive: true, force: true });
    }
  }

  /** Frees the model and removes the temporary links and frame caches. */
  async close(): Promise<void> {
    this.model.dispose();
    await rm(this.workDir, { recursive: true, force: true });
  }
}
