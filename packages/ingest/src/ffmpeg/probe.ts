/**
 * Probing a video with ffprobe (JSON output): duration, frame rate and count, displayed size after rotation, codec.
 * Also the check every read starts with (`assertReadableVideoFile`), so a missing or empty file is named as such
 * instead of as whatever ffmpeg makes of it.
 */
import { promises as fs } from 'node:fs';
import { z } from 'zod';
import { VideoDecodeError } from '@a2d/core';
import { DEFAULT_TOOL_TIMEOUT_SECONDS, exitError, FfmpegTimeout, ffmpegReason, runToolForOutput } from './process';

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

/** A number from ffprobe's key=value output: numbers, numeric strings, or `N/A`/fractions (-> undefined). */
const probeNumber = z
  .unknown()
  .optional()
  .transform((value): number | undefined => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    return Number.isFinite(n) ? n : undefined;
  });

/** One entry of ffprobe's `streams` list, as far as this package reads it (the tool check parses it too). */
export const probeStreamSchema = z.object({
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

/** ffprobe's `-show_streams -show_format` JSON (the tool check parses it too). */
export const probeDataSchema = z.object({
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

/** Fails with a `VideoDecodeError` unless `file` is a non-empty regular file (probe and decode start with it). */
export async function assertReadableVideoFile(file: string): Promise<void> {
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
    throw new VideoDecodeError(file, `cannot probe (corrupt or not a video?): ${ffmpegReason(exitError('ffprobe', result))}`);
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
