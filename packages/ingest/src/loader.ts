/**
 * The batch loader: records -> shuffled (train) or ordered (test) clips -> optional per-clip transform ->
 * batches `[B, T, H, W, 3]` with 0-based action/actor class indices.
 *
 * Reproducibility: the order depends only on (seed, epoch), and every clip draws from its own
 * `Rng(seed).fork(epoch/video/view)`, so batches are identical whatever finishes first; results are assembled
 * by position, never by completion. Up to `decode.workers * decode.batchClips` clips load at once (at most
 * `decode.workers` ffmpeg processes, each decoding up to `batchClips` videos), and loading runs at most
 * `loader.prefetch` batches ahead of the batch the consumer holds.
 *
 * Robustness: a video that cannot be decoded is skipped with a warning, listed once in `skipped`, and its place
 * is taken by the following videos; it is not retried in later epochs. When every video of an epoch (two or more)
 * fails, all for the same reason, the epoch throws `AllVideosFailedError` instead of ending with no batch: that is
 * a broken ffmpeg or a wrong folder, not a dataset of bad videos.
 */
import path from 'node:path';
import {
  A2dError,
  actionIndexOf,
  actorIndexOf,
  DatasetError,
  NONE_ACTION_ID,
  Rng,
  VideoDecodeError,
  type Clip,
  type DataConfig,
} from '@a2d/core';
import { ClipSource } from './clip-source';
import type { VideoRecord } from './records';
import type { SamplingMode, TemporalConfig } from './sampling';

/** One batch; clips of a test-time video's views are adjacent and never split across batches. */
export interface Batch {
  /** uint8 RGB, laid out `shape`. */
  frames: Uint8Array;
  /** `[clips, framesPerClip, height, width, 3]` (height/width after the transform, if any). */
  shape: [number, number, number, number, 3];
  /** Step-1 class index (0..7) per clip. */
  actionIds: Int32Array;
  /** Step-2 class index (0..6) per clip. */
  actorIds: Int32Array;
  videoIds: string[];
  /** Test view index per clip (0 in training). */
  views: Int32Array;
  /** Videos of the epoch's order consumed up to and including this batch (pass it to `batches` to resume after it). */
  position: number;
}

/** A video left out because it could not be decoded. */
export interface SkippedVideo {
  videoId: string;
  file: string;
  reason: string;
}

/**
 * Every video of an epoch failed to load, all in the same way (`reason`, with the file and frame numbers left
 * out): a broken or too-old ffmpeg/ffprobe, or a wrong dataset folder, rather than bad videos.
 */
export class AllVideosFailedError extends A2dError {
  constructor(
    /** 0-based epoch. */
    readonly epoch: number,
    /** Videos that failed: all the epoch tried. */
    readonly failed: number,
    /** The common reason (see `decodeFailureSignature`). */
    readonly reason: string,
    /** One of the videos, with its own full reason. */
    readonly example: SkippedVideo,
  ) {
    super(
      `all ${failed} videos failed to load the same way in epoch ${epoch + 1}: ${reason} (e.g. ${example.file}: ${example.reason}); ` +
        'check ffmpeg/ffprobe (FFMPEG_PATH, FFPROBE_PATH) and data.root / data.clipsDir',
    );
  }
}

/** A decode failure's reason without what differs from video to video (its file, frame numbers): "the same way". */
export function decodeFailureSignature(error: VideoDecodeError): string {
  return error.reason.split(error.file).join('<file>').replace(/\[[\d,\s]*\]/g, '[...]');
}

/** Where loader warnings go (default: console). */
export interface DataLoaderLogger {
  warn(message: string): void;
}

/** Per-clip augmentation hook: gets the decoded clip and the clip's own rng; may change height/width. */
export type ClipTransform = (clip: Clip, rng: Rng) => Clip;

/** Settings of a `DataLoader`. */
export interface DataLoaderOptions {
  records: readonly VideoRecord[];
  /** The `data` config section (sampling, decode, loader, root). */
  data: DataConfig;
  /** `augment.temporal` (used in training mode). */
  temporal: TemporalConfig;
  mode: SamplingMode;
  seed: number;
  transform?: ClipTransform;
  logger?: DataLoaderLogger;
  /** Share one `ClipSource` (and its cache) between loaders; default: a new one from `data`/`temporal`. */
  source?: ClipSource;
}

interface VideoItem {
  record: VideoRecord;
  actionIndex: number;
  actorIndex: number;
}

type ClipOutcome = { clip: Clip } | { error: VideoDecodeError };

