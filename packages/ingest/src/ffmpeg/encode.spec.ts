import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VideoEncodeError } from '@a2d/core';
import { killedAfterAll, processGone, readPid, waitUntilGone, withEnv, writeHangingTool } from '../testing/fake-tools';
import { frameNumberPattern, readFrameNumbers, writePatternVideo } from '../testing/make-videos';
import { decodeFrames } from './decode';
import { createRawVideoEncoder, encodeRawVideos, encoderArguments } from './encode';
import { startTool } from './process';
import { probeVideo } from './probe';

const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-encode-'));
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
    await expect(broken.end()).rejects.toThrow(VideoEncodeError);
    expect(readdirSync(sub)).toEqual([]);
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
      const failed = encodeRawVideos([clipOf('x.mp4', 2, 16, 16, 10), clipOf('y.mp4', 2, 16, 16, 10)]);
      await expect(failed).rejects.toThrow(/x\.mp4: encoding failed/);
      await expect(failed).rejects.toThrow(VideoEncodeError);
    } finally {
      if (previous === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = previous;
    }
    expect(readdirSync(path.join(dir, 'batch')).filter((name) => name.startsWith('.x.mp4') || name.startsWith('x.mp4') || name.startsWith('.y.mp4'))).toEqual([]);
    const bad = clipOf('z.mp4', 2, 16, 16, 10);
    await expect(encodeRawVideos([{ ...bad, frames: [new Uint8Array(5)] }])).rejects.toThrow(/z\.mp4: frame has 5 bytes/);
  });
});

describe('encode failures', () => {
  it("keep ffmpeg's last error lines in one line, so a full disk reads as one", async () => {
    const sub = mkdtempSync(path.join(dir, 'full-'));
    const full = path.join(dir, 'full-disk-ffmpeg.sh');
    const lines = ['Could not write header for output file #0 (incorrect codec parameters ?): No space left on device', 'Error initializing output stream 0:0 -- '];
    writeFileSync(full, `#!/bin/sh\ncat <&3 >/dev/null\necho '${lines[0]}' >&2\necho '${lines[1]}' >&2\nexit 1\n`);
    chmodSync(full, 0o755);
    const target = path.join(sub, 'clip.mp4');
    const encoder = await withEnv({ FFMPEG_PATH: full }, async () => createRawVideoEncoder(target, { width: 16, height: 16, fps: 10 }));
    await encoder.write(frameNumberPattern(1, 16, 16));
    const error = await encoder.end().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VideoEncodeError);
    expect(error).toMatchObject({ file: target, reason: `encoding failed: ffmpeg exited with code 1: ${lines[0]}; ${lines[1].trim()}` });
    expect((error as Error).message.split('\n')).toHaveLength(1);
    expect(readdirSync(sub)).toEqual([]);
  });
});

describe('encoder options', () => {
  it('refuses a bad size, frame rate or time limit before starting, naming the call, the file and the option', () => {
    const file = path.join(dir, 'options', 'bad.mp4');
    expect(() => createRawVideoEncoder(file, { width: 0, height: 48, fps: 10 })).toThrow(`createRawVideoEncoder(${file}): width must be a positive integer, got 0`);
    expect(() => createRawVideoEncoder(file, { width: 64, height: 48, fps: 0 })).toThrow(`createRawVideoEncoder(${file}): fps must be a positive number, got 0`);
    expect(() => createRawVideoEncoder(file, { width: 64, height: 48, fps: 10, timeoutSeconds: -1 })).toThrow(
      `createRawVideoEncoder(${file}): timeoutSeconds must be a positive number, got -1`,
    );
    const clip = { file, options: { width: 64, height: 47.5, fps: 10 }, frames: [] };
    return expect(encodeRawVideos([clip])).rejects.toThrow(`encodeRawVideos(${file}): height must be a positive integer, got 47.5`);
  });
});

