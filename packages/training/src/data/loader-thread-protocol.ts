/**
 * Messages between `LoaderThread` (main thread) and `loader-thread-worker.ts`. Everything here is structured-
 * cloneable; batch bytes travel as transferred buffers.
 */
import type { AugmentConfig, DataConfig } from '@a2d/core';
import type { Batch, SamplingMode, SkippedVideo, TemporalConfig, VideoRecord } from '@a2d/ingest';

/** The per-clip transform a loader applies, rebuilt in the worker from the augment config. */
export type LoaderTransformSpec = { kind: 'train'; augment: AugmentConfig } | { kind: 'test'; augment: AugmentConfig };

/** One `DataLoader` to build in the worker (its options, with the transform as a spec). */
export interface LoaderSpec {
  records: VideoRecord[];
  data: DataConfig;
  temporal: TemporalConfig;
  mode: SamplingMode;
  seed: number;
  transform?: LoaderTransformSpec;
  /** Share the clip source (frame cache, decoder processes) of this earlier loader. */
  shareSourceWith?: string;
  /** Also send each batch as normalised floats (`clipBatchToFloat`), converted in the worker. */
  floats?: { mean: [number, number, number]; std: [number, number, number] };
}

/** `workerData` of the worker: the loaders by name, in creation order. */
export interface LoaderThreadBootstrap {
  loaders: [string, LoaderSpec][];
}

/** A batch as it arrives: the loader's batch, plus its floats when the spec asked for them. */
export interface ThreadBatch extends Batch {
  /**
   * `frames` normalised (when the loader's spec has `floats`). Valid until the next batch is asked for: its buffer
   * then goes back to the loader thread for a later batch (a fresh 10 MB array per batch cost more in page faults
   * and garbage collection than the conversion).
   */
  floats?: Float32Array;
}

export type LoaderRequest =
  /** Starts iterating `loader`'s batches of `epoch` from `startPosition`, as iteration `id`, sending up to `credit` ahead. */
  | { type: 'start'; id: number; loader: string; epoch: number; startPosition: number; credit: number }
  /** The consumer is done with a batch of iteration `id`: one more may be sent; `recycle` is that batch's floats buffer. */
  | { type: 'credit'; id: number; recycle?: ArrayBuffer }
  /** The consumer stopped iterating `id` early. */
  | { type: 'close'; id: number };

/** An error thrown in the worker, as far as it can travel. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** True when it was one of our typed input errors (`A2dError`): printed as one line, not a crash. */
  typed: boolean;
}

export type LoaderReply =
  | { type: 'ready' }
  /** Building the loaders failed (e.g. a record with no class): the thread then exits. */
  | { type: 'failed'; error: SerializedError }
  | { type: 'batch'; id: number; batch: ThreadBatch }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'warn'; line: string }
  | { type: 'skipped'; loader: string; video: SkippedVideo };
