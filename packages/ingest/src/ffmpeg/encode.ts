/**
 * Encoding raw rgb24 frames to H.264 mp4 (libx264, yuv420p, +faststart): one clip fed frame by frame
 * (`createRawVideoEncoder`) or several clips handed over at once to one process (`encodeRawVideos`). Both describe
 * the same ffmpeg command through fluent-ffmpeg (`encoderArguments`, built by `command.ts`), so the same options give
 * the same bytes, and both run it under the supervision decoding has (`startTool`): a time limit, an own process
 * group killed whole on timeout or abort, a call that settles only when ffmpeg has exited. Output goes to a temp
 * file beside the target and is renamed on success, so a target exists only complete. A failure is a
 * `VideoEncodeError` naming the target; an ffmpeg that cannot start, an `FfmpegToolsError`.
 */
import { promises as fs, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PassThrough, type Writable } from 'node:stream';
import { VideoEncodeError } from '@a2d/core';
import { ffmpegArguments, type FfmpegInput, type FfmpegOutput } from './command';
import { checkRawFrame, checkRawFrameFormat, rawFrameBytes } from './frame-size';
import { DEFAULT_TOOL_TIMEOUT_SECONDS, exitSummary, FfmpegTimeout, startTool, type ToolExit } from './process';
import { FfmpegToolsError } from './tools-error';

/** Settings of `createRawVideoEncoder` (and of each clip of `encodeRawVideos`). */
export interface RawVideoEncoderOptions {
  /** Width of the frames written. */
  width: number;
  /** Height of the frames written. */
  height: number;
  /** Frame rate of the output. */
  fps: number;
  /** Scale to this (even) height in ffmpeg, keeping the aspect ratio (width rounded to even). */
  outputHeight?: number;
  /** x264 constant rate factor (default 18: visually lossless, keeps synthetic patterns crisp). */
  crf?: number;
  /** x264 preset (default `veryfast`). */
  preset?: string;
  /**
   * Kill ffmpeg (its whole process group) and fail after this many seconds from its start; default 120
   * (`data.decode.timeoutSeconds`' default). A frame-by-frame encoder counts the time its caller spends between
   * frames too. `encodeRawVideos` gives its one process the largest limit of its clips.
   */
  timeoutSeconds?: number;
}

/** A running H.264 encoder fed with rgb24 frames; the mp4 appears at its path only after `end()` succeeds. */
export interface RawVideoEncoder {
  /** Queues one `width * height * 3` rgb24 frame; resolves when the pipe can take more (backpressure). */
  write(frame: Uint8Array): Promise<void>;
  /** Finishes the stream, waits for ffmpeg to exit and renames the temp file onto the target. */
  end(): Promise<void>;
  /** Kills ffmpeg's process group, waits for it to exit and removes the temp file; the target is left untouched. */
  abort(): Promise<void>;
}

/** One clip of `encodeRawVideos`: its target file, encoding options and every rgb24 frame. */
export interface RawVideoClip {
  file: string;
  options: RawVideoEncoderOptions;
  frames: readonly Uint8Array[];
}

/** Frames a frame-by-frame encoder holds before `write` waits for ffmpeg to take them. */
const QUEUED_FRAMES = 4;

/** Throws a `RangeError` naming `where` (the call and its target) and the option at fault. */
function checkEncoderOptions(where: string, options: RawVideoEncoderOptions): void {
  const { width, height, fps, outputHeight, timeoutSeconds } = options;
  checkRawFrameFormat(where, { width, height, fps });
  if (outputHeight !== undefined && (!Number.isInteger(outputHeight) || outputHeight <= 0 || outputHeight % 2 !== 0)) {
    throw new RangeError(`${where}: outputHeight must be a positive even integer, got ${outputHeight}`);
  }
  if (timeoutSeconds !== undefined && !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)) {
    throw new RangeError(`${where}: timeoutSeconds must be a positive number, got ${timeoutSeconds}`);
  }
}

