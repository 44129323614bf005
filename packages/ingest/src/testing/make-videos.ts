/**
 * Real video files for tests (this package's and others'): frame-number patterns written with our encoder, so a
 * test can read back exactly which source frame it got, plus ffmpeg lavfi clips and broken files.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeLabel, type Rng } from '@a2d/core';
import { createRawVideoEncoder } from '../ffmpeg/index';
import { clipPath, type Usage, type VideoRecord } from '../records';

const run = promisify(execFile);

/** Bits of the frame number drawn as vertical bars (8: frames 0..255). */
export const PATTERN_BITS = 8;

/**
 * One rgb24 frame showing `index` in binary as `bits` vertical bars (most significant bit on the left), white for
 * 1 and black for 0. Coarse bars survive H.264 and downscaling, so `readFrameNumber` recovers the index exactly.
 */
export function frameNumberPattern(index: number, width: number, height: number, bits = PATTERN_BITS): Uint8Array {
  const frame = new Uint8Array(width * height * 3);
  for (let x = 0; x < width; x++) {
    const bit = Math.min(bits - 1, Math.floor((x * bits) / width));
    const on = (index >> (bits - 1 - bit)) & 1;
    if (!on) continue;
    for (let y = 0; y < height; y++) frame.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
  }
  return frame;
}

/** Reads the frame number drawn by `frameNumberPattern` from one rgb24 frame of any size (samples bar centres). */
export function readFrameNumber(frame: Uint8Array, width: number, height: number, bits = PATTERN_BITS): number {
  let value = 0;
  const y = Math.floor(height / 2);
  for (let bit = 0; bit < bits; bit++) {
    const x = Math.floor(((bit + 0.5) * width) / bits);
    const offset = (y * width + x) * 3;
    const luma = (frame[offset] + frame[offset + 1] + frame[offset + 2]) / 3;
    value = (value << 1) | (luma >= 128 ? 1 : 0);
  }
  return value;
}

/** Frame numbers of every frame in a clip laid out `[numFrames, height, width, 3]`. */
export function readFrameNumbers(clip: { data: Uint8Array; numFrames: number; width: number; height: number }): number[] {
  const size = clip.width * clip.height * 3;
  return Array.from({ length: clip.numFrames }, (_, i) =>
    readFrameNumber(clip.data.subarray(i * size, (i + 1) * size), clip.width, clip.height),
  );
}

/** Size and length of a generated pattern video. */
export interface PatternVideoOptions {
  numFrames: number;
  width?: number;
  height?: number;
  fps?: number;
}

/** Writes an mp4 whose frame `i` shows the number `i` (see `frameNumberPattern`); default 64x48 at 25 fps. */
export async function writePatternVideo(file: string, options: PatternVideoOptions): Promise<void> {
  const { numFrames, width = 64, height = 48, fps = 25 } = options;
  const encoder = createRawVideoEncoder(file, { width, height, fps, crf: 10, preset: 'ultrafast' });
  try {
    for (let i = 0; i < numFrames; i++) await encoder.write(frameNumberPattern(i, width, height));
    await encoder.end();
  } catch (error) {
    await encoder.abort();
    throw error;
  }
}

/** Writes a solid-colour mp4 whose second `s` is `colors[s]` (RGB triples), made by ffmpeg's lavfi `color`. */
export async function writeColorSecondsVideo(
  file: string,
  colors: readonly (readonly [number, number, number])[],
  options: { width?: number; height?: number; fps?: number } = {},
): Promise<void> {
  const { width = 32, height = 24, fps = 10 } = options;
  await fs.mkdir(path.dirname(file), { recursive: true });
  const hex = (rgb: readonly number[]) => `0x${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
  const inputs = colors.flatMap((rgb) => ['-f', 'lavfi', '-i', `color=c=${hex(rgb)}:s=${width}x${height}:r=${fps}:d=1`]);
  const concat = `${colors.map((_, i) => `[${i}:v]`).join('')}concat=n=${colors.length}:v=1:a=0[v]`;
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...inputs],
    ...['-filter_complex', concat, '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0'],
    ...['-pix_fmt', 'yuv444p', '-f', 'mp4', file],
  ]);
}

/** Writes an mp4 from ffmpeg's `testsrc2` pattern (moving content, realistic for decode timing). */
export async function writeTestsrcVideo(
  file: string,
  options: { seconds: number; width?: number; height?: number; fps?: number },
): Promise<void> {
  const { seconds, width = 64, height = 48, fps = 25 } = options;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=s=${width}x${height}:r=${fps}:d=${seconds}`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-f', 'mp4', file],
  ]);
}

