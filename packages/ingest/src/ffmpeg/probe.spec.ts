import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng, VideoDecodeError } from '@a2d/core';
import { killedAfterAll, readPid, waitUntilGone, withEnv, writeHangingTool } from '../testing/fake-tools';
import {
  readFrameNumbers,
  writeAudioOnlyMp4,
  writePatternVideo,
  writeRandomBytes,
  writeTestsrcVideo,
  writeTruncatedCopy,
} from '../testing/make-videos';
import { decodeFrames } from './decode';
import { probeVideo } from './probe';

const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-probe-'));
const pattern30 = path.join(dir, 'pattern30.mp4');

beforeAll(async () => {
  await writePatternVideo(pattern30, { numFrames: 30, width: 64, height: 48, fps: 25 });
});

describe('child processes: time limit, process group, settling on exit', () => {
  const cleanup = killedAfterAll();

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
