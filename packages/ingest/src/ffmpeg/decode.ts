/**
 * Decoding selected frames of videos to raw rgb24 at a chosen size: the loader's hot path. One ffmpeg process per
 * video (`decodeFrames`) or per batch of videos (`decodeFramesBatch`), each run through `startTool` (time limit,
 * own process group, settles on exit). Frames that never come (past the end, truncated file) are reported, not
 * invented: the caller decides what a short video means.
 */
import type { Readable } from 'node:stream';
import { VideoDecodeError, type Clip } from '@a2d/core';
import { RawFrameAssembler } from '../raw-frames';
import { checkRawFrameFormat, rawFrameBytes } from './frame-size';
import { exitError, FfmpegTimeout, ffmpegReason, startTool } from './process';
import { assertReadableVideoFile } from './probe';
import { FfmpegToolsError } from './tools-error';

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

/**
 * Every requested frame lies past the end of the video (ffmpeg exited cleanly and delivered nothing): what a frame
 * count larger than the file's gives, so `ClipSource` retries with the probed count.
 */
export class NoFramesDecodedError extends VideoDecodeError {}

/**
 * Runs one ffmpeg decode, streaming its raw output to `sinks`: one sink reads stdout (`pipe:1`), several read
 * pipes 3, 4, ... (`pipe:3`...), one per output. Rejects with the exit and stderr on a non-zero exit, with
 * `FfmpegTimeout` after `timeoutSeconds` (the process group is killed), or with `FfmpegToolsError` when it cannot start.
 */
async function runRawDecode(args: readonly string[], timeoutSeconds: number, sinks: readonly ((chunk: Buffer) => void)[]): Promise<void> {
  const single = sinks.length === 1;
  const { child, exited } = startTool('ffmpeg', args, { stdout: single ? 'pipe' : 'ignore', extraPipes: single ? 0 : sinks.length, timeoutSeconds });
  sinks.forEach((sink, i) => {
    const stream = single ? child.stdout : child.stdio[3 + i];
    (stream as Readable | null)?.on('data', sink);
  });
  const exit = await exited;
  if (exit.code !== 0) throw exitError('ffmpeg', exit);
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
  const assembler = new RawFrameAssembler(rawFrameBytes(options), plan.unique.length);
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
  const assemblers = readable.map((i, k) => new RawFrameAssembler(rawFrameBytes(requests[i].options), plans[k].unique.length));
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

/** Throws a `RangeError` naming the file and the argument at fault for an empty or invalid index list or size. */
function checkDecodeOptions(file: string, options: DecodeFramesOptions): void {
  const where = `decodeFrames(${file})`;
  const { indices, width, height } = options;
  if (indices.length === 0) throw new RangeError(`${where}: no frame indices requested`);
  for (const index of indices) {
    if (!Number.isInteger(index) || index < 0) {
      throw new RangeError(`${where}: frame index must be a non-negative integer, got ${index}`);
    }
  }
  checkRawFrameFormat(where, { width, height });
}

/**
 * The distinct sorted frames to decode and the output options that select and scale them (the target follows).
 * The tool check runs these very options, so an ffmpeg that passes it can decode.
 */
export function decodePlan(options: DecodeFramesOptions): { unique: number[]; outputArgs: string[] } {
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
  const frameSize = rawFrameBytes(options);
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
