import { mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
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

  it('re-decodes a video whose cached frame fails its check, and the clip drawn is the one a good entry gives', async () => {
    const data = dataConfig(root, { cacheDir: path.join(root, 'cache-damaged') });
    const source = new ClipSource({ data, temporal });
    const draw = () => source.loadClip(record('v60', 60), { mode: 'train', rng: new Rng(3) });
    const decoded = await draw();
    const cached = await draw();
    expect([decoded.fromCache, cached.fromCache]).toEqual([false, true]);
    expect(cached.data).toEqual(decoded.data);
    // Damage every cached frame (a byte each), so whichever the draw picks fails its CRC-32.
    const file = readdirSync(data.decode.cacheDir as string).map((name) => path.join(data.decode.cacheDir as string, name))[0];
    const bytes = readFileSync(file);
    const frameBytes = 32 * 24 * 3;
    for (let frame = 1; frame <= 8; frame++) bytes[bytes.length - frame * frameBytes + 100] ^= 0x10;
    writeFileSync(file, bytes);
    const redrawn = await draw();
    expect(redrawn.fromCache).toBe(false);
    expect(redrawn.sourceIndices).toEqual(decoded.sourceIndices);
    expect(redrawn.data).toEqual(decoded.data);
    expect(source.cache?.stats).toMatchObject({ hits: 1, corrupt: 1, writes: 2 });
    expect((await draw()).fromCache).toBe(true);
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

  it('keys the cache on the recorded frame count: a corrected videoset.csv count misses the old entry', async () => {
    const data = dataConfig(root, { cacheDir: path.join(root, 'cache-corrected') });
    // videoset.csv first says 40 frames (v20 has 20): the dense set runs past the end, some frames are copies.
    const overstated = await new ClipSource({ data, temporal }).loadClip(record('v20', 40), { mode: 'test' });
    expect(overstated.missingIndices.length).toBeGreaterThan(0);
    // The CSV is corrected to 20: a fresh decode over 20 frames, nothing missing, every frame the one it says.
    const source = new ClipSource({ data, temporal });
    const corrected = await source.loadClip(record('v20', 20), { mode: 'test' });
    expect(corrected.fromCache).toBe(false);
    expect(corrected.missingIndices).toEqual([]);
    expect(corrected.sourceIndices.every((index) => denseFrameSet(20, 8).includes(index))).toBe(true);
    expect(readFrameNumbers(corrected)).toEqual(corrected.sourceIndices);
    // Each count keeps its own entry; probing keys on the file instead of the CSV.
    expect((await source.loadClip(record('v20', 20), { mode: 'test' })).fromCache).toBe(true);
    const probing = new ClipSource({ data: dataConfig(root, { cacheDir: path.join(root, 'cache-corrected'), frameCount: 'probe' }), temporal });
    expect((await probing.loadClip(record('v20', 40), { mode: 'test' })).fromCache).toBe(false);
    expect((await probing.loadClip(record('v20', 33), { mode: 'test' })).fromCache).toBe(true);
  });

  it('retries a video listed longer than it is, when nothing decodes, with its probed frame count', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-source-short-'));
    await writePatternVideo(clipPath(dir, 'clips320H', 'one'), { numFrames: 1 });
    await writePatternVideo(clipPath(dir, 'clips320H', 'three'), { numFrames: 3 });
    for (const cacheDir of [undefined, '']) {
      const warnings: string[] = [];
      const source = new ClipSource({ data: dataConfig(dir, { cacheDir }), temporal, logger: { warn: (line) => warnings.push(line) } });
      for (let epoch = 0; epoch < 2; epoch++) {
        const one = await source.loadClip(record('one', 100), { mode: 'test' });
        expect(one).toMatchObject({ numFrames: 4, sourceIndices: [0, 0, 0, 0], missingIndices: [] });
        expect(readFrameNumbers(one)).toEqual([0, 0, 0, 0]);
        const three = await source.loadClip(record('three', 100), { mode: 'test', view: epoch, numViews: 2 });
        expect(three.missingIndices).toEqual([]);
        expect(readFrameNumbers(three)).toEqual(three.sourceIndices);
        expect(three.sourceIndices.every((index) => index < 3)).toBe(true);
      }
      // One warning per video, naming both counts.
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(/one\.mp4: videoset\.csv gives 100 frames .* the file has 1/);
    }
    // Without a cache the retry samples exactly as a correct count would have: same draws, same frames. (A seed
    // whose draw over 100 frames misses the 3 real ones, so that nothing decodes and the retry happens.)
    const exact = dataConfig(dir, { cacheDir: '' });
    const seed = Array.from({ length: 100 }, (_, i) => i).find((i) =>
      sampleClipIndices(100, exact.sampling, temporal, { mode: 'train', rng: new Rng(i) }).every((index) => index >= 3),
    ) as number;
    const warnings: string[] = [];
    const retried = await new ClipSource({ data: exact, temporal, logger: { warn: (line) => warnings.push(line) } }).loadClip(record('three', 100), { mode: 'train', rng: new Rng(seed) });
    expect(warnings).toHaveLength(1);
    expect(retried.sourceIndices).toEqual(sampleClipIndices(3, exact.sampling, temporal, { mode: 'train', rng: new Rng(seed) }));
    expect(readFrameNumbers(retried)).toEqual(retried.sourceIndices);
  });

  it('warns once about a cache it cannot write and goes on without writing to it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-source-readonly-'));
    // A regular file where the cache folder's parent should be: every write fails (as a read-only folder does
    // for a non-root user; the tests may run as root, for whom permissions do not stop writes).
    const blocker = path.join(dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const warnings: string[] = [];
    const source = new ClipSource({ data: dataConfig(root, { cacheDir: path.join(blocker, 'cache') }), temporal, logger: { warn: (line) => warnings.push(line) } });
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const [id, frames] of [['v60', 60], ['v20', 20]] as const) {
        const clip = await source.loadClip(record(id, frames), { mode: 'train', rng: new Rng(epoch) });
        expect(clip.fromCache).toBe(false);
        expect(readFrameNumbers(clip)).toEqual(clip.sourceIndices);
      }
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/frame cache: cannot write .*not-a-folder.*continuing without writing to the cache/);
    expect(source.cache?.stats.writes).toBe(0);
  });

  it('names the file of a missing video', async () => {
    const source = new ClipSource({ data: dataConfig(root), temporal });
    const load = source.loadClip(record('nope', 10), { mode: 'test' });
    await expect(load).rejects.toThrow(VideoDecodeError);
    await expect(load).rejects.toThrow(path.join(root, 'clips320H', 'nope.mp4'));
  });
});
