/**
 * Everything that talks to ffmpeg/ffprobe lives here, so the process wrapper (fluent-ffmpeg, archived upstream)
 * can be swapped by editing one file. Operations: check the tools once at start (`checkFfmpegTools`), probe a
 * video (ffprobe, JSON output), decode selected frames to raw RGB (the hot path, see `runRawDecode`), and encode
 * raw RGB frames to an H.264 mp4 (`encodeRawVideos`; `createRawVideoEncoder` through fluent-ffmpeg, stdin pipe).
 *
 * Every probe, decode and check runs through `startTool`: the child gets its own process group, a time limit that
 * kills the whole group (a wrapper script and whatever it started), and the call settles when the child exits,
 * not when its pipes close (a descendant that escaped the group may hold them open for as long as it lives).
 * Binaries: `FFMPEG_PATH` / `FFPROBE_PATH` when set (as fluent-ffmpeg reads them), else `ffmpeg` / `ffprobe`.
 */
import { promises as fs, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough, type Readable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { z } from 'zod';
import { A2dError, decodeConfigSchema, VideoDecodeError, type Clip } from '@a2d/core';
import { RawFrameAssembler } from './raw-frames';

/** What ffprobe says about a video's first video stream. */
export interface VideoProbe {
  file: string;
  /** Duration in seconds (stream duration, else container duration). */
  durationSeconds: number;
  /** Frames per second (avg_frame_rate, else r_frame_rate). */
  fps: number;
  /** Frame count (nb_frames, else round(duration * fps)). */
  numFrames: number;
  /** Displayed width, after rotation (what decoded frames are before scaling). */
  width: number;
  /** Displayed height, after rotation. */
  height: number;
  /** Rotation in degrees from the display matrix or the legacy `rotate` tag (0 when none). */
  rotation: number;
  /** Codec name, e.g. `h264`. */
  codec: string;
}

/** Which frames to decode and at what size. */
export interface DecodeFramesOptions {
  /** Source frame indices (0-based) in the order wanted; repeats are allowed. */
  indices: readonly number[];
  /** Output width in pixels (after rotation). */
  width: number;
  /** Output height in pixels (after rotation). */
  height: number;
  /** Kill ffmpeg and fail after this many seconds. */
  timeoutSeconds: number;
  /** Decoder threads per ffmpeg process, default 1 (parallel processes fill the cores); 0: ffmpeg chooses. */
  threads?: number;
}

/** A decoded clip plus which requested frames ffmpeg could not deliver. */
export interface DecodedFrames extends Clip {
  /** The requested source indices, in request order (frame `i` of `data` is source frame `indices[i]`). */
  indices: number[];
  /**
   * Requested indices ffmpeg never produced (past the end, truncated file): their frames are copies of the
   * last frame that was decoded. Empty when everything came.
   */
  missingIndices: number[];
}

/** Settings of `createRawVideoEncoder`. */
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
}

/** A running H.264 encoder fed with rgb24 frames; the mp4 appears at its path only after `end()` succeeds. */
export interface RawVideoEncoder {
  /** Queues one `width * height * 3` rgb24 frame; resolves when the pipe can take more (backpressure). */
  write(frame: Uint8Array): Promise<void>;
  /** Finishes the stream, waits for ffmpeg and renames the temp file onto the target. */
  end(): Promise<void>;
  /** Stops ffmpeg and removes the temp file; the target is left untouched. */
  abort(): Promise<void>;
}

/** ffmpeg or ffprobe ran past its time limit; its process group was killed. */
class FfmpegTimeout extends Error {}

/**
 * ffmpeg or ffprobe cannot do what this project needs: it cannot be started, is too old, or refuses an option we
 * use. An installation problem, not a bad video: it stops the run (see `checkFfmpegTools`).
 */
export class FfmpegToolsError extends A2dError {
  constructor(
    /** `ffmpeg` or `ffprobe`. */
    readonly tool: FfmpegTool,
    /** The binary that was run (`FFMPEG_PATH` / `FFPROBE_PATH`, or the name looked up on the PATH). */
    readonly binary: string,
    readonly reason: string,
  ) {
    super(`${tool} (${binary}): ${reason}`);
  }
}

/**
 * Every requested frame lies past the end of the video (ffmpeg exited cleanly and delivered nothing): what a frame
 * count larger than the file's gives, so `ClipSource` retries with the probed count.
 */
export class NoFramesDecodedError extends VideoDecodeError {}

/** The two programs this module runs. */
export type FfmpegTool = 'ffmpeg' | 'ffprobe';

/** Time limit of probes and tool checks when the caller gives none: `data.decode.timeoutSeconds`' default. */
const DEFAULT_TOOL_TIMEOUT_SECONDS = decodeConfigSchema.parse({}).timeoutSeconds;

/** After the child exits, how long its pipes may take to deliver what is left before they are cut. */
const PIPE_DRAIN_GRACE_MS = 1000;