/** Clips per video in one epoch of a loader of `data` in `mode`: the test views, or 1 in training. */
export function viewsPerVideoOf(data: DataConfig, mode: SamplingMode): number {
  return mode === 'test' ? data.sampling.testViews : 1;
}

/** Videos per batch of such a loader: in test mode, whole videos whose views fit in `batchSize` (at least one). */
export function videosPerBatchOf(data: DataConfig, mode: SamplingMode): number {
  return Math.max(1, Math.floor(data.loader.batchSize / viewsPerVideoOf(data, mode)));
}

/** Async batches of clips with bounded prefetch, parallel decoding, deterministic order and skip-and-count. */
export class DataLoader {
  /** Videos that failed to decode (each listed once, in the order they failed). */
  readonly skipped: SkippedVideo[] = [];
  /** The clip source (sampling, cache, decoding) in use. */
  readonly source: ClipSource;
  private readonly videos: VideoItem[];
  private readonly failures = new Map<string, VideoDecodeError>();
  private readonly warnedIncomplete = new Set<string>();
  private readonly logger: DataLoaderLogger;
  private active = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(readonly options: DataLoaderOptions) {
    this.logger = options.logger ?? console;
    this.source = options.source ?? new ClipSource({ data: options.data, temporal: options.temporal, logger: this.logger });
    const videoset = path.join(options.data.root, options.data.videosetFile);
    this.videos = options.records.map((record) => {
      if (record.actionId === NONE_ACTION_ID) {
        throw new DatasetError(videoset, `video ${record.videoId} has action "none", which is not a class`, record.line, 'label');
      }
      return { record, actionIndex: actionIndexOf(record.actionId), actorIndex: actorIndexOf(record.actorId) };
    });
  }

  /** Clips per video in one epoch (test views, or 1 in training). */
  get viewsPerVideo(): number {
    return viewsPerVideoOf(this.options.data, this.options.mode);
  }

  /** Videos per batch: in test mode, whole videos whose views fit in `batchSize` (at least one). */
  get videosPerBatch(): number {
    return videosPerBatchOf(this.options.data, this.options.mode);
  }

  /** Video order of an epoch: shuffled by (seed, epoch) in training, as given at test time. */
  epochOrder(epoch: number): VideoRecord[] {
    return this.orderedVideos(epoch).map((video) => video.record);
  }

  private orderedVideos(epoch: number): VideoItem[] {
    const order = [...this.videos];
    return this.options.mode === 'train' ? new Rng(this.options.seed).fork(`shuffle/${epoch}`).shuffle(order) : order;
  }