/** Writes an mp4 holding only an AAC audio track (a sine tone): probing it must fail with "no video stream". */
export async function writeAudioOnlyMp4(file: string, seconds = 1): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'aac', '-f', 'mp4', file],
  ]);
}

/** Copies `source` to `target` with the rotation display-matrix set (stream copy, no re-encode). */
export async function writeRotatedCopy(source: string, target: string, degrees: number): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', source],
    ...['-c', 'copy', '-metadata:s:v:0', `rotate=${degrees}`, '-f', 'mp4', target],
  ]);
}

/** Writes `size` random bytes: a file with an .mp4 name that no demuxer accepts. */
export async function writeRandomBytes(file: string, size: number, rng: Rng): Promise<void> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.floor(rng.next() * 256);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, bytes);
}

/** Writes the first `fraction` of `source` to `target` (a download cut short). */
export async function writeTruncatedCopy(source: string, target: string, fraction: number): Promise<void> {
  const bytes = await fs.readFile(source);
  await fs.mkdir(path.dirname(target), { recursive: true });
  await fs.writeFile(target, bytes.subarray(0, Math.floor(bytes.length * fraction)));
}

/** A `VideoRecord` as videoset.csv would give it (320x427, whole video annotated on 5 frames). */
export function fixtureRecord(
  videoId: string,
  label: number,
  numFrames: number,
  extra: { usage?: Usage; line?: number } = {},
): VideoRecord {
  const { actorId, actionId, actor, action } = decodeLabel(label);
  return {
    videoId,
    label,
    actorId,
    actionId,
    actor,
    action,
    startTime: 0,
    endTime: numFrames / 25,
    height: 320,
    width: 427,
    numFrames,
    numAnnotatedFrames: 5,
    usage: extra.usage ?? 'train',
    line: extra.line ?? 2,
  };
}

/** One clip of a fixture dataset: a pattern video of `numFrames`, or a broken file of the given kind. */
export interface FixtureClip {
  videoId: string;
  label: number;
  /** Frames written (pattern) and the frame count the record claims (default: the same). */
  numFrames: number;
  recordFrames?: number;
  kind?: 'pattern' | 'corrupt' | 'empty' | 'audio-only' | 'missing';
}

/** Writes `<root>/clips320H/<id>.mp4` for each clip (64x48 frame-number patterns) and returns their records. */
export async function writeFixtureDataset(
  root: string,
  clips: readonly FixtureClip[],
  rng: Rng,
  clipsDir = 'clips320H',
): Promise<VideoRecord[]> {
  for (const clip of clips) {
    const file = clipPath(root, clipsDir, clip.videoId);
    await fs.mkdir(path.dirname(file), { recursive: true });
    switch (clip.kind ?? 'pattern') {
      case 'pattern':
        await writePatternVideo(file, { numFrames: clip.numFrames });
        break;
      case 'corrupt':
        await writeRandomBytes(file, 3000, rng);
        break;
      case 'empty':
        await fs.writeFile(file, '');
        break;
      case 'audio-only':
        await writeAudioOnlyMp4(file);
        break;
      case 'missing':
        break;
    }
  }
  return clips.map((clip, i) => fixtureRecord(clip.videoId, clip.label, clip.recordFrames ?? clip.numFrames, { line: i + 2 }));
}
