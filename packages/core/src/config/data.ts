/** Data configuration: where the dataset lives, how it is split, sampled, decoded, cached and batched. */
import { z } from 'zod';

/** How frame indices are chosen from a video. */
export const samplingConfigSchema = z.strictObject({
  /** `segment`: TSN-style, one frame per equal segment; `consecutive`: a run of frames `stride` apart. */
  strategy: z.enum(['segment', 'consecutive']).default('segment'),
  /** Frames per clip fed to the model. */
  numFrames: z.number().int().positive().default(8),
  /** Gap between frames for `consecutive` sampling (in source frames). */
  stride: z.number().int().positive().default(2),
  /** Clips per video at test time (evenly spaced, scores averaged: multi-view testing). */
  testViews: z.number().int().positive().default(1),
  /**
   * Spatial crops per clip at test time: 1 = the centre square; 3 = left, centre and right squares along the long
   * side (top, centre, bottom for portrait frames), MMAction2's `ThreeCrop`. Scores are averaged over views x crops.
   */
  testCrops: z.union([z.literal(1), z.literal(3)], { message: 'expected 1 or 3' }).default(1),
  /** What a video shorter than the clip does: loop from the start, or repeat its last frame. */
  shortVideo: z.enum(['loop', 'repeat-last']).default('loop'),
});

/** Decoding and the decoded-frame cache. */
export const decodeConfigSchema = z.strictObject({
  /** Height frames are scaled to by ffmpeg before augmentation. */
  height: z.number().int().positive().default(128),
  /** Width frames are scaled to by ffmpeg before augmentation. */
  width: z.number().int().positive().default(160),
  /** Folder of the decoded-frame cache; default `<root>/.frame-cache`. Empty string disables the cache. */
  cacheDir: z.string().optional(),
  /**
   * Where a video's frame count comes from: `record` trusts videoset.csv's numFrames (probing only when it is
   * missing), `probe` asks ffprobe for every uncached video (an extra process start: as slow as decoding a clip).
   */
  frameCount: z.enum(['record', 'probe']).default('record'),
  /** Frames per video kept in the cache (a denser, evenly spaced set that train-time jitter samples from). */
  cacheFrames: z.number().int().positive().default(32),
  /** Parallel ffmpeg processes. */
  workers: z.number().int().positive().default(2),
  /**
   * Videos decoded by one ffmpeg process when several wait at once (1: one process per video). Starting ffmpeg
   * costs about as much CPU as decoding a short clip, so sharing processes roughly halves a cold epoch's decoding.
   */
  batchClips: z.number().int().positive().max(64).default(8),
  /** Decoder threads per ffmpeg process; 0 lets ffmpeg choose (1 is fastest when `workers` fill the cores). */
  threads: z.number().int().nonnegative().default(1),
  /** Seconds before a single ffmpeg call is killed and the video counted as failed. */
  timeoutSeconds: z.number().positive().default(120),
});

/** Batching. */
export const loaderConfigSchema = z.strictObject({
  /** Clips per batch. */
  batchSize: z.number().int().positive().default(8),
  /** Batches decoded ahead of the consumer. */
  prefetch: z.number().int().nonnegative().default(2),
  /** Drop the last incomplete training batch. */
  dropLast: z.boolean().default(false),
  /**
   * Read, check and augment batches on a worker thread, overlapped with the model (as PyTorch's loader workers);
   * false keeps them on the model's thread (for profiling or debugging). Same batches either way.
   */
  thread: z.boolean().default(true),
});

/** The dataset section of the config tree. */
export const dataConfigSchema = z.strictObject({
  /** Dataset root holding `videoset.csv` and `clips320H/`. */
  root: z.string().min(1).default('data/a2d-synth'),
  /** Annotation file, relative to `root`. */
  videosetFile: z.string().min(1).default('videoset.csv'),
  /** Folder of the clips, relative to `root`. */
  clipsDir: z.string().min(1).default('clips320H'),
  /** Keep rows whose action is `none` (they are always counted in the statistics; never classified). */
  includeNone: z.boolean().default(false),
  /** Fraction of the train split carved out (stratified by label) for validation. */
  valFraction: z.number().min(0).max(0.9).default(0.15),
  /** Seed of the validation carve-out. */
  splitSeed: z.number().int().nonnegative().default(0),
  sampling: samplingConfigSchema.prefault({}),
  decode: decodeConfigSchema.prefault({}),
  loader: loaderConfigSchema.prefault({}),
});

export type SamplingConfig = z.infer<typeof samplingConfigSchema>;
export type DecodeConfig = z.infer<typeof decodeConfigSchema>;
export type LoaderConfig = z.infer<typeof loaderConfigSchema>;
export type DataConfig = z.infer<typeof dataConfigSchema>;