describe('encoder command (described through fluent-ffmpeg, run by startTool)', () => {
  /** The list the encoder ran before fluent-ffmpeg built it (hand-written when this folder was split out): `-y` last. */
  const handBuilt = (target: string) => [
    ...['-nostdin', '-hide_banner', '-loglevel', 'error'],
    ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '64x48', '-r', '25', '-i', 'pipe:3'],
    ...['-map', '0:v:0', '-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '23'],
    ...['-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4', '-y', target],
  ];

  it('is the list the encoder ran before, with -y where fluent-ffmpeg puts it (after the inputs)', () => {
    const target = '/out/.clip.mp4.123.tmp';
    const args = encoderArguments([{ width: 64, height: 48, fps: 25, crf: 23, preset: 'ultrafast' }], [target]);
    expect(args).toEqual([
      ...['-nostdin', '-hide_banner', '-loglevel', 'error'],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '64x48', '-r', '25', '-i', 'pipe:3'],
      '-y',
      ...['-map', '0:v:0', '-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '23'],
      ...['-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4', target],
    ]);
    // The same arguments as before; only -y (a global option: its place does not matter to ffmpeg) moved.
    expect([...args].sort()).toEqual([...handBuilt(target)].sort());
    expect(encoderArguments([{ width: 63, height: 47, fps: 29.97 }, { width: 64, height: 48, fps: 10, outputHeight: 24 }], ['/o/a.tmp', '/o/b.tmp'])).toEqual([
      ...['-nostdin', '-hide_banner', '-loglevel', 'error'],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '63x47', '-r', '29.97', '-i', 'pipe:3'],
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '64x48', '-r', '10', '-i', 'pipe:4'],
      '-y',
      ...['-map', '0:v:0', '-an', '-vf', 'scale=trunc(iw/2)*2:trunc(ih/2)*2', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18'],
      ...['-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4', '/o/a.tmp'],
      ...['-map', '1:v:0', '-an', '-vf', 'scale=-2:24', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18'],
      ...['-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4', '/o/b.tmp'],
    ]);
    expect(() => encoderArguments([{ width: 64, height: 48, fps: 25 }], [])).toThrow(/one target per clip/);
  });

  it('encodes the same bytes as the hand-built list did', async () => {
    const sub = mkdtempSync(path.join(dir, 'same-bytes-'));
    const frames = Array.from({ length: 5 }, (_, i) => frameNumberPattern(i, 64, 48));
    const viaFluent = path.join(sub, 'fluent.mp4');
    const encoder = createRawVideoEncoder(viaFluent, { width: 64, height: 48, fps: 25, crf: 23, preset: 'ultrafast' });
    for (const frame of frames) await encoder.write(frame);
    await encoder.end();
    const viaHand = path.join(sub, 'hand.mp4');
    const { child, exited } = startTool('ffmpeg', handBuilt(viaHand), { stdout: 'ignore', extraPipes: 1, timeoutSeconds: 30 });
    const pipe = child.stdio[3] as NodeJS.WritableStream;
    for (const frame of frames) pipe.write(Buffer.from(frame));
    pipe.end();
    expect((await exited).code).toBe(0);
    expect(readFileSync(viaFluent).equals(readFileSync(viaHand))).toBe(true);
  });
});

