/**
 * The check, once per process before any video is read, that ffmpeg and ffprobe start, are new enough and accept
 * exactly the options this package passes them: a broken installation otherwise makes every video look bad.
 */
import { decodePlan } from './decode';
import { DEFAULT_TOOL_TIMEOUT_SECONDS, exitSummary, FfmpegTimeout, runToolForOutput, toolBinary } from './process';
import { probeDataSchema, probeStreamSchema } from './probe';
import { FfmpegToolsError, type FfmpegTool } from './tools-error';

/** The oldest ffmpeg with every option the decoder uses (`-fps_mode` arrived in 5.1). */
export const MIN_FFMPEG_VERSION = { major: 5, minor: 1 } as const;

/** One tool as `checkFfmpegTools` found it. */
export interface FfmpegToolInfo {
  /** The binary run (`FFMPEG_PATH` / `FFPROBE_PATH`, or the name looked up on the PATH). */
  binary: string;
  /** The version string of its `-version` banner, e.g. `5.1.6-0+deb12u1` or `N-112233-gabcdef` (git builds). */
  version: string;
}

/** What `checkFfmpegTools` found: both tools work with the options this package passes them. */
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
 * least `MIN_FFMPEG_VERSION` when the version is a release number) and accept exactly the options this package
 * uses: ffmpeg decodes two raw frames through the decoder's own `select`/`scale`/`-fps_mode`/rawvideo output,
 * ffprobe prints its JSON stream list. A broken or too-old installation would otherwise make every video look bad
 * (all skipped, no batch); this fails with one `FfmpegToolsError` line naming the tool and what it refused.
 */
export function checkFfmpegTools(options: CheckFfmpegToolsOptions = {}): Promise<FfmpegTools> {
  const key = `${toolBinary('ffmpeg')}\n${toolBinary('ffprobe')}`;
  const known = toolChecks.get(key);
  if (known) return known;
  const check = runToolChecks(options.timeoutSeconds ?? DEFAULT_TOOL_TIMEOUT_SECONDS);
  toolChecks.set(key, check);
  // A failure is not remembered: the next call (after a fix, or in a test) checks again.
  check.catch(() => toolChecks.delete(key));
  return check;
}

/** Both checks at once; see `checkFfmpegTools`. */
async function runToolChecks(timeoutSeconds: number): Promise<FfmpegTools> {
  const [ffmpegInfo, ffprobeInfo] = await Promise.all([
    checkTool('ffmpeg', timeoutSeconds, checkFfmpegDecode),
    checkTool('ffprobe', timeoutSeconds, checkFfprobeJson),
  ]);
  return { ffmpeg: ffmpegInfo, ffprobe: ffprobeInfo };
}

/** Runs `-version` then the tool's functional check; every failure is an `FfmpegToolsError` naming the tool. */
async function checkTool(
  tool: FfmpegTool,
  timeoutSeconds: number,
  functional: (timeoutSeconds: number) => Promise<string | undefined>,
): Promise<FfmpegToolInfo> {
  const binary = toolBinary(tool);
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
  if (banner.code !== 0) fail(`-version ${exitSummary(banner)}`);
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
  if (result.code !== 0) return `refuses the decode options this project uses (${used}): ${exitSummary(result)}`;
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
  if (result.code !== 0) return `refuses the probe options this project uses (${used}): ${exitSummary(result)}`;
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
