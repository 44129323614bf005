/**
 * Everything that runs ffmpeg/ffprobe, one concern per file: `process.ts` starts and supervises every run (the one
 * module that spawns them), `command.ts` has fluent-ffmpeg build a command's arguments (the only module that imports
 * it, so the archived library can be swapped there alone), `probe.ts` reads a video's stream, `decode.ts` turns
 * selected frames into rgb24, `encode.ts` writes rgb24 frames to mp4 (its command built by `command.ts`, run by
 * `process.ts`), `tool-check.ts` checks the installation once, `frame-size.ts` checks frame sizes for decode and
 * encode. This list is the folder's public surface; helpers shared between the files (the process runner, the
 * command builder, the probe schemas, the decode plan) stay inside it.
 */
export { decodeFrames, decodeFramesBatch, NoFramesDecodedError, selectExpression } from './decode';
export type { DecodedFrames, DecodeFramesOptions, DecodeRequest } from './decode';
export { createRawVideoEncoder, encodeRawVideos } from './encode';
export type { RawVideoClip, RawVideoEncoder, RawVideoEncoderOptions } from './encode';
export { probeVideo } from './probe';
export type { ProbeVideoOptions, VideoProbe } from './probe';
export { checkFfmpegTools, MIN_FFMPEG_VERSION } from './tool-check';
export type { CheckFfmpegToolsOptions, FfmpegToolInfo, FfmpegTools } from './tool-check';
export { FfmpegToolsError } from './tools-error';
export type { FfmpegTool } from './tools-error';
