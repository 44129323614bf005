/**
 * Where clips come from: sampling + frame cache + ffmpeg decoding behind one call, `loadClip(record, request)`.
 * With a cache, a video is decoded once into its denser set (see frame-cache.ts) and every clip, train or test,
 * snaps its sampled indices to the nearest cached frame and reads only those frames from the entry. Without one (`decode.cacheDir: ''`), each clip decodes
 * exactly its sampled frames.
 *
 * Frame counts: with `decode.frameCount: 'record'` videoset.csv's count is trusted, but when not one of the frames
 * it implies exists (a one-frame or very short file listed longer), the file is probed and the clip sampled from
 * its real count, with one warning per video. A cache that cannot be written (read-only or full disk) is warned
 * about once; the source then stops writing to it (still reading what it holds) and decodes as before.
 */
import path from 'node:path';
import { VideoDecodeError, type Clip, type DataConfig } from '@a2d/core';
import { DecodeBatcher } from './decode-batcher';
import { NoFramesDecodedError, probeVideo, type DecodedFrames } from './ffmpeg/index';
import {
  FrameCache,
  sourceStamp,
  type CachedFrameIndex,
  type CachedFrames,
  type CachedFrameSet,
  type FrameCacheKey,
  type FrameCountOrigin,
  type SourceStamp,
} from './frame-cache';
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
  /**
   * Told (once) when the cache cannot be written, and once per video whose recorded frame count had to be replaced
   * by the probed one (the clip is still returned; default: console).
   */
  logger?: { warn(message: string): void };
}