/** The temp file beside `outFile` that an encoder writes before renaming it onto the target. */
function encoderTempPath(outFile: string): string {
  return path.join(path.dirname(outFile), `.${path.basename(outFile)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** ffmpeg output options of one clip (the target follows; `-y` comes from fluent-ffmpeg, as outputs are files). */
function encoderOutputOptions(options: RawVideoEncoderOptions): string[] {
  const { width, height, outputHeight } = options;
  // yuv420p needs even dimensions: scale to the requested height, or round odd sizes down by one pixel.
  const scale =
    outputHeight !== undefined
      ? `scale=-2:${outputHeight}`
      : width % 2 !== 0 || height % 2 !== 0
        ? 'scale=trunc(iw/2)*2:trunc(ih/2)*2'
        : undefined;
  return [
    '-an',
    ...(scale ? ['-vf', scale] : []),
    ...['-c:v', 'libx264', '-preset', options.preset ?? 'veryfast', '-crf', String(options.crf ?? 18)],
    ...['-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4'],
  ];
}

/**
 * The ffmpeg arguments that encode clip `k` from pipe `3 + k` (rgb24 frames) into `targets[k]`, described through
 * fluent-ffmpeg: one clip or many, the same options give the same bytes (`encodeRawVideos` promises that). Pipes
 * 3, 4, ... rather than stdin, so one process can read several clips; `startTool` opens them (`extraPipes`).
 */
export function encoderArguments(clips: readonly RawVideoEncoderOptions[], targets: readonly string[]): string[] {
  if (clips.length === 0 || clips.length !== targets.length) {
    throw new RangeError(`encoderArguments: need one target per clip and at least one clip, got ${clips.length} clips and ${targets.length} targets`);
  }
  const inputs = clips.map(
    ({ width, height, fps }, k): FfmpegInput => ({
      source: `pipe:${3 + k}`,
      options: ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps)],
    }),
  );
  const outputs = clips.map((options, k): FfmpegOutput => ({ target: targets[k], options: ['-map', `${k}:v:0`, ...encoderOutputOptions(options)] }));
  return ffmpegArguments({
    // -nostdin: stdin is /dev/null, not a terminal to take keys from; the frames come on the pipes.
    globalOptions: ['-nostdin', '-hide_banner', '-loglevel', 'error'],
    inputs: [inputs[0], ...inputs.slice(1)],
    outputs: [outputs[0], ...outputs.slice(1)],
  });
}

/**
 * What an encoding process came to: undefined when ffmpeg exited 0, else why not (never rejects). A failed exit
 * keeps ffmpeg's last stderr lines, so a full disk reads as one (`No space left on device`).
 */
function encodeOutcome(exited: Promise<ToolExit>): Promise<Error | undefined> {
  return exited.then(
    (exit) => (exit.code === 0 ? undefined : new Error(`ffmpeg ${exitSummary(exit)}`)),
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
}

/** The error an encode failure is reported as: `FfmpegToolsError` as it is, anything else a `VideoEncodeError` of `file`. */
function encodeError(file: string, failure: Error | undefined, aborted: boolean): Error {
  if (failure instanceof FfmpegToolsError) return failure;
  if (aborted || failure === undefined) return new VideoEncodeError(file, 'encoding aborted');
  const reason = failure instanceof FfmpegTimeout ? `ffmpeg ${failure.message}` : failure.message;
  return new VideoEncodeError(file, `encoding failed: ${reason}`);
}

/**
 * Encodes several clips with one ffmpeg process (a rawvideo input pipe and an mp4 output per clip), each output
 * byte-identical to what `createRawVideoEncoder` writes for it. Every frame is handed to the pipes at once (no
 * backpressure: ffmpeg reads its inputs in whatever order its outputs need, so waiting on one pipe could block on
 * another); callers bound the memory by the clips they pass. Outputs appear at their paths only when the whole
 * process succeeded; on failure, timeout or abort every temp file is removed and the `VideoEncodeError` names the
 * first clip. Starting ffmpeg costs about 0.2 s of CPU here, as much as encoding a short clip, hence the batch.
 */
export async function encodeRawVideos(clips: readonly RawVideoClip[], signal?: AbortSignal): Promise<void> {
  if (clips.length === 0) return;
  for (const { file, options, frames } of clips) {
    checkEncoderOptions(`encodeRawVideos(${file})`, options);
    for (const frame of frames) checkRawFrame(file, frame, options);
  }
  const temps = clips.map(({ file }) => encoderTempPath(file));
  const args = encoderArguments(
    clips.map(({ options }) => options),
    temps,
  );
  for (const { file } of clips) mkdirSync(path.dirname(file), { recursive: true });
  const removeTemps = () => Promise.all(temps.map((temp) => fs.rm(temp, { force: true })));
  const timeoutSeconds = Math.max(...clips.map(({ options }) => options.timeoutSeconds ?? DEFAULT_TOOL_TIMEOUT_SECONDS));
  const { child, exited } = startTool('ffmpeg', args, { stdout: 'ignore', extraPipes: clips.length, timeoutSeconds, signal });
  const outcome = encodeOutcome(exited);
  clips.forEach(({ frames }, k) => {
    const pipe = child.stdio[3 + k] as Writable;
    // A dead ffmpeg closes the pipes: the write errors are the exit's consequence, reported through it.
    pipe.on('error', () => undefined);
    for (const frame of frames) pipe.write(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    pipe.end();
  });
  const failure = await outcome;
  if (failure || signal?.aborted) {
    await removeTemps();
    throw encodeError(clips[0].file, failure, signal?.aborted === true);
  }
  try {
    for (const [k, { file }] of clips.entries()) await fs.rename(temps[k], file);
  } catch (error) {
    await removeTemps();
    throw error;
  }
}

/**
 * Starts an H.264 encoder reading rgb24 frames from a pipe, one `write` at a time. Output goes to a temp file beside
 * `outFile`, renamed on success and removed on failure, timeout or `abort()`; failures are `VideoEncodeError`s.
 */
export function createRawVideoEncoder(outFile: string, options: RawVideoEncoderOptions): RawVideoEncoder {
  checkEncoderOptions(`createRawVideoEncoder(${outFile})`, options);
  const frameSize = rawFrameBytes(options);
  mkdirSync(path.dirname(outFile), { recursive: true });
  const temp = encoderTempPath(outFile);
  const stop = new AbortController();
  const { child, exited } = startTool('ffmpeg', encoderArguments([options], [temp]), {
    stdout: 'ignore',
    extraPipes: 1,
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_TOOL_TIMEOUT_SECONDS,
    signal: stop.signal,
  });
  const pipe = child.stdio[3] as Writable;
  // A dead ffmpeg closes the pipe: the write errors are the exit's consequence, reported through it.
  pipe.on('error', () => undefined);
  // The queue `write` waits on: a few frames may wait here while ffmpeg encodes, no more.
  const input = new PassThrough({ highWaterMark: frameSize * QUEUED_FRAMES });
  input.pipe(pipe);
  let failure: Error | undefined;
  let state: 'open' | 'ending' | 'done' | 'aborted' = 'open';
  const failed = encodeOutcome(exited).then((error) => {
    if (error) failure = encodeError(outFile, error, stop.signal.aborted);
    return failure;
  });
  const removeTemp = () => fs.rm(temp, { force: true });

  return {
    async write(frame: Uint8Array): Promise<void> {
      if (state !== 'open') throw new Error(`${outFile}: encoder is ${state}, cannot write`);
      if (failure) throw failure;
      checkRawFrame(outFile, frame, options);
      // Copy: the caller may reuse its buffer as soon as this resolves, before the pipe has flushed it.
      if (!input.write(Buffer.from(frame))) {
        const drained = new Promise<undefined>((resolve) => input.once('drain', () => resolve(undefined)));
        const error = await Promise.race([drained, failed]);
        if (error) throw error;
      }
    },
    async end(): Promise<void> {
      if (state !== 'open') throw new Error(`${outFile}: encoder is ${state}, cannot end`);
      state = 'ending';
      input.end();
      const error = await failed;
      if (error) {
        state = 'aborted';
        await removeTemp();
        throw error;
      }
      try {
        await fs.rename(temp, outFile);
      } catch (renameError) {
        await removeTemp();
        throw renameError;
      }
      state = 'done';
    },
    async abort(): Promise<void> {
      if (state === 'done' || state === 'aborted') return;
      state = 'aborted';
      stop.abort();
      input.destroy();
      await failed;
      await removeTemp();
    },
  };
}
