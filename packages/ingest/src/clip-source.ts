/**
 * Where clips come from: sampling + frame cache + ffmpeg decoding behind one call, `loadClip(record, request)`.
 * With a cache, a video is decoded once into its denser set (see frame-cache.ts) and every clip, train or test,
 * snaps its sampled indices to the nearest cached frame. Without one (`decode.cacheDir: ''`), each clip decodes
 * exactly its sampled frames.
 */
import path from 'node:path';
import { VideoDecodeError, type Clip, type DataConfig } from '@a2d/core';
import { DecodeBatcher } from './decode-batcher';
import { probeVideo } from './ffmpeg';
import { FrameCache, sourceStamp, type CachedFrameSet, type FrameCacheKey, type SourceStamp } from './frame-cache';
import { clipPath, type VideoRecord } from './records';
import {
  denseFrameSet,
  nearestFramePositions,
  sampleClipIndices,
  type ClipSamplingRequest,
  type TemporalConfig,
} from './sampling';

/** A clip ready for augmentation, with where its frames came from. */
export interface LoadedClip extends Clip {
  videoId: string;
  /** Source frame number of each frame (after snapping to the cached set, when a cache is used). */
  sourceIndices: number[];
  /** Source frames the decoder could not deliver (past the real end / truncated file), filled by repetition. */
  missingIndices: number[];
  /** True when no ffmpeg process ran for this clip. */
  fromCache: boolean;
}

/** Settings of a `ClipSource`. */
export interface ClipSourceOptions {
  /** The `data` config section (root, clipsDir, sampling, decode). */
  data: DataConfig;
  /** `augment.temporal` (jitter, speed); applied in training mode only. */
  temporal: TemporalConfig;
  /** Told when a cache entry cannot be written (the clip is still returned; default: console). */
  logger?: { warn(message: string): void };
}

/** The cache folder a data config asks for: `<root>/.frame-cache` by default, none for `''`. */
export function resolveCacheDir(data: DataConfig): string | undefined {
  if (data.decode.cacheDir === '') return undefined;
  return data.decode.cacheDir ?? path.join(data.root, '.frame-cache');
}

/** Loads sampled clips of dataset videos through the frame cache (when enabled) and ffmpeg. */
export class ClipSource {
  /** The cache in use, or undefined when disabled. */
  readonly cache: FrameCache | undefined;
  private readonly inFlight = new Map<string, Promise<{ set: CachedFrameSet; fromCache: boolean }>>();
  /** Shares ffmpeg processes between videos decoded at the same time (`decode.batchClips` per process). */
  private readonly decoder: DecodeBatcher;

  constructor(readonly options: ClipSourceOptions) {
    const dir = resolveCacheDir(options.data);
    this.cache = dir === undefined ? undefined : new FrameCache(dir);
    this.decoder = new DecodeBatcher(options.data.decode.batchClips, options.data.decode.workers);
  }

  /**
   * Frames kept per video: `decode.cacheFrames`, raised to `numFrames * testViews` so that test views (which sit
   * at different places in each segment) do not snap onto the same cached frames.
   */
  get cacheFrames(): number {
    const { decode, sampling } = this.options.data;
    return Math.max(decode.cacheFrames, sampling.numFrames * sampling.testViews);
  }

  /** Path of a record's clip. */
  fileOf(record: VideoRecord): string {
    return clipPath(this.options.data.root, this.options.data.clipsDir, record.videoId);
  }

  /**
   * One clip of `record`: `sampling.numFrames` frames at the decode size. Throws `VideoDecodeError` (naming the
   * file) when the video is missing, empty, corrupt or has no video stream.
   */
  async loadClip(record: VideoRecord, request: ClipSamplingRequest): Promise<LoadedClip> {
    const { data } = this.options;
    const file = this.fileOf(record);
    if (!this.cache) {
      const totalFrames = await this.frameCountOf(record, file);
      const wanted = this.sample(totalFrames, request);
      const decoded = await this.decoder.decode(file, {
        indices: wanted,
        width: data.decode.width,
        height: data.decode.height,
        timeoutSeconds: data.decode.timeoutSeconds,
        threads: data.decode.threads,
      });
      return { ...decoded, videoId: record.videoId, sourceIndices: wanted, fromCache: false };
    }
    const { set, fromCache } = await this.frameSet(record, file);
    const wanted = this.sample(set.totalFrames, request);
    const positions = nearestFramePositions(set.indices, wanted);
    const frameSize = set.clip.width * set.clip.height * 3;
    const out = new Uint8Array(positions.length * frameSize);
    positions.forEach((position, i) => {
      out.set(set.clip.data.subarray(position * frameSize, (position + 1) * frameSize), i * frameSize);
    });
    const sourceIndices = positions.map((position) => set.indices[position]);
    return {
      data: out,
      numFrames: positions.length,
      width: set.clip.width,
      height: set.clip.height,
      videoId: record.videoId,
      sourceIndices,
      missingIndices: sourceIndices.filter((index) => set.missingIndices.includes(index)),
      fromCache,
    };
  }

  private sample(totalFrames: number, request: ClipSamplingRequest): number[] {
    return sampleClipIndices(totalFrames, this.options.data.sampling, this.options.temporal, request);
  }

  private async frameCountOf(record: VideoRecord, file: string): Promise<number> {
    if (this.options.data.decode.frameCount === 'record' && record.numFrames > 0) return record.numFrames;
    return (await probeVideo(file)).numFrames;
  }

  /** The cached denser set of a video, decoding it on a miss; concurrent calls for one video share one decode. */
  private frameSet(record: VideoRecord, file: string): Promise<{ set: CachedFrameSet; fromCache: boolean }> {
    const pending = this.inFlight.get(record.videoId);
    if (pending) return pending;
    const promise = this.fetchFrameSet(record, file).finally(() => this.inFlight.delete(record.videoId));
    this.inFlight.set(record.videoId, promise);
    return promise;
  }

  private async fetchFrameSet(record: VideoRecord, file: string): Promise<{ set: CachedFrameSet; fromCache: boolean }> {
    const cache = this.cache as FrameCache;
    const { decode } = this.options.data;
    let stamp: SourceStamp;
    try {
      stamp = await sourceStamp(file);
    } catch {
      throw new VideoDecodeError(file, 'file not found');
    }
    const key: FrameCacheKey = {
      videoId: record.videoId,
      width: decode.width,
      height: decode.height,
      cacheFrames: this.cacheFrames,
    };
    const cached = await cache.lookup(key, stamp);
    if (typeof cached !== 'string') return { set: cached, fromCache: true };
    const totalFrames = await this.frameCountOf(record, file);
    const indices = denseFrameSet(totalFrames, this.cacheFrames);
    const decoded = await this.decoder.decode(file, {
      indices,
      width: decode.width,
      height: decode.height,
      timeoutSeconds: decode.timeoutSeconds,
      threads: decode.threads,
    });
    const set: CachedFrameSet = {
      indices,
      totalFrames,
      missingIndices: decoded.missingIndices,
      clip: { data: decoded.data, numFrames: decoded.numFrames, width: decoded.width, height: decoded.height },
    };
    try {
      await cache.store(key, stamp, set);
    } catch (error) {
      // A full or read-only disk costs speed, not correctness: keep going with the decoded frames.
      (this.options.logger ?? console).warn(`frame cache: cannot write ${cache.entryPath(key)}: ${String(error)}`);
    }
    return { set, fromCache: false };
  }
}
