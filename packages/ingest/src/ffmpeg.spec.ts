import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng, VideoDecodeError } from '@a2d/core';
import {
  checkFfmpegTools,
  createRawVideoEncoder,
  decodeFrames,
  decodeFramesBatch,
  encodeRawVideos,
  FfmpegToolsError,
  NoFramesDecodedError,
  probeVideo,
  selectExpression,
} from './ffmpeg';
import { processGone, readPid, waitUntilGone, withEnv, writeFakeFfmpeg, writeHangingTool } from './testing/fake-tools';
import {
  frameNumberPattern,
  readFrameNumbers,
  writeAudioOnlyMp4,
  writeColorSecondsVideo,
  writePatternVideo,
  writeRandomBytes,
  writeRotatedCopy,
  writeTestsrcVideo,
  writeTruncatedCopy,
} from './testing/make-videos';

const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-ffmpeg-'));
const pattern30 = path.join(dir, 'pattern30.mp4');

beforeAll(async () => {
  await writePatternVideo(pattern30, { numFrames: 30, width: 64, height: 48, fps: 25 });
});

describe('createRawVideoEncoder', () => {
  it('encodes rgb24 frames to an H.264 mp4 whose frames decode back in order', async () => {
    const probe = await probeVideo(pattern30);
    expect(probe).toMatchObject({ numFrames: 30, width: 64, height: 48, fps: 25, codec: 'h264', rotation: 0 });
    expect(probe.durationSeconds).toBeCloseTo(1.2, 2);
    const all = Array.from({ length: 30 }, (_, i) => i);
    const clip = await decodeFrames(pattern30, { indices: all, width: 64, height: 48, timeoutSeconds: 30 });
    expect(readFrameNumbers(clip)).toEqual(all);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('scales to outputHeight keeping the aspect ratio, and evens out odd sizes', async () => {
    const scaled = path.join(dir, 'scaled.mp4');
    const encoder = createRawVideoEncoder(scaled, { width: 64, height: 48, fps: 10, outputHeight: 24 });
    for (let i = 0; i < 5; i++) await encoder.write(frameNumberPattern(i, 64, 48));
    await encoder.end();
    expect(await probeVideo(scaled)).toMatchObject({ width: 32, height: 24, numFrames: 5 });

    const odd = path.join(dir, 'odd.mp4');
    const oddEncoder = createRawVideoEncoder(odd, { width: 63, height: 47, fps: 10 });
    for (let i = 0; i < 3; i++) await oddEncoder.write(frameNumberPattern(i, 63, 47));
    await oddEncoder.end();
    expect(await probeVideo(odd)).toMatchObject({ width: 62, height: 46, numFrames: 3 });
    expect(() => createRawVideoEncoder(scaled, { width: 64, height: 48, fps: 10, outputHeight: 25 })).toThrow(/even/);
  });

  it('takes frames larger than the pipe buffer, waiting for drain, and reuses no caller memory', async () => {
    const file = path.join(dir, 'large.mp4');
    const width = 320;
    const height = 240;
    const encoder = createRawVideoEncoder(file, { width, height, fps: 25, preset: 'ultrafast' });
    const frame = new Uint8Array(width * height * 3);
    for (let i = 0; i < 24; i++) {
      frame.set(frameNumberPattern(i, width, height));
      await encoder.write(frame); // the same buffer every time: the encoder must have copied it
    }
    await encoder.end();
    const clip = await decodeFrames(file, { indices: [0, 11, 23], width: 64, height: 48, timeoutSeconds: 30 });
    expect(readFrameNumbers(clip)).toEqual([0, 11, 23]);
  });

  it('leaves neither target nor temp file after abort or failure', async () => {
    const sub = mkdtempSync(path.join(dir, 'abort-'));
    const target = path.join(sub, 'aborted.mp4');
    const encoder = createRawVideoEncoder(target, { width: 32, height: 32, fps: 10 });
    await encoder.write(frameNumberPattern(1, 32, 32));
    await expect(encoder.write(new Uint8Array(10))).rejects.toThrow(/expected 32x32x3 = 3072/);
    await encoder.abort();
    expect(readdirSync(sub)).toEqual([]);

    const broken = createRawVideoEncoder(path.join(sub, 'bad.mp4'), { width: 32, height: 32, fps: 10, preset: 'no-such-preset' });
    await broken.write(frameNumberPattern(1, 32, 32)).catch(() => undefined);
    await expect(broken.end()).rejects.toThrow(VideoDecodeError);
    expect(readdirSync(sub)).toEqual([]);
  });
});

describe('decodeFrames', () => {
  it('selects exactly the requested frames, in request order, with repeats', async () => {
    const indices = [17, 3, 3, 29, 0, 17, 4, 5, 6];
    const clip = await decodeFrames(pattern30, { indices, width: 32, height: 24, timeoutSeconds: 30 });
    expect(clip).toMatchObject({ numFrames: indices.length, width: 32, height: 24, missingIndices: [] });
    expect(clip.data.length).toBe(indices.length * 32 * 24 * 3);
    expect(readFrameNumbers(clip)).toEqual(indices);
  });

  it('reassembles frames whose size does not divide the pipe chunk size', async () => {
    // 200x150x3 = 90000 bytes per frame: pipe reads of 64 KiB split frames at a different place each time.
    const indices = [1, 2, 7, 8, 9, 10, 22, 28];
    const clip = await decodeFrames(pattern30, { indices, width: 200, height: 150, timeoutSeconds: 30 });
    expect(readFrameNumbers(clip)).toEqual(indices);
  });

  it('fills indices past the end from the last decoded frame and reports them', async () => {
    const clip = await decodeFrames(pattern30, { indices: [28, 40, 29, 35], width: 32, height: 24, timeoutSeconds: 30 });
    expect(clip.missingIndices).toEqual([35, 40]);
    expect(readFrameNumbers(clip)).toEqual([28, 29, 29, 29]);
    await expect(
      decodeFrames(pattern30, { indices: [50, 60], width: 32, height: 24, timeoutSeconds: 30 }),
    ).rejects.toThrow(/no frames decoded/);
  });

  it('returns the right pixel values', async () => {
    const file = path.join(dir, 'colors.mp4');
    const colors = [
      [255, 0, 0],
      [0, 200, 0],
      [20, 40, 220],
    ] as const;
    await writeColorSecondsVideo(file, colors, { width: 32, height: 24, fps: 10 });
    const clip = await decodeFrames(file, { indices: [5, 15, 25], width: 16, height: 12, timeoutSeconds: 30 });
    const frameSize = 16 * 12 * 3;
    colors.forEach((rgb, frame) => {
      for (let p = 0; p < 16 * 12; p++) {
        for (let c = 0; c < 3; c++) {
          expect(Math.abs(clip.data[frame * frameSize + p * 3 + c] - rgb[c])).toBeLessThanOrEqual(3);
        }
      }
    });
  });

  it('honours rotation: width and height are those after rotating', async () => {
    const rotated = path.join(dir, 'rotated.mp4');
    await writeRotatedCopy(pattern30, rotated, 90);
    const probe = await probeVideo(rotated);
    expect(probe).toMatchObject({ rotation: 90, width: 48, height: 64, numFrames: 30 });
    const clip = await decodeFrames(rotated, { indices: [5], width: 48, height: 64, timeoutSeconds: 30 });
    // The bars were vertical; after a quarter turn they run horizontally, so every row is one colour.
    const rowUniform = Array.from({ length: 64 }, (_, y) => {
      const first = clip.data[y * 48 * 3];
      return Array.from({ length: 48 }, (_, x) => Math.abs(clip.data[(y * 48 + x) * 3] - first) < 40).every(Boolean);
    });
    expect(rowUniform.every(Boolean)).toBe(true);
  });

  it('kills ffmpeg on timeout', async () => {
    // No ffmpeg gets from exec to its last frame in a millisecond, however fast the machine.
    await expect(
      decodeFrames(pattern30, { indices: [29], width: 32, height: 24, timeoutSeconds: 0.001 }),
    ).rejects.toThrow(/timed out after 0.001s/);
  });

  it('a past-the-end request that decodes nothing is a NoFramesDecodedError (what ClipSource retries on)', async () => {
    const error = await decodeFrames(pattern30, { indices: [40, 50], width: 8, height: 8, timeoutSeconds: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoFramesDecodedError);
    expect(error).toBeInstanceOf(VideoDecodeError);
    // A failing ffmpeg is not "nothing there": no retry for it.
    const failed = await withEnv({ FFMPEG_PATH: '/bin/false' }, () => decodeFrames(pattern30, { indices: [1], width: 8, height: 8, timeoutSeconds: 30 })).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(VideoDecodeError);
    expect(failed).not.toBeInstanceOf(NoFramesDecodedError);
  });
});

describe('child processes: time limit, process group, settling on exit', () => {
  const cleanup: number[] = [];
  afterAll(() => {
    for (const pid of cleanup) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });

  it('probeVideo times out a hung ffprobe and kills its whole process group', async () => {
    const hung = writeHangingTool(path.join(dir, 'hung-ffprobe.sh'));
    const started = Date.now();
    const probe = withEnv({ FFPROBE_PATH: hung.file }, () => probeVideo(pattern30, { timeoutSeconds: 0.5 }));
    await expect(probe).rejects.toThrow(VideoDecodeError);
    await expect(probe).rejects.toThrow(/cannot probe: ffprobe timed out after 0.5s/);
    expect(Date.now() - started).toBeLessThan(4000);
    const child = readPid(hung.childPidFile);
    cleanup.push(child);
    expect(await waitUntilGone(child)).toBe(true);
  }, 15_000);

  it('decodeFrames settles on the exit of a wrapper whose helper keeps the pipes open, killing its group', async () => {
    const hung = writeHangingTool(path.join(dir, 'hung-ffmpeg.sh'), { escape: true });
    const started = Date.now();
    const decode = withEnv({ FFMPEG_PATH: hung.file }, () =>
      decodeFrames(pattern30, { indices: [1], width: 8, height: 8, timeoutSeconds: 0.5 }),
    );
    await expect(decode).rejects.toThrow(/timed out after 0.5s/);
    expect(Date.now() - started).toBeLessThan(4000);
    const child = readPid(hung.childPidFile);
    const escaped = readPid(hung.escapedPidFile as string);
    cleanup.push(child, escaped);
    expect(await waitUntilGone(child)).toBe(true);
    // The helper left the group (setsid), so no group kill reaches it; the call did not wait for it either.
    expect(processGone(escaped)).toBe(false);
  }, 15_000);

  it('a decode whose ffmpeg exits cleanly returns its frames although a helper still holds the pipe', async () => {
    const escapedPidFile = path.join(dir, 'lingering.pid');
    const wrapper = path.join(dir, 'lingering-ffmpeg.sh');
    writeFileSync(wrapper, `#!/bin/sh\nsetsid sleep 30 &\necho $! > '${escapedPidFile}'\nexec ffmpeg "$@"\n`);
    chmodSync(wrapper, 0o755);
    const started = Date.now();
    const [single, batch] = await withEnv({ FFMPEG_PATH: wrapper }, async () => [
      await decodeFrames(pattern30, { indices: [3, 17], width: 32, height: 24, timeoutSeconds: 30 }),
      await decodeFramesBatch([pattern30, pattern30].map((file) => ({ file, options: { indices: [5], width: 32, height: 24, timeoutSeconds: 30 } }))),
    ]);
    cleanup.push(readPid(escapedPidFile));
    expect(Date.now() - started).toBeLessThan(8000);
    expect(readFrameNumbers(single)).toEqual([3, 17]);
    expect(batch.map((result) => (result instanceof Error ? result.message : readFrameNumbers(result)))).toEqual([[5], [5]]);
  }, 20_000);
});

describe('checkFfmpegTools', () => {
  const tools = mkdtempSync(path.join(os.tmpdir(), 'a2d-tools-'));
  const rejection = async (env: Record<string, string>): Promise<FfmpegToolsError> => {
    const error = await withEnv(env, () => checkFfmpegTools({ timeoutSeconds: 30 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegToolsError);
    expect((error as Error).message.split('\n')).toHaveLength(1);
    return error as FfmpegToolsError;
  };

  it('accepts the installed ffmpeg and ffprobe and reports their versions', async () => {
    const found = await checkFfmpegTools();
    expect(found.ffmpeg.binary).toBe(process.env.FFMPEG_PATH || 'ffmpeg');
    expect(found.ffmpeg.version).toMatch(/^n?\d+\.\d+|^N-/);
    expect(found.ffprobe.version.length).toBeGreaterThan(0);
  });

  it('refuses an ffmpeg older than 5.1 by its version', async () => {
    const old = writeFakeFfmpeg(path.join(tools, 'ffmpeg-4.4'), { version: '4.4.2-0ubuntu0.22.04.1' });
    const error = await rejection({ FFMPEG_PATH: old });
    expect(error.message).toMatch(/^ffmpeg \(.*ffmpeg-4\.4\): version 4\.4\.2-0ubuntu0\.22\.04\.1 is too old: need 5\.1 or newer/);
  });

  it('refuses an ffmpeg without -fps_mode whose version says nothing (a git build)', async () => {
    const git = writeFakeFfmpeg(path.join(tools, 'ffmpeg-git'), { version: 'N-109421-g5f5e8a4', refuseOptions: ['-fps_mode'] });
    const error = await rejection({ FFMPEG_PATH: git });
    expect(error.tool).toBe('ffmpeg');
    expect(error.message).toMatch(/version N-109421-g5f5e8a4: refuses the decode options .*-fps_mode passthrough.*Unrecognized option 'fps_mode'/);
  });

  it('names a binary that cannot run, and a broken ffprobe', async () => {
    expect((await rejection({ FFMPEG_PATH: path.join(tools, 'no-such-ffmpeg') })).message).toMatch(/no-such-ffmpeg\): cannot run it: .*ENOENT/);
    const ffprobe = await rejection({ FFPROBE_PATH: '/bin/false' });
    expect(ffprobe.tool).toBe('ffprobe');
    expect(ffprobe.message).toMatch(/^ffprobe \(\/bin\/false\): -version exited with code 1/);
  });
});

describe('probeVideo and decodeFrames on broken files', () => {
  const cases: [string, (file: string) => Promise<void>, RegExp][] = [
    ['missing', async () => undefined, /file not found/],
    ['zero-byte', async (file) => writeFileSync(file, ''), /empty file/],
    ['random bytes', (file) => writeRandomBytes(file, 4096, new Rng(1)), /cannot probe/],
    ['audio only', (file) => writeAudioOnlyMp4(file), /no video stream/],
  ];
  it.each(cases)('%s file is a VideoDecodeError naming the file', async (name, make, reason) => {
    const file = path.join(dir, `${name.replace(/ /g, '-')}.mp4`);
    await make(file);
    const probe = probeVideo(file);
    await expect(probe).rejects.toThrow(VideoDecodeError);
    await expect(probe).rejects.toThrow(reason);
    await expect(probe).rejects.toThrow(file);
    await expect(decodeFrames(file, { indices: [0], width: 8, height: 8, timeoutSeconds: 10 })).rejects.toThrow(
      VideoDecodeError,
    );
  });

  it('decodes the intact part of a truncated file and reports the rest as missing', async () => {
    const big = path.join(dir, 'pattern120.mp4');
    await writePatternVideo(big, { numFrames: 120, width: 64, height: 48 });
    const truncated = path.join(dir, 'truncated.mp4');
    await writeTruncatedCopy(big, truncated, 0.5);
    expect((await probeVideo(truncated)).numFrames).toBe(120); // the header (faststart) survived
    const clip = await decodeFrames(truncated, { indices: [0, 10, 119], width: 32, height: 24, timeoutSeconds: 30 });
    expect(clip.missingIndices).toEqual([119]);
    expect(readFrameNumbers(clip)).toEqual([0, 10, 10]);
  });

  it('rejects a truncated file whose header is at the end', async () => {
    const source = path.join(dir, 'moov-at-end.mp4');
    await writeTestsrcVideo(source, { seconds: 1 });
    const truncated = path.join(dir, 'moov-at-end-truncated.mp4');
    await writeTruncatedCopy(source, truncated, 0.6);
    await expect(probeVideo(truncated)).rejects.toThrow(/cannot probe/);
    expect(existsSync(truncated)).toBe(true);
  });
});

describe('selectExpression', () => {
  it('merges runs into between() and escapes commas', () => {
    expect(selectExpression([0, 1, 2, 5, 7, 8])).toBe('between(n\\,0\\,2)+eq(n\\,5)+between(n\\,7\\,8)');
  });
});

describe('encodeRawVideos', () => {
  const clipOf = (name: string, frames: number, width: number, height: number, fps: number) => ({
    file: path.join(dir, 'batch', name),
    options: { width, height, fps, outputHeight: 2 * height, crf: 23, preset: 'ultrafast' },
    frames: Array.from({ length: frames }, (_, i) => frameNumberPattern(i, width, height)),
  });

  it('encodes several clips in one process, each byte-identical to createRawVideoEncoder', async () => {
    const clips = [clipOf('a.mp4', 7, 64, 48, 25), clipOf('b.mp4', 3, 48, 32, 30), clipOf('c.mp4', 12, 64, 48, 24)];
    await encodeRawVideos(clips);
    for (const clip of clips) {
      const single = clip.file.replace('.mp4', '-single.mp4');
      const encoder = createRawVideoEncoder(single, clip.options);
      for (const frame of clip.frames) await encoder.write(frame);
      await encoder.end();
      expect(readFileSync(clip.file).equals(readFileSync(single))).toBe(true);
      expect((await probeVideo(clip.file)).numFrames).toBe(clip.frames.length);
    }
    expect(readdirSync(path.join(dir, 'batch')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('leaves no file at all when the process fails, and refuses bad frames before starting', async () => {
    const previous = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = '/bin/false';
    try {
      await expect(encodeRawVideos([clipOf('x.mp4', 2, 16, 16, 10), clipOf('y.mp4', 2, 16, 16, 10)])).rejects.toThrow(/x\.mp4: encoding failed/);
    } finally {
      if (previous === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = previous;
    }
    expect(readdirSync(path.join(dir, 'batch')).filter((name) => name.startsWith('.x.mp4') || name.startsWith('x.mp4') || name.startsWith('.y.mp4'))).toEqual([]);
    const bad = clipOf('z.mp4', 2, 16, 16, 10);
    await expect(encodeRawVideos([{ ...bad, frames: [new Uint8Array(5)] }])).rejects.toThrow(/z\.mp4: frame has 5 bytes/);
  });
});
