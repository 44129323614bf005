/** Decoding several videos with one ffmpeg process: the same frames and errors as one process per video, fewer starts. */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng, VideoDecodeError } from '@a2d/core';
import { DecodeBatcher } from './decode-batcher';
import { decodeFrames, decodeFramesBatch, type DecodedFrames, type DecodeRequest } from './ffmpeg';
import { readFrameNumbers, writeAudioOnlyMp4, writePatternVideo, writeRandomBytes, writeRotatedCopy, writeTruncatedCopy } from './testing/make-videos';

const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-decode-batch-'));
const file = (name: string) => path.join(dir, name);

async function outcome(request: DecodeRequest): Promise<DecodedFrames | string> {
  try {
    return await decodeFrames(request.file, request.options);
  } catch (error) {
    if (error instanceof VideoDecodeError) return error.message;
    throw error;
  }
}

beforeAll(async () => {
  await writePatternVideo(file('a.mp4'), { numFrames: 30, width: 64, height: 48, fps: 25 });
  await writePatternVideo(file('b.mp4'), { numFrames: 12, width: 48, height: 32, fps: 30 });
  await writePatternVideo(file('long.mp4'), { numFrames: 120, width: 64, height: 48 });
  await writeTruncatedCopy(file('long.mp4'), file('truncated.mp4'), 0.5);
  await writeRotatedCopy(file('a.mp4'), file('rotated.mp4'), 90);
  await writeRandomBytes(file('random.mp4'), 4096, new Rng(3));
  await writeAudioOnlyMp4(file('audio.mp4'));
  writeFileSync(file('empty.mp4'), '');
}, 60_000);

describe('decodeFramesBatch', () => {
  it('gives every video of a mixed batch exactly what decodeFrames gives it: frames, missing frames or the error', async () => {
    const requests: DecodeRequest[] = [
      { file: file('a.mp4'), options: { indices: [0, 5, 5, 29, 3], width: 32, height: 24, timeoutSeconds: 30 } },
      { file: file('random.mp4'), options: { indices: [0], width: 8, height: 8, timeoutSeconds: 30 } },
      { file: file('b.mp4'), options: { indices: [1, 11, 40], width: 48, height: 32, timeoutSeconds: 30 } },
      { file: file('missing.mp4'), options: { indices: [0], width: 8, height: 8, timeoutSeconds: 30 } },
      { file: file('truncated.mp4'), options: { indices: [0, 10, 119], width: 32, height: 24, timeoutSeconds: 30 } },
      { file: file('audio.mp4'), options: { indices: [0], width: 8, height: 8, timeoutSeconds: 30 } },
      { file: file('rotated.mp4'), options: { indices: [2, 7], width: 48, height: 64, timeoutSeconds: 30 } },
      { file: file('empty.mp4'), options: { indices: [0], width: 8, height: 8, timeoutSeconds: 30 } },
    ];
    const batch = await decodeFramesBatch(requests);
    const one = await Promise.all(requests.map(outcome));
    expect(batch.map((result) => (result instanceof VideoDecodeError ? result.message : result))).toEqual(one);
    expect(readFrameNumbers(batch[0] as DecodedFrames)).toEqual([0, 5, 5, 29, 3]);
    expect((batch[2] as DecodedFrames).missingIndices).toEqual([40]);
    expect(batch.filter((result) => result instanceof VideoDecodeError)).toHaveLength(4);
  });

  it('a batch of good videos runs one ffmpeg; a failing batch falls back to one process per video', async () => {
    const log = file('starts.log');
    const wrapper = file('ffmpeg-wrapper.sh');
    writeFileSync(wrapper, `#!/bin/sh\necho start >> '${log}'\nexec ffmpeg "$@"\n`);
    chmodSync(wrapper, 0o755);
    const starts = () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
    const previous = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = wrapper;
    try {
      writeFileSync(log, '');
      const good = await decodeFramesBatch(
        ['a.mp4', 'b.mp4', 'rotated.mp4'].map((name) => ({ file: file(name), options: { indices: [0, 1], width: 16, height: 16, timeoutSeconds: 30 } })),
      );
      expect(good.every((result) => !(result instanceof Error))).toBe(true);
      expect(starts()).toBe(1);
      writeFileSync(log, '');
      const mixed = await decodeFramesBatch(
        ['a.mp4', 'random.mp4'].map((name) => ({ file: file(name), options: { indices: [0], width: 16, height: 16, timeoutSeconds: 30 } })),
      );
      expect(mixed[0]).not.toBeInstanceOf(Error);
      expect(mixed[1]).toBeInstanceOf(VideoDecodeError);
      expect(starts()).toBe(3);
    } finally {
      if (previous === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = previous;
    }
  });
});

describe('DecodeBatcher', () => {
  it('shares processes between waiting decodes, at most maxProcesses at once, each result the one asked for', async () => {
    const batcher = new DecodeBatcher(4, 2);
    const names = ['a.mp4', 'b.mp4', 'a.mp4', 'b.mp4', 'a.mp4', 'missing.mp4', 'b.mp4', 'a.mp4', 'b.mp4', 'a.mp4'];
    const settled = await Promise.allSettled(names.map((name, i) => batcher.decode(file(name), { indices: [i], width: 16, height: 16, timeoutSeconds: 30 })));
    settled.forEach((result, i) => {
      if (names[i] === 'missing.mp4') {
        expect(result.status).toBe('rejected');
        expect(String((result as PromiseRejectedResult).reason)).toMatch(/missing\.mp4: file not found/);
      } else {
        expect(result.status).toBe('fulfilled');
        expect(readFrameNumbers((result as PromiseFulfilledResult<DecodedFrames>).value)).toEqual([i]);
      }
    });
    expect(() => new DecodeBatcher(0, 1)).toThrow(/maxClips/);
  });
});
