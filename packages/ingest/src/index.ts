/**
 * @a2d/ingest: videoset.csv parsing, splits, statistics, ffmpeg probing/decoding/encoding, frame sampling, the frame
 * cache and the batch loader. Test fixtures (mp4 makers, stand-in ffmpeg tools) live behind `@a2d/ingest/testing`.
 */

// Records and the videoset: one typed row per clip, read and validated from videoset.csv.
export { clipPath } from './records';
export type { Usage, VideoRecord } from './records';
export { parseVideoset, readVideoset, VideosetError } from './videoset';
export type { ParseVideosetOptions } from './videoset';

// Splits and statistics: the seeded train/val/test split and the dataset's class counts (a JSON artifact).
export { splitDataset } from './splits';
export type { DatasetSplits, SplitOptions } from './splits';
export { computeStatistics, datasetStatisticsSchema, splitCountsSchema, usageCountsSchema } from './statistics';
export type { DatasetStatistics, SplitCounts, UsageCounts } from './statistics';

// ffmpeg: probe a video, decode sampled frames, encode rgb24 frames to mp4, check the installed tools.
export {
  checkFfmpegTools,
  createRawVideoEncoder,
  decodeFrames,
  decodeFramesBatch,
  encodeRawVideos,
  FfmpegToolsError,
  NoFramesDecodedError,
  probeVideo,
} from './ffmpeg/index';
export type {
  CheckFfmpegToolsOptions,
  DecodedFrames,
  DecodeFramesOptions,
  DecodeRequest,
  FfmpegTool,
  FfmpegToolInfo,
  FfmpegTools,
  ProbeVideoOptions,
  RawVideoClip,
  RawVideoEncoder,
  RawVideoEncoderOptions,
  VideoProbe,
} from './ffmpeg/index';

// Frame sampling: which frames of a clip a view reads (segment / consecutive, train and test).
export { denseFrameSet, nearestFramePositions, sampleClipIndices } from './sampling';
export type { ClipSamplingRequest, SamplingMode, TemporalConfig } from './sampling';

// Frame cache: decoded frames on disk, keyed by the source file and the decode settings.
export { FrameCache } from './frame-cache';
export type {
  CachedFrameIndex,
  CachedFrames,
  CachedFrameSet,
  FrameCacheKey,
  FrameCacheMiss,
  FrameCacheOptions,
  FrameCacheStats,
  FrameCountOrigin,
  SourceStamp,
} from './frame-cache';

// Clips and batches: one record's sampled frames (through the cache), and the shuffling batch loader.
export { ClipSource } from './clip-source';
export type { ClipSourceOptions, LoadedClip } from './clip-source';
export { AllVideosFailedError, DataLoader, videosPerBatchOf } from './loader';
export type { Batch, ClipTransform, DataLoaderLogger, DataLoaderOptions, SkippedVideo } from './loader';

// Files outside a dataset: any video file as a one-video dataset, and which listed clips exist on disk.
export { videoFileRecord } from './video-file';
export type { VideoFileRecord, VideoFileRecordOptions } from './video-file';
export { findMissingClips } from './clip-availability';
export type { ClipAvailability } from './clip-availability';

// Per-frame annotations (A2D's `Annotations/mat` + `Annotations/col` layout, which @a2d/synth also writes).
export {
  ANNOTATIONS_DIR,
  colourAnnotationFile,
  colourAnnotationFolder,
  matAnnotationFile,
  matAnnotationFolder,
  parseAnnotationFrameName,
} from './annotations/annotation-layout';
export { readClipAnnotations } from './annotations/clip-annotations';
export { readFrameAnnotation } from './annotations/frame-annotation';
export type { ClipFrameAnnotation } from './annotations/clip-annotations';
export type { AnnotatedInstance, FrameAnnotation, InstanceBox, InstanceMask, ReadFrameAnnotationOptions } from './annotations/frame-annotation';
