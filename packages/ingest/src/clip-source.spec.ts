import { mkdtempSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { a2dConfigSchema, Rng, VideoDecodeError, type DataConfig } from '@a2d/core';
import { ClipSource, resolveCacheDir } from './clip-source';
import { clipPath } from './records';
import { denseFrameSet, sampleClipIndices } from './sampling';
import { fixtureRecord, readFrameNumbers, writeFixtureDataset, writePatternVideo } from './testing/make-videos';

function dataConfig(root: string, decode: Record<string, unknown> = {}, sampling: Record<string, unknown> = {}): DataConfig {
  return a2dConfigSchema.parse({
    data: { root, decode: { width: 32, height: 24, cacheFrames: 8, ...decode }, sampling: { numFrames: 4, ...sampling } },
  }).data;
}
const temporal = a2dConfigSchema.parse({}).augment.temporal;

describe('ClipSource', () => {
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'a2d-source-'));
    await writeFixtureDataset(
      root,
      [
        { videoId: 'v60', label: 11, numFrames: 60 },
        { videoId: 'v20', label: 22, numFrames: 20 },
      ],
      new Rng(0),
    );
  });
  const record = (videoId: string, numFrames: number) => fixtureRecord(videoId, 11, numFrames);

  it('decodes the denser set once, then serves clips snapped to it from the cache', async () => {
    const data = dataConfig(root, { cacheDir: path.join(root, 'cache-a') });
    const source = new ClipSource({ data, temporal });
    const first = await source.loadClip(record('v60', 60), { mode: 'test' });
    expect(first.fromCache).toBe(false);
    expect(first).toMatchObject({ numFrames: 4, width: 32, height: 24, missingIndices: [] });
    expect(readFrameNumbers(first)).toEqual(first.sourceIndices);
    const dense = denseFrameSet(60, 8);
    expect(first.sourceIndices.every((index) => dense.includes(index))).toBe(true);

    const again = await new ClipSource({ data, temporal }).loadClip(record('v60', 60), { mode: 'test' });
    expect(again.fromCache).toBe(true);
    expect(again.data).toEqual(first.data);

    for (let seed = 0; seed < 5; seed++) {
      const train = await source.loadClip(record('v60', 60), { mode: 'train', rng: new Rng(seed) });
      expect(train.fromCache).toBe(true);
      expect(readFrameNumbers(train)).toEqual(train.sourceIndices);
    }
    expect(source.cache?.stats).toMatchObject({ writes: 1, hits: 5 });
  });

  it('re-decodes when the source file changes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-source-change-'));
    const data = dataConfig(dir);
    expect(resolveCacheDir(data)).toBe(path.join(dir, '.frame-cache'));
    const file = clipPath(dir, 'clips320H', 'changing');
    await writePatternVideo(file, { numFrames: 30 });
    const source = new ClipSource({ data, temporal });
    const before = await source.loadClip(record('changing', 30), { mode: 'test' });
    await writePatternVideo(file, { numFrames: 30, fps: 10 }); // same frame numbers, different bytes
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const after = await source.loadClip(record('changing', 30), { mode: 'test' });
    expect(after.fromCache).toBe(false);
    expect(source.cache?.stats).toMatchObject({ stale: 1, writes: 2 });
    expect(readFrameNumbers(after)).toEqual(readFrameNumbers(before));
  });

  it('decodes exactly the sampled frames when the cache is disabled', async () => {
    const data = dataConfig(root, { cacheDir: '' });
    const source = new ClipSource({ data, temporal });
    expect(source.cache).toBeUndefined();
    const clip = await source.loadClip(record('v60', 60), { mode: 'train', rng: new Rng(9) });
    const expected = sampleClipIndices(60, data.sampling, temporal, { mode: 'train', rng: new Rng(9) });
    expect(clip.sourceIndices).toEqual(expected);
    expect(readFrameNumbers(clip)).toEqual(expected);
  });

  it('shares one decode between concurrent views of a video', async () => {
    const data = dataConfig(root, { cacheDir: path.join(root, 'cache-views') }, { testViews: 3 });
    const source = new ClipSource({ data, temporal });
    const views = await Promise.all([0, 1, 2].map((view) => source.loadClip(record('v20', 20), { mode: 'test', view })));
    expect(source.cache?.stats.writes).toBe(1);
    const numbers = views.map(readFrameNumbers);
    expect(new Set(numbers.map(String)).size).toBe(3);
    numbers.forEach((frames, view) => expect(frames).toEqual(views[view].sourceIndices));
  });

  it('probes the frame count when asked or when the record has none, and reports frames the record overstated', async () => {
    const data = dataConfig(root, { cacheDir: '', frameCount: 'probe' });
    const probed = await new ClipSource({ data, temporal }).loadClip(record('v20', 999), { mode: 'test' });
    expect(probed.sourceIndices).toEqual(sampleClipIndices(20, data.sampling, temporal, { mode: 'test' }));
    const fromZero = await new ClipSource({ data: dataConfig(root, { cacheDir: '' }), temporal }).loadClip(
      record('v20', 0),
      { mode: 'test' },
    );
    expect(fromZero.sourceIndices).toEqual(probed.sourceIndices);
    const overstated = await new ClipSource({ data: dataConfig(root, { cacheDir: '' }), temporal }).loadClip(
      record('v20', 40),
      { mode: 'test' },
    );
    expect(overstated.missingIndices).toEqual([25, 35]);
    expect(readFrameNumbers(overstated)).toEqual([5, 15, 15, 15]);
  });

  it('names the file of a missing video', async () => {
    const source = new ClipSource({ data: dataConfig(root), temporal });
    const load = source.loadClip(record('nope', 10), { mode: 'test' });
    await expect(load).rejects.toThrow(VideoDecodeError);
    await expect(load).rejects.toThrow(path.join(root, 'clips320H', 'nope.mp4'));
  });
});
