import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VideoDecodeError } from '@a2d/core';
import { killedAfterAll, processGone, readPid, waitUntilGone, withEnv, writeHangingTool } from '../testing/fake-tools';
import { readFrameNumbers, writeColorSecondsVideo, writePatternVideo, writeRotatedCopy } from '../testing/make-videos';
import { decodeFrames, decodeFramesBatch, NoFramesDecodedError, selectExpression } from './decode';
import { probeVideo } from './probe';

const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-decode-'));
const pattern30 = path.join(dir, 'pattern30.mp4');

beforeAll(async () => {
  await writePatternVideo(pattern30, { numFrames: 30, width: 64, height: 48, fps: 25 });
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

  it('refuses a bad size before starting ffmpeg, naming the file and the argument', async () => {
    await expect(decodeFrames(pattern30, { indices: [0], width: 32, height: 0, timeoutSeconds: 30 })).rejects.toThrow(
      `decodeFrames(${pattern30}): height must be a positive integer, got 0`,
    );
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
  const cleanup = killedAfterAll();

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

describe('selectExpression', () => {
  it('merges runs into between() and escapes commas', () => {
    expect(selectExpression([0, 1, 2, 5, 7, 8])).toBe('between(n\\,0\\,2)+eq(n\\,5)+between(n\\,7\\,8)');
  });
});