/** A started ffmpeg command whose outcome is a promise. */
interface RunningCommand {
  done: Promise<void>;
  kill(): void;
}

/** Runs a prepared command; `kill()` works even before the process has spawned. */
function runCommand(command: ffmpeg.FfmpegCommand): RunningCommand {
  let started = false;
  let killRequested = false;
  const kill = () => {
    killRequested = true;
    if (started) command.kill('SIGKILL');
  };
  const done = new Promise<void>((resolve, reject) => {
    command.on('start', () => {
      started = true;
      if (killRequested) command.kill('SIGKILL');
    });
    command.on('end', () => resolve());
    command.on('error', (error: Error) => reject(error));
  });
  command.run();
  return { done, kill };
}

/** The ffmpeg binary: `FFMPEG_PATH` when set (as fluent-ffmpeg does), else `ffmpeg` on the PATH. */
function ffmpegBinary(): string {
  return process.env.FFMPEG_PATH || 'ffmpeg';
}

/** The ffprobe binary: `FFPROBE_PATH` when set (as fluent-ffmpeg does), else `ffprobe` on the PATH. */
function ffprobeBinary(): string {
  return process.env.FFPROBE_PATH || 'ffprobe';
}

/** How a child process ended. */
interface ToolExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last 4000 characters it wrote to stderr. */
  stderr: string;
}

/** How to start a child: what its stdout and extra pipes are, what it reads, when it is killed. */
interface ToolStartOptions {
  /** fd 1: a pipe the caller reads, or nothing. */
  stdout: 'pipe' | 'ignore';
  /** Pipes on fds 3, 4, ... (read or written by the caller through `child.stdio[3 + k]`). */
  extraPipes?: number;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: Uint8Array;
  /** Kill the process group and reject with `FfmpegTimeout` after this many seconds. */
  timeoutSeconds?: number;
  /** Kill the process group on abort (the exit then resolves as a SIGKILL). */
  signal?: AbortSignal;
}

/** A started child and its end. */
interface StartedTool {
  child: ChildProcess;
  /**
   * Resolves with the exit (any code) once the child has exited and its pipes have delivered what they hold (or
   * after `PIPE_DRAIN_GRACE_MS`, when a descendant keeps them open: the group is killed again and they are cut).
   * Rejects with `FfmpegTimeout` on timeout, with `FfmpegToolsError` when the binary cannot be started.
   */
  exited: Promise<ToolExit>;
}

/** SIGKILL to the child's whole process group (it is the group leader); to the child alone if that fails. */
function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Starts ffmpeg or ffprobe in its own process group: a Ctrl-C meant for the trainer (which saves a checkpoint and
 * stops cleanly) must not kill the decodes in flight and make their videos look broken, and a timeout or abort
 * kills the whole group. See `StartedTool.exited` for how it settles.
 */
function startTool(tool: FfmpegTool, args: readonly string[], options: ToolStartOptions): StartedTool {
  const binary = tool === 'ffmpeg' ? ffmpegBinary() : ffprobeBinary();
  const extra = Array.from({ length: options.extraPipes ?? 0 }, () => 'pipe' as const);
  const child = spawn(binary, args, {
    stdio: [options.input ? 'pipe' : 'ignore', options.stdout, 'pipe', ...extra],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  if (options.input && child.stdin) {
    // A child that exits without reading all of it closes the pipe: that is its exit's story, told by its code.
    child.stdin.on('error', () => undefined);
    child.stdin.end(Buffer.from(options.input.buffer, options.input.byteOffset, options.input.byteLength));
  }
  const exited = new Promise<ToolExit>((resolve, reject) => {
    let settled = false;
    let timedOut = false;
    const { timeoutSeconds, signal } = options;
    const timer =
      timeoutSeconds === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killProcessGroup(child);
          }, timeoutSeconds * 1000);
    const onAbort = () => killProcessGroup(child);
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) onAbort();
    const stop = () => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const streams = child.stdio.filter((stream): stream is NonNullable<typeof stream> => stream !== null && stream !== child.stdin);
    const cutPipes = () => streams.forEach((stream) => stream.destroy());
    child.on('error', (error) => {
      // Errors after a successful start (a failed kill) are followed by the exit, which settles.
      if (settled || child.pid !== undefined) return;
      stop();
      cutPipes();
      reject(new FfmpegToolsError(tool, binary, `cannot run it: ${error.message} (install ffmpeg 5.1 or newer, or set ${tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'})`));
    });
    child.on('exit', (code, exitSignal) => {
      if (settled) return;
      stop();
      if (timedOut) {
        cutPipes();
        reject(new FfmpegTimeout(`timed out after ${timeoutSeconds}s`));
        return;
      }
      const open = streams.filter((stream) => !stream.destroyed && !(stream as Readable & { closed?: boolean }).closed);
      const drained = Promise.all(open.map((stream) => new Promise<void>((done) => stream.once('close', () => done()))));
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<'cut'>((done) => {
        graceTimer = setTimeout(() => done('cut'), PIPE_DRAIN_GRACE_MS);
      });
      void Promise.race([drained, grace]).then((outcome) => {
        clearTimeout(graceTimer);
        if (outcome === 'cut') {
          // Something the child started still holds its pipes: kill what is left of its group, stop listening.
          killProcessGroup(child);
          cutPipes();
        }
        resolve({ code, signal: exitSignal, stderr });
      });
    });
  });
  return { child, exited };
}