/** A frame count and where it came from. */
interface FrameCount {
  totalFrames: number;
  origin: FrameCountOrigin;
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
  private readonly inFlight = new Map<string, Promise<CachedFrameSet>>();
  /** Shares ffmpeg processes between videos decoded at the same time (`decode.batchClips` per process). */
  private readonly decoder: DecodeBatcher;
  /** Probed counts of videos whose recorded count gave no frame at all (so later clips sample right away). */
  private readonly probedCounts = new Map<string, number>();
  /** False after the first failed cache write: warned once, no more attempts. */
  private cacheWritable = true;

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
    const file = this.fileOf(record);
    if (!this.cache) {
      const rngState = request.rng?.getState();
      const { decoded, wanted } = await this.decodeWithRetry(record, file, (totalFrames) => {
        // A retry samples as if the real count had been known from the start: same draws, same clip.
        if (rngState) request.rng?.setState(rngState);
        return this.sample(totalFrames, request);
      });
      return { ...decoded, videoId: record.videoId, sourceIndices: wanted, fromCache: false };
    }
    // Every draw of a clip starts from the request's rng state: a cache read that misses after choosing its frames
    // (a frame failing its check) and the decode after it choose the same frames.
    const rngState = request.rng?.getState();
    const choose = (index: CachedFrameIndex) => {
      if (rngState) request.rng?.setState(rngState);
      return nearestFramePositions(index.indices, this.sample(index.totalFrames, request));
    };
    const found = await this.cachedFrames(record, file, choose);
    const sourceIndices = found.positions.map((position) => found.index.indices[position]);
    return {
      ...found.clip,
      videoId: record.videoId,
      sourceIndices,
      missingIndices: sourceIndices.filter((index) => found.index.missingIndices.includes(index)),
      fromCache: found.fromCache,
    };
  }

  /**
   * The frames `choose` picks from a video's cached denser set: read from its cache entry (only those frames), or,
   * when the entry is missing or unusable (or being made by another clip of this run), from the set decoded and
   * stored by `frameSet`.
   */
  private async cachedFrames(record: VideoRecord, file: string, choose: (index: CachedFrameIndex) => number[]): Promise<CachedFrames & { fromCache: boolean }> {
    const cache = this.cache as FrameCache;
    if (!this.inFlight.has(record.videoId)) {
      const stamp = this.stampOf(file);
      const read = await cache.readFrames(this.cacheKey(record), stamp, choose);
      if (typeof read !== 'string') return { ...read, fromCache: true };
    }
    const set = await this.frameSet(record, file);
    const positions = choose(set);
    const frameSize = set.clip.width * set.clip.height * 3;
    const data = new Uint8Array(positions.length * frameSize);
    positions.forEach((position, i) => data.set(set.clip.data.subarray(position * frameSize, (position + 1) * frameSize), i * frameSize));
    return { index: set, positions, clip: { data, numFrames: positions.length, width: set.clip.width, height: set.clip.height }, fromCache: false };
  }

  private sample(totalFrames: number, request: ClipSamplingRequest): number[] {
    return sampleClipIndices(totalFrames, this.options.data.sampling, this.options.temporal, request);
  }

  /** Where a record's frame count comes from: the record (`frameCount: 'record'`, when it has one), else ffprobe. */
  private countOrigin(record: VideoRecord): FrameCountOrigin {
    return this.options.data.decode.frameCount === 'record' && record.numFrames > 0
      ? { from: 'record', numFrames: record.numFrames }
      : { from: 'probe' };
  }

  /** The frame count used for sampling (the probed one for a record whose count gave no frame at all). */
  private async frameCountOf(record: VideoRecord, file: string): Promise<FrameCount> {
    const origin = this.countOrigin(record);
    if (origin.from === 'record') return { totalFrames: this.probedCounts.get(record.videoId) ?? origin.numFrames, origin };
    return { totalFrames: await this.probeFrameCount(file), origin };
  }

  private async probeFrameCount(file: string): Promise<number> {
    return (await probeVideo(file, { timeoutSeconds: this.options.data.decode.timeoutSeconds })).numFrames;
  }

  /**
   * Decodes the frames `indicesFor(totalFrames)` picks. When the count came from the record and nothing at all
   * decodes (every index past the real end), probes the file and, if its count differs, decodes again with it.
   */
  private async decodeWithRetry(
    record: VideoRecord,
    file: string,
    indicesFor: (totalFrames: number) => number[],
  ): Promise<{ decoded: DecodedFrames; wanted: number[]; count: FrameCount }> {
    const count = await this.frameCountOf(record, file);
    const wanted = indicesFor(count.totalFrames);
    try {
      return { decoded: await this.decode(file, wanted), wanted, count };
    } catch (error) {
      if (!(error instanceof NoFramesDecodedError) || count.origin.from !== 'record') throw error;
      const probed = await this.probeFrameCount(file);
      if (probed === count.totalFrames) throw error;
      this.probedCounts.set(record.videoId, probed);
      (this.options.logger ?? console).warn(
        `${file}: videoset.csv gives ${record.numFrames} frames but the file has ${probed}, so none of the frames asked for exist; sampled from its ${probed} instead`,
      );
      const retried = indicesFor(probed);
      return { decoded: await this.decode(file, retried), wanted: retried, count: { ...count, totalFrames: probed } };
    }
  }

  private decode(file: string, indices: number[]): Promise<DecodedFrames> {
    const { decode } = this.options.data;
    return this.decoder.decode(file, {
      indices,
      width: decode.width,
      height: decode.height,
      timeoutSeconds: decode.timeoutSeconds,
      threads: decode.threads,
    });
  }

  /** The source file's stamp; a missing file is a `VideoDecodeError`. */
  private stampOf(file: string): SourceStamp {
    try {
      return sourceStamp(file);
    } catch {
      throw new VideoDecodeError(file, 'file not found');
    }
  }

  /**
   * A record's cache key. Keyed on the count's origin, known without probing: a recorded count by its value
   * (correcting videoset.csv misses the old entry), a probed one as 'probe' (a property of the file, which its
   * stamp covers).
   */
  private cacheKey(record: VideoRecord): FrameCacheKey {
    const { decode } = this.options.data;
    return { videoId: record.videoId, width: decode.width, height: decode.height, cacheFrames: this.cacheFrames, frameCount: this.countOrigin(record) };
  }

  /** Decodes a video's denser set and stores it in the cache; concurrent calls for one video share one decode. */
  private frameSet(record: VideoRecord, file: string): Promise<CachedFrameSet> {
    const pending = this.inFlight.get(record.videoId);
    if (pending) return pending;
    const promise = this.fetchFrameSet(record, file).finally(() => this.inFlight.delete(record.videoId));
    this.inFlight.set(record.videoId, promise);
    return promise;
  }

  private async fetchFrameSet(record: VideoRecord, file: string): Promise<CachedFrameSet> {
    const cache = this.cache as FrameCache;
    const stamp = this.stampOf(file);
    const key = this.cacheKey(record);
    const { decoded, wanted, count } = await this.decodeWithRetry(record, file, (totalFrames) => denseFrameSet(totalFrames, this.cacheFrames));
    const set: CachedFrameSet = {
      indices: wanted,
      totalFrames: count.totalFrames,
      missingIndices: decoded.missingIndices,
      clip: { data: decoded.data, numFrames: decoded.numFrames, width: decoded.width, height: decoded.height },
    };
    if (this.cacheWritable) {
      try {
        await cache.store(key, stamp, set);
      } catch (error) {
        // A full or read-only disk costs speed, not correctness: say so once and keep going without writing.
        this.cacheWritable = false;
        (this.options.logger ?? console).warn(
          `frame cache: cannot write ${cache.entryPath(key)}: ${String(error)}; continuing without writing to the cache in ${cache.dir} (every epoch decodes again)`,
        );
      }
    }
    return set;
  }
}