describe('encoder child processes: time limit, process group, settling on exit', () => {
  const cleanup = killedAfterAll();
  const frames = (count: number) => Array.from({ length: count }, (_, i) => frameNumberPattern(i, 16, 16));
  const options = (timeoutSeconds?: number) => ({ width: 16, height: 16, fps: 10, timeoutSeconds });

  /** A hung ffmpeg that writes its own pid and its sleeping child's, for a test to see when each is gone. */
  const writeSelfReportingHang = (name: string) => {
    const file = path.join(dir, name);
    const selfPidFile = `${file}.self.pid`;
    const childPidFile = `${file}.child.pid`;
    writeFileSync(file, `#!/bin/sh\nsleep 30 &\necho $! > '${childPidFile}'\necho $$ > '${selfPidFile}'\nwait\n`);
    chmodSync(file, 0o755);
    return { file, selfPidFile, childPidFile };
  };
  const untilExists = async (file: string) => {
    const deadline = Date.now() + 5000;
    while (!existsSync(file) || readFileSync(file, 'utf8').trim() === '') {
      if (Date.now() > deadline) throw new Error(`${file} never appeared`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('encodeRawVideos kills a hung ffmpeg and its group at the time limit: a VideoEncodeError, nothing left behind', async () => {
    const sub = mkdtempSync(path.join(dir, 'hung-batch-'));
    const hung = writeHangingTool(path.join(dir, 'hung-batch-ffmpeg.sh'));
    const started = Date.now();
    const clips = ['a.mp4', 'b.mp4'].map((name) => ({ file: path.join(sub, name), options: options(0.5), frames: frames(2) }));
    const encode = withEnv({ FFMPEG_PATH: hung.file }, () => encodeRawVideos(clips));
    await expect(encode).rejects.toThrow(VideoEncodeError);
    await expect(encode).rejects.toThrow(`${clips[0].file}: encoding failed: ffmpeg timed out after 0.5s`);
    expect(Date.now() - started).toBeLessThan(4000);
    const child = readPid(hung.childPidFile);
    cleanup.push(child);
    expect(await waitUntilGone(child)).toBe(true);
    expect(readdirSync(sub)).toEqual([]);
  }, 15_000);

  it('createRawVideoEncoder kills a hung ffmpeg and its group at the time limit: end() rejects, nothing left behind', async () => {
    const sub = mkdtempSync(path.join(dir, 'hung-single-'));
    const hung = writeHangingTool(path.join(dir, 'hung-single-ffmpeg.sh'), { escape: true });
    const target = path.join(sub, 'clip.mp4');
    const started = Date.now();
    const encoder = await withEnv({ FFMPEG_PATH: hung.file }, async () => createRawVideoEncoder(target, options(0.5)));
    await encoder.write(frameNumberPattern(1, 16, 16));
    const ended = encoder.end();
    await expect(ended).rejects.toThrow(VideoEncodeError);
    await expect(ended).rejects.toThrow(`${target}: encoding failed: ffmpeg timed out after 0.5s`);
    // The escaped helper holds stderr open: the call settled on the exit, not on the pipes closing.
    expect(Date.now() - started).toBeLessThan(4000);
    const child = readPid(hung.childPidFile);
    cleanup.push(child, readPid(hung.escapedPidFile as string));
    expect(await waitUntilGone(child)).toBe(true);
    expect(readdirSync(sub)).toEqual([]);
    await expect(encoder.write(frameNumberPattern(2, 16, 16))).rejects.toThrow(/encoder is aborted/);
  }, 15_000);

  it('createRawVideoEncoder abort() kills the whole process group; ffmpeg has exited when it returns', async () => {
    const sub = mkdtempSync(path.join(dir, 'abort-single-'));
    const hung = writeSelfReportingHang('abort-single-ffmpeg.sh');
    const encoder = await withEnv({ FFMPEG_PATH: hung.file }, async () => createRawVideoEncoder(path.join(sub, 'clip.mp4'), options()));
    await encoder.write(frameNumberPattern(1, 16, 16));
    await untilExists(hung.selfPidFile);
    const [self, child] = [readPid(hung.selfPidFile), readPid(hung.childPidFile)];
    cleanup.push(child);
    await encoder.abort();
    expect(processGone(self)).toBe(true);
    expect(await waitUntilGone(child)).toBe(true);
    expect(readdirSync(sub)).toEqual([]);
  }, 15_000);

  it('encodeRawVideos on abort kills the whole process group and rejects with "encoding aborted" once ffmpeg has exited', async () => {
    const sub = mkdtempSync(path.join(dir, 'abort-batch-'));
    const hung = writeSelfReportingHang('abort-batch-ffmpeg.sh');
    const controller = new AbortController();
    const clip = { file: path.join(sub, 'clip.mp4'), options: options(), frames: frames(3) };
    const encode = withEnv({ FFMPEG_PATH: hung.file }, () => encodeRawVideos([clip], controller.signal));
    await untilExists(hung.selfPidFile);
    const [self, child] = [readPid(hung.selfPidFile), readPid(hung.childPidFile)];
    cleanup.push(child);
    controller.abort();
    const error = await encode.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VideoEncodeError);
    expect((error as VideoEncodeError).message).toBe(`${clip.file}: encoding aborted`);
    expect(processGone(self)).toBe(true);
    expect(await waitUntilGone(child)).toBe(true);
    expect(readdirSync(sub)).toEqual([]);
  }, 15_000);
});