/**
 * Runs one ffmpeg decode, streaming its raw output to `sinks`: one sink reads stdout (`pipe:1`), several read
 * pipes 3, 4, ... (`pipe:3`...), one per output. This hot path spawns ffmpeg directly instead of through
 * fluent-ffmpeg: the wrapper's per-run preparation measured 10-18 ms of CPU per clip, about 4% of a cold decode,
 * which the loader pays once per video. Rejects with the last stderr line on a non-zero exit, with `FfmpegTimeout`
 * after `timeoutSeconds` (the process group is killed), or with `FfmpegToolsError` when it cannot start.
 */
async function runRawDecode(args: readonly string[], timeoutSeconds: number, sinks: readonly ((chunk: Buffer) => void)[]): Promise<void> {
  const single = sinks.length === 1;
  const { child, exited } = startTool('ffmpeg', args, { stdout: single ? 'pipe' : 'ignore', extraPipes: single ? 0 : sinks.length, timeoutSeconds });
  sinks.forEach((sink, i) => {
    const stream = single ? child.stdout : child.stdio[3 + i];
    (stream as Readable | null)?.on('data', sink);
  });
  const { code, signal, stderr } = await exited;
  if (code !== 0) throw new Error(`ffmpeg exited with ${signal ?? `code ${code}`}\n${stderr}`);
}

/** The last meaningful line of an ffmpeg error (fluent-ffmpeg appends the whole stderr). */
function ffmpegReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.length > 1 ? `${lines[0]} (${lines[lines.length - 1]})` : (lines[0] ?? 'unknown ffmpeg error');
}

/** A number from ffprobe's key=value output: numbers, numeric strings, or `N/A`/fractions (-> undefined). */
const probeNumber = z
  .unknown()
  .optional()
  .transform((value): number | undefined => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    return Number.isFinite(n) ? n : undefined;
  });

const probeStreamSchema = z.object({
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: probeNumber,
  height: probeNumber,
  avg_frame_rate: z.unknown().optional(),
  r_frame_rate: z.unknown().optional(),
  nb_frames: probeNumber,
  duration: probeNumber,
  /** The display matrix (`side_data_type: "Display Matrix"`) carries the rotation in degrees. */
  side_data_list: z.array(z.unknown()).optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
});

const sideDataSchema = z.object({ side_data_type: z.string().optional(), rotation: probeNumber });

/** The rotation of a stream's display matrix, if it has one. */
function displayMatrixRotation(sideData: readonly unknown[] | undefined): number | undefined {
  for (const item of sideData ?? []) {
    const parsed = sideDataSchema.safeParse(item);
    if (parsed.success && parsed.data.rotation !== undefined && /display ?matrix/i.test(parsed.data.side_data_type ?? '')) {
      return parsed.data.rotation;
    }
  }
  return undefined;
}

const probeDataSchema = z.object({
  streams: z.array(z.unknown()),
  format: z.object({ duration: probeNumber }).partial().optional(),
});

/** Parses `30000/1001`, `24/1` or `25`; `0/0` and junk give undefined. */
function parseRate(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const [num, den] = value.split('/').map(Number);
  const rate = den === undefined ? num : num / den;
  return Number.isFinite(rate) && rate > 0 ? rate : undefined;
}

/** Fails with a `VideoDecodeError` unless `file` is a non-empty regular file. */
async function assertReadableVideoFile(file: string): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw new VideoDecodeError(file, 'file not found');
  }
  if (!stat.isFile()) throw new VideoDecodeError(file, 'not a regular file');
  if (stat.size === 0) throw new VideoDecodeError(file, 'empty file (0 bytes)');
}

/** Settings of `probeVideo`. */
export interface ProbeVideoOptions {
  /** Kill ffprobe (its whole process group) and fail after this many seconds; default 120 (`data.decode.timeoutSeconds`). */
  timeoutSeconds?: number;
}

/** Runs a tool to completion, collecting up to `maxBytes` of stdout (see `startTool` for how it settles). */
async function runToolForOutput(
  tool: FfmpegTool,
  args: readonly string[],
  options: { timeoutSeconds: number; input?: Uint8Array; maxBytes?: number },
): Promise<ToolExit & { stdout: Buffer }> {
  const maxBytes = options.maxBytes ?? 16 * 2 ** 20;
  const { child, exited } = startTool(tool, args, { stdout: 'pipe', input: options.input, timeoutSeconds: options.timeoutSeconds });
  const chunks: Buffer[] = [];
  let size = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    if (size >= maxBytes) return;
    chunks.push(chunk);
    size += chunk.length;
  });
  const exit = await exited;
  return { ...exit, stdout: Buffer.concat(chunks) };
}