  /** Resolves once no clip is loading (what prefetch had to do is done). */
  whenIdle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The batches of one epoch; `startPosition` resumes after that many videos of the epoch's order (a batch's `position`). */
  async *batches(epoch = 0, startPosition = 0): AsyncGenerator<Batch> {
    const { batchSize, prefetch, dropLast } = this.options.data.loader;
    const views = this.viewsPerVideo;
    const order = this.orderedVideos(epoch);
    // One entry per clip, a video's views adjacent; loads are started lazily by `pump`.
    const clipsOf = (videoPosition: number) => videoPosition * views;
    const totalClips = order.length * views;
    const loads: Promise<ClipOutcome>[] = [];
    let windowEnd = 0;
    const pump = () => {
      // Enough clips load at once to fill every decoder process's batch; the decoder bounds the processes.
      const { workers, batchClips } = this.options.data.decode;
      while (this.active < workers * batchClips && loads.length < Math.min(totalClips, windowEnd)) {
        const clipIndex = loads.length;
        const video = order[Math.floor(clipIndex / views)];
        this.active++;
        const load = this.loadClip(video, clipIndex % views, epoch).finally(() => {
          this.active--;
          pump();
          if (this.active === 0) this.idleWaiters.splice(0).forEach((resolve) => resolve());
        });
        load.catch(() => undefined); // rejections (transform bugs) surface where the batch awaits them
        loads.push(load);
      }
    };
    const awaitClip = (clipIndex: number) => {
      windowEnd = Math.max(windowEnd, clipIndex + 1);
      pump();
      return loads[clipIndex];
    };

    const perBatch = this.videosPerBatch;
    if (!Number.isInteger(startPosition) || startPosition < 0 || startPosition > order.length) {
      throw new RangeError(`DataLoader.batches: startPosition must be an integer in 0..${order.length}, got ${startPosition}`);
    }
    let position = startPosition;
    // Clips before the start are never loaded: `loads` is indexed by clip, and `pump` appends from here.
    loads.length = clipsOf(startPosition);
    // Videos of this call that loaded, and the failures of those that did not (for `AllVideosFailedError`).
    let loadedVideos = 0;
    const epochFailures: { videoId: string; error: VideoDecodeError }[] = [];
    while (position < order.length) {
      windowEnd = Math.max(windowEnd, clipsOf(position) + (1 + prefetch) * perBatch * views);
      pump();
      const members: { video: VideoItem; clips: Clip[] }[] = [];
      while (members.length < perBatch && position < order.length) {
        const video = order[position];
        const outcomes: ClipOutcome[] = [];
        for (let view = 0; view < views; view++) outcomes.push(await awaitClip(clipsOf(position) + view));
        position++;
        const failure = outcomes.find((outcome): outcome is { error: VideoDecodeError } => 'error' in outcome);
        if (failure) {
          this.recordFailure(video, failure.error);
          epochFailures.push({ videoId: video.record.videoId, error: failure.error });
          continue;
        }
        loadedVideos++;
        members.push({ video, clips: outcomes.map((outcome) => (outcome as { clip: Clip }).clip) });
      }
      if (members.length === 0) break;
      if (members.length < perBatch && dropLast && this.options.mode === 'train') break;
      yield assembleBatch(members, batchSize, position);
    }
    if (loadedVideos === 0 && epochFailures.length >= 2) {
      const [{ videoId, error: first }] = epochFailures;
      const reason = decodeFailureSignature(first);
      if (epochFailures.every(({ error }) => decodeFailureSignature(error) === reason)) {
        throw new AllVideosFailedError(epoch, epochFailures.length, reason, { videoId, file: first.file, reason: first.reason });
      }
    }
  }

  private async loadClip(video: VideoItem, view: number, epoch: number): Promise<ClipOutcome> {
    const { record } = video;
    const known = this.failures.get(record.videoId);
    if (known) return { error: known };
    const rng = new Rng(this.options.seed).fork(`${epoch}/${record.videoId}/${view}`);
    let loaded;
    try {
      loaded = await this.source.loadClip(record, {
        mode: this.options.mode,
        rng: rng.fork('sample'),
        view,
        numViews: this.viewsPerVideo,
      });
    } catch (error) {
      if (error instanceof VideoDecodeError) return { error };
      throw error;
    }
    if (loaded.missingIndices.length > 0 && !this.warnedIncomplete.has(record.videoId)) {
      this.warnedIncomplete.add(record.videoId);
      this.logger.warn(
        `${this.source.fileOf(record)}: frames [${loaded.missingIndices.join(', ')}] could not be decoded ` +
          `(video shorter than its ${record.numFrames} recorded frames, or truncated); repeated the last good frame`,
      );
    }
    const clip: Clip = { data: loaded.data, numFrames: loaded.numFrames, height: loaded.height, width: loaded.width };
    return { clip: this.options.transform ? this.options.transform(clip, rng.fork('transform')) : clip };
  }

  private recordFailure(video: VideoItem, error: VideoDecodeError): void {
    const { videoId } = video.record;
    if (this.failures.has(videoId)) return;
    this.failures.set(videoId, error);
    this.skipped.push({ videoId, file: error.file, reason: error.reason });
    this.logger.warn(`skipping video ${videoId}: ${error.message}`);
  }
}

/** Packs clips of equal shape into one batch; a transform that returns mixed shapes is a bug and throws. */
function assembleBatch(members: { video: VideoItem; clips: Clip[] }[], batchSize: number, position: number): Batch {
  const clips = members.flatMap((member) => member.clips.map((clip, view) => ({ ...member, clip, view })));
  const first = clips[0].clip;
  const clipBytes = first.numFrames * first.height * first.width * 3;
  const frames = new Uint8Array(clips.length * clipBytes);
  clips.forEach(({ clip, video }, i) => {
    if (clip.numFrames !== first.numFrames || clip.height !== first.height || clip.width !== first.width) {
      throw new RangeError(
        `batch of ${batchSize}: clip of ${video.record.videoId} is ${clip.numFrames}x${clip.height}x${clip.width}, ` +
          `others ${first.numFrames}x${first.height}x${first.width} (the transform must give one shape)`,
      );
    }
    frames.set(clip.data.subarray(0, clipBytes), i * clipBytes);
  });
  return {
    frames,
    shape: [clips.length, first.numFrames, first.height, first.width, 3],
    actionIds: Int32Array.from(clips, ({ video }) => video.actionIndex),
    actorIds: Int32Array.from(clips, ({ video }) => video.actorIndex),
    videoIds: clips.map(({ video }) => video.record.videoId),
    views: Int32Array.from(clips, ({ view }) => view),
    position,
  };
}