/**
 * Probes a video's first video stream (ffprobe's JSON output); a missing, empty, corrupt or video-less file, or a
 * probe that runs past `timeoutSeconds`, is a `VideoDecodeError`. An ffprobe that cannot start is an `FfmpegToolsError`.
 */
export async function probeVideo(file: string, options: ProbeVideoOptions = {}): Promise<VideoProbe> {
  await assertReadableVideoFile(file);
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TOOL_TIMEOUT_SECONDS;
  let result;
  try {
    result = await runToolForOutput('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', '-i', file], { timeoutSeconds });
  } catch (error) {
    if (error instanceof FfmpegTimeout) throw new VideoDecodeError(file, `cannot probe: ffprobe ${error.message}`);
    throw error;
  }
  if (result.code !== 0) {
    const exit = `ffprobe exited with ${result.signal ?? `code ${result.code}`}\n${result.stderr}`;
    throw new VideoDecodeError(file, `cannot probe (corrupt or not a video?): ${ffmpegReason(exit)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(result.stdout.toString('utf8'));
  } catch {
    throw new VideoDecodeError(file, 'cannot probe: ffprobe printed no JSON');
  }
  return parseProbe(file, raw);
}

/** A `VideoProbe` from ffprobe's `-show_streams -show_format` JSON. */
function parseProbe(file: string, raw: unknown): VideoProbe {
  const data = probeDataSchema.safeParse(raw);
  if (!data.success) throw new VideoDecodeError(file, 'ffprobe output has no stream list');
  const video = data.data.streams
    .map((stream) => probeStreamSchema.safeParse(stream))
    .find((parsed) => parsed.success && parsed.data.codec_type === 'video');
  if (!video?.success) throw new VideoDecodeError(file, 'no video stream');
  const stream = video.data;
  if (!stream.width || !stream.height) throw new VideoDecodeError(file, 'video stream has no frame size');
  const fps = parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate);
  const durationSeconds = stream.duration ?? data.data.format?.duration;
  if (fps === undefined) throw new VideoDecodeError(file, 'video stream has no frame rate');
  const numFrames =
    stream.nb_frames !== undefined && stream.nb_frames > 0
      ? stream.nb_frames
      : durationSeconds !== undefined
        ? Math.round(durationSeconds * fps)
        : 0;
  if (numFrames <= 0) throw new VideoDecodeError(file, 'video stream has no frames');
  const tagRotation = probeNumber.parse(stream.tags?.rotate);
  const rotation = displayMatrixRotation(stream.side_data_list) ?? tagRotation ?? 0;
  const quarterTurn = Math.abs(Math.round(rotation / 90)) % 2 === 1;
  return {
    file,
    durationSeconds: durationSeconds ?? numFrames / fps,
    fps,
    numFrames,
    width: quarterTurn ? stream.height : stream.width,
    height: quarterTurn ? stream.width : stream.height,
    rotation,
    codec: stream.codec_name ?? 'unknown',
  };
}

/** The oldest ffmpeg with every option the decoder uses (`-fps_mode` arrived in 5.1). */
export const MIN_FFMPEG_VERSION = { major: 5, minor: 1 } as const;

/** One tool as `checkFfmpegTools` found it. */
export interface FfmpegToolInfo {
  /** The binary run (`FFMPEG_PATH` / `FFPROBE_PATH`, or the name looked up on the PATH). */
  binary: string;
  /** The version string of its `-version` banner, e.g. `5.1.6-0+deb12u1` or `N-112233-gabcdef` (git builds). */
  version: string;
}

/** What `checkFfmpegTools` found: both tools work with the options this module passes them. */
export interface FfmpegTools {
  ffmpeg: FfmpegToolInfo;
  ffprobe: FfmpegToolInfo;
}

/** Settings of `checkFfmpegTools`. */
export interface CheckFfmpegToolsOptions {
  /** Limit of each check process; default 120 s (`data.decode.timeoutSeconds`). */
  timeoutSeconds?: number;
}

/** Successful checks by binary pair: a run checks once, however many loaders or evaluations it starts. */
const toolChecks = new Map<string, Promise<FfmpegTools>>();

/**
 * Checks once per process, before any video is read, that ffmpeg and ffprobe start, report a version (ffmpeg at
 * least `MIN_FFMPEG_VERSION` when the version is a release number) and accept exactly the options this module
 * uses: ffmpeg decodes two raw frames through the decoder's own `select`/`scale`/`-fps_mode`/rawvideo output,
 * ffprobe prints its JSON stream list. A broken or too-old installation would otherwise make every video look bad
 * (all skipped, no batch); this fails with one `FfmpegToolsError` line naming the tool and what it refused.
 */
export function checkFfmpegTools(options: CheckFfmpegToolsOptions = {}): Promise<FfmpegTools> {
  const key = `${ffmpegBinary()}\n${ffprobeBinary()}`;
  const known = toolChecks.get(key);
  if (known) return known;
  const check = runToolChecks(options.timeoutSeconds ?? DEFAULT_TOOL_TIMEOUT_SECONDS);
  toolChecks.set(key, check);
  // A failure is not remembered: the next call (after a fix, or in a test) checks again.
  check.catch(() => toolChecks.delete(key));
  return check;
}

async function runToolChecks(timeoutSeconds: number): Promise<FfmpegTools> {
  const [ffmpegInfo, ffprobeInfo] = await Promise.all([
    checkTool('ffmpeg', timeoutSeconds, checkFfmpegDecode),
    checkTool('ffprobe', timeoutSeconds, checkFfprobeJson),
  ]);
  return { ffmpeg: ffmpegInfo, ffprobe: ffprobeInfo };
}

/** The one-line reason of a failed check run: its exit and stderr's lines, joined. */
function checkFailure(result: ToolExit): string {
  const lines = result.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return `exited with ${result.signal ?? `code ${result.code}`}${lines.length > 0 ? `: ${lines.slice(-3).join('; ')}` : ''}`;
}

/** Runs `-version` then the tool's functional check; every failure is an `FfmpegToolsError` naming the tool. */
async function checkTool(
  tool: FfmpegTool,
  timeoutSeconds: number,
  functional: (timeoutSeconds: number) => Promise<string | undefined>,
): Promise<FfmpegToolInfo> {
  const binary = tool === 'ffmpeg' ? ffmpegBinary() : ffprobeBinary();
  const fail = (reason: string): never => {
    throw new FfmpegToolsError(tool, binary, reason);
  };
  const run = async <T>(what: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await body();
    } catch (error) {
      if (error instanceof FfmpegTimeout) return fail(`${what} ${error.message}`);
      throw error;
    }
  };
  const banner = await run('-version', () => runToolForOutput(tool, ['-version'], { timeoutSeconds, maxBytes: 64 * 1024 }));
  if (banner.code !== 0) fail(`-version ${checkFailure(banner)}`);
  const firstLine = banner.stdout.toString('utf8').split('\n')[0]?.trim() ?? '';
  const version = /^\S+ version (\S+)/.exec(firstLine)?.[1];
  if (version === undefined) return fail(`-version printed no version line (got "${firstLine.slice(0, 120)}"): is this ${tool}?`);
  const release = /^n?(\d+)\.(\d+)/.exec(version);
  if (tool === 'ffmpeg' && release) {
    const [major, minor] = [Number(release[1]), Number(release[2])];
    const { major: needMajor, minor: needMinor } = MIN_FFMPEG_VERSION;
    if (major < needMajor || (major === needMajor && minor < needMinor)) {
      fail(`version ${version} is too old: need ${needMajor}.${needMinor} or newer (the decoder uses -fps_mode); install a newer ffmpeg or set FFMPEG_PATH`);
    }
  }
  const problem = await run('the option check', () => functional(timeoutSeconds));
  if (problem !== undefined) fail(`version ${version}: ${problem}`);
  return { binary, version };
}

/** Two 16x12 rgb24 frames through the decoder's output options; a problem, or undefined when 8x6 frames come out. */
async function checkFfmpegDecode(timeoutSeconds: number): Promise<string | undefined> {
  const plan = decodePlan({ indices: [0, 1], width: 8, height: 6, timeoutSeconds });
  const args = [
    ...['-hide_banner', '-loglevel', 'error', '-threads', '1'],
    ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '16x12', '-r', '25', '-i', 'pipe:0'],
    ...plan.outputArgs,
    'pipe:1',
  ];
  const result = await runToolForOutput('ffmpeg', args, { timeoutSeconds, input: new Uint8Array(2 * 16 * 12 * 3).fill(128) });
  const used = plan.outputArgs.join(' ');
  if (result.code !== 0) return `refuses the decode options this project uses (${used}): ${checkFailure(result)}`;
  const expected = 2 * 8 * 6 * 3;
  if (result.stdout.length !== expected) {
    return `the decode options this project uses (${used}) gave ${result.stdout.length} bytes instead of ${expected}`;
  }
  return undefined;
}

/** ffprobe's JSON stream list of one raw frame; a problem, or undefined when it lists the 16x12 video stream. */
async function checkFfprobeJson(timeoutSeconds: number): Promise<string | undefined> {
  const args = [
    ...['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format'],
    ...['-f', 'rawvideo', '-pixel_format', 'rgb24', '-video_size', '16x12', '-framerate', '25', '-i', 'pipe:0'],
  ];
  const result = await runToolForOutput('ffprobe', args, { timeoutSeconds, input: new Uint8Array(16 * 12 * 3) });
  const used = '-print_format json -show_streams -show_format';
  if (result.code !== 0) return `refuses the probe options this project uses (${used}): ${checkFailure(result)}`;
  let raw: unknown;
  try {
    raw = JSON.parse(result.stdout.toString('utf8'));
  } catch {
    return `printed no JSON for ${used}`;
  }
  const data = probeDataSchema.safeParse(raw);
  const stream = data.success ? probeStreamSchema.safeParse(data.data.streams[0]) : undefined;
  if (!stream?.success || stream.data.codec_type !== 'video' || stream.data.width !== 16 || stream.data.height !== 12) {
    return `its ${used} output lists no 16x12 video stream for a raw test frame`;
  }
  return undefined;
}

/**
 * The `select` expression for sorted, distinct frame indices: runs become `between(n,a,b)`, singles `eq(n,i)`.
 * Commas are escaped for the filtergraph parser.
 */
export function selectExpression(sortedUnique: readonly number[]): string {
  const terms: string[] = [];
  for (let i = 0; i < sortedUnique.length; ) {
    let j = i;
    while (j + 1 < sortedUnique.length && sortedUnique[j + 1] === sortedUnique[j] + 1) j++;
    terms.push(
      j === i ? `eq(n\\,${sortedUnique[i]})` : `between(n\\,${sortedUnique[i]}\\,${sortedUnique[j]})`,
    );
    i = j + 1;
  }
  return terms.join('+');
}

/**
 * Decodes exactly the requested source frames as rgb24 at `width x height` (after rotation; ffmpeg autorotates).
 * `select` runs before `scale`, so only kept frames are scaled, and `-frames:v` stops decoding after the last one.
 * If fewer frames come than asked (index past the end, truncated file), the rest copy the last decoded frame and
 * are listed in `missingIndices`; no frame at all is a `VideoDecodeError`, as is a timeout (ffmpeg is killed).
 */
export async function decodeFrames(file: string, options: DecodeFramesOptions): Promise<DecodedFrames> {
  checkDecodeOptions(file, options);
  await assertReadableVideoFile(file);
  const plan = decodePlan(options);
  const assembler = new RawFrameAssembler(options.width * options.height * 3, plan.unique.length);
  const args = [
    ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-threads', String(options.threads ?? 1), '-i', file],
    ...plan.outputArgs,
    'pipe:1',
  ];
  let failure: unknown;
  try {
    await runRawDecode(args, options.timeoutSeconds, [(chunk) => assembler.push(chunk)]);
  } catch (error) {
    failure = error;
  }
  if (failure instanceof FfmpegToolsError) throw failure;
  return assembleDecoded(file, options, plan.unique, assembler, failure);
}

/** A decode of `decodeFramesBatch`: one video and what to take from it. */
export interface DecodeRequest {
  file: string;
  options: DecodeFramesOptions;
}

/**
 * Decodes several videos with one ffmpeg process (one input and one output pipe per video), giving each exactly
 * what `decodeFrames` gives it. Starting ffmpeg costs about 0.2 s of CPU here (it links some 200 libraries), as
 * much as decoding a short clip, so batching roughly halves the cost of a cold epoch. A video that cannot be read,
 * a failed or timed-out process, or an output without frames sends the videos concerned through `decodeFrames`
 * one by one, so each failure is reported against its own file with its own reason. Results are in request order:
 * decoded frames, or the `VideoDecodeError` of that video.
 */
export async function decodeFramesBatch(requests: readonly DecodeRequest[]): Promise<(DecodedFrames | VideoDecodeError)[]> {
  const single = async ({ file, options }: DecodeRequest): Promise<DecodedFrames | VideoDecodeError> => {
    try {
      return await decodeFrames(file, options);
    } catch (error) {
      if (error instanceof VideoDecodeError) return error;
      throw error;
    }
  };
  for (const { file, options } of requests) checkDecodeOptions(file, options);
  const results: (DecodedFrames | VideoDecodeError | undefined)[] = requests.map(() => undefined);
  const readable: number[] = [];
  await Promise.all(
    requests.map(async ({ file }, i) => {
      try {
        await assertReadableVideoFile(file);
        readable.push(i);
      } catch (error) {
        if (!(error instanceof VideoDecodeError)) throw error;
        results[i] = error;
      }
    }),
  );
  readable.sort((a, b) => a - b);
  if (readable.length <= 1) {
    for (const i of readable) results[i] = await single(requests[i]);
    return results as (DecodedFrames | VideoDecodeError)[];
  }
  const plans = readable.map((i) => decodePlan(requests[i].options));
  const assemblers = readable.map((i, k) => new RawFrameAssembler(requests[i].options.width * requests[i].options.height * 3, plans[k].unique.length));
  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error'];
  for (const i of readable) args.push('-threads', String(requests[i].options.threads ?? 1), '-i', requests[i].file);
  readable.forEach((_i, k) => args.push('-map', `${k}:v:0`, ...plans[k].outputArgs, `pipe:${3 + k}`));
  const timeoutSeconds = Math.max(...readable.map((i) => requests[i].options.timeoutSeconds));
  let failure: unknown;
  try {
    await runRawDecode(args, timeoutSeconds, assemblers.map((assembler) => (chunk: Buffer) => assembler.push(chunk)));
  } catch (error) {
    failure = error;
  }
  if (failure instanceof FfmpegToolsError) throw failure;
  for (const [k, i] of readable.entries()) {
    results[i] =
      failure === undefined && assemblers[k].completeFrames > 0
        ? assembleDecoded(requests[i].file, requests[i].options, plans[k].unique, assemblers[k], undefined)
        : await single(requests[i]);
  }
  return results as (DecodedFrames | VideoDecodeError)[];
}

function checkDecodeOptions(file: string, options: DecodeFramesOptions): void {
  const { indices, width, height } = options;
  if (indices.length === 0) throw new RangeError(`decodeFrames(${file}): no frame indices requested`);
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0) {
      throw new RangeError(`decodeFrames(${file}): frame index must be a non-negative integer, got ${index}`);
    }
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`decodeFrames(${file}): size must be positive integers, got ${width}x${height}`);
  }
}

/** The distinct sorted frames to decode and the output options that select and scale them (the target follows). */
function decodePlan(options: DecodeFramesOptions): { unique: number[]; outputArgs: string[] } {
  const unique = [...new Set(options.indices)].sort((a, b) => a - b);
  return {
    unique,
    outputArgs: [
      ...['-an', '-sn', '-dn', '-vf', `select=${selectExpression(unique)},scale=${options.width}:${options.height}`],
      ...['-fps_mode', 'passthrough', '-frames:v', String(unique.length), '-pix_fmt', 'rgb24', '-f', 'rawvideo'],
    ],
  };
}

/** The requested frames from what ffmpeg delivered (see `decodeFrames`). */
function assembleDecoded(
  file: string,
  options: DecodeFramesOptions,
  unique: readonly number[],
  assembler: RawFrameAssembler,
  failure: unknown,
): DecodedFrames {
  const { indices, width, height } = options;
  const got = assembler.completeFrames;
  if (got === 0 && failure === undefined) {
    throw new NoFramesDecodedError(file, `cannot decode frames [${unique.join(', ')}]: no frames decoded`);
  }
  if (got === 0 || failure instanceof FfmpegTimeout) {
    throw new VideoDecodeError(file, `cannot decode frames [${unique.join(', ')}]: ${ffmpegReason(failure)}`);
  }
  const frameSize = width * height * 3;
  const decoded = assembler.frames();
  const missing = new Set(unique.slice(got));
  if (got === indices.length && unique.every((index, i) => index === indices[i])) {
    // Already sorted and distinct (the frame cache's request): the assembled frames are the answer, no copy.
    return { data: decoded, numFrames: got, width, height, indices: [...indices], missingIndices: [] };
  }
  const slotOf = new Map(unique.map((index, slot) => [index, Math.min(slot, got - 1)]));
  const data = new Uint8Array(indices.length * frameSize);
  indices.forEach((index, i) => {
    const slot = slotOf.get(index) ?? got - 1;
    data.set(decoded.subarray(slot * frameSize, (slot + 1) * frameSize), i * frameSize);
  });
  return {
    data,
    numFrames: indices.length,
    width,
    height,
    indices: [...indices],
    missingIndices: [...missing].sort((a, b) => a - b),
  };
}

/** One clip of `encodeRawVideos`: its target file, encoding options and every rgb24 frame. */
export interface RawVideoClip {
  file: string;
  options: RawVideoEncoderOptions;
  frames: readonly Uint8Array[];
}

/** The temp file beside `outFile` that an encoder writes before renaming it onto the target. */
function encoderTempPath(outFile: string): string {
  return path.join(path.dirname(outFile), `.${path.basename(outFile)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** ffmpeg output options of `createRawVideoEncoder` and `encodeRawVideos` (same options, same bytes). */
function encoderOutputArgs(options: RawVideoEncoderOptions, outFile: string): string[] {
  const { width, height, outputHeight } = options;
  if (outputHeight !== undefined && (!Number.isInteger(outputHeight) || outputHeight <= 0 || outputHeight % 2 !== 0)) {
    throw new RangeError(`${outFile}: outputHeight must be a positive even integer, got ${outputHeight}`);
  }
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
    ...['-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4', '-y'],
  ];
}

/**
 * Encodes several clips with one ffmpeg process (a rawvideo input pipe and an mp4 output per clip), each output
 * byte-identical to what `createRawVideoEncoder` writes for it. Every frame is handed to the pipes at once (no
 * backpressure: ffmpeg reads its inputs in whatever order its outputs need, so waiting on one pipe could block on
 * another); callers bound the memory by the clips they pass. Outputs appear at their paths only when the whole
 * process succeeded; on failure or abort every temp file is removed and the error names the first clip.
 * Starting ffmpeg costs about 0.2 s of CPU here, as much as encoding a short clip, hence the batch.
 */
export async function encodeRawVideos(clips: readonly RawVideoClip[], signal?: AbortSignal): Promise<void> {
  if (clips.length === 0) return;
  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error'];
  clips.forEach(({ file, options, frames }, k) => {
    const { width, height, fps } = options;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new RangeError(`encodeRawVideos(${file}): size must be positive integers, got ${width}x${height}`);
    }
    if (!(fps > 0)) throw new RangeError(`encodeRawVideos(${file}): fps must be positive, got ${fps}`);
    const frameSize = width * height * 3;
    for (const frame of frames) {
      if (frame.length !== frameSize) throw new RangeError(`${file}: frame has ${frame.length} bytes, expected ${width}x${height}x3 = ${frameSize}`);
    }
    args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps), '-i', `pipe:${3 + k}`);
  });
  const temps = clips.map(({ file }) => encoderTempPath(file));
  clips.forEach(({ options, file }, k) => args.push('-map', `${k}:v:0`, ...encoderOutputArgs(options, file), temps[k]));
  for (const { file } of clips) mkdirSync(path.dirname(file), { recursive: true });
  const removeTemps = () => Promise.all(temps.map((temp) => fs.rm(temp, { force: true })));
  const { child, exited } = startTool('ffmpeg', args, { stdout: 'ignore', extraPipes: clips.length, signal });
  const outcome = exited.then(
    ({ code, signal: exitSignal, stderr }) => (code === 0 ? undefined : new Error(`ffmpeg exited with ${exitSignal ?? `code ${code}`}\n${stderr}`)),
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  clips.forEach(({ frames }, k) => {
    const pipe = child.stdio[3 + k] as NodeJS.WritableStream & { on(event: 'error', listener: () => void): void };
    // A dead ffmpeg closes the pipes: the write errors are the exit's consequence, reported through it.
    pipe.on('error', () => undefined);
    for (const frame of frames) pipe.write(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    pipe.end();
  });
  const failure = await outcome;
  if (failure || signal?.aborted) {
    await removeTemps();
    if (failure instanceof FfmpegToolsError) throw failure;
    throw new VideoDecodeError(clips[0].file, signal?.aborted ? 'encoding aborted' : `encoding failed: ${ffmpegReason(failure)}`);
  }
  try {
    for (const [k, { file }] of clips.entries()) await fs.rename(temps[k], file);
  } catch (error) {
    await removeTemps();
    throw error;
  }
}

/**
 * Starts an H.264 encoder (libx264, yuv420p, +faststart mp4) reading rgb24 frames from a pipe. Output goes to a
 * temp file beside `outFile`, renamed on success and removed on failure or `abort()`.
 */
export function createRawVideoEncoder(outFile: string, options: RawVideoEncoderOptions): RawVideoEncoder {
  const { width, height, fps } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`createRawVideoEncoder(${outFile}): size must be positive integers, got ${width}x${height}`);
  }
  if (!(fps > 0)) throw new RangeError(`createRawVideoEncoder(${outFile}): fps must be positive, got ${fps}`);
  const { outputHeight } = options;
  if (outputHeight !== undefined && (!Number.isInteger(outputHeight) || outputHeight <= 0 || outputHeight % 2 !== 0)) {
    throw new RangeError(`createRawVideoEncoder(${outFile}): outputHeight must be a positive even integer, got ${outputHeight}`);
  }
  const frameSize = width * height * 3;
  mkdirSync(path.dirname(outFile), { recursive: true });
  const temp = encoderTempPath(outFile);
  const input = new PassThrough({ highWaterMark: frameSize * 4 });
  const command = ffmpeg(input)
    .inputOptions(['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(fps)])
    .outputOptions(encoderOutputArgs(options, outFile))
    .output(temp);
  const running = runCommand(command);
  let failure: Error | undefined;
  let state: 'open' | 'ending' | 'done' | 'aborted' = 'open';
  const failed = running.done.then(
    () => undefined,
    (error: unknown) => {
      failure = new VideoDecodeError(outFile, `encoding failed: ${ffmpegReason(error)}`);
      return failure;
    },
  );
  const removeTemp = () => fs.rm(temp, { force: true });

  return {
    async write(frame: Uint8Array): Promise<void> {
      if (state !== 'open') throw new Error(`${outFile}: encoder is ${state}, cannot write`);
      if (failure) throw failure;
      if (frame.length !== frameSize) {
        throw new RangeError(`${outFile}: frame has ${frame.length} bytes, expected ${width}x${height}x3 = ${frameSize}`);
      }
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
      running.kill();
      input.destroy();
      await failed;
      await removeTemp();
    },
  };
}
