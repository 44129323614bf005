import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { a2dConfigSchema, DatasetError, Rng, type Clip, type DataConfig } from '@a2d/core';
import { AllVideosFailedError, DataLoader, type Batch, type DataLoaderOptions } from './loader';
import type { VideoRecord } from './records';
import { withEnv, writeFakeFfmpeg } from './testing/fake-tools';
import { fixtureRecord, readFrameNumbers, writeFixtureDataset, type FixtureClip } from './testing/make-videos';

const temporal = a2dConfigSchema.parse({}).augment.temporal;

const clips: FixtureClip[] = [
  { videoId: 'a', label: 11, numFrames: 30 },
  { videoId: 'b', label: 22, numFrames: 24 },
  { videoId: 'corrupt', label: 35, numFrames: 0, kind: 'corrupt' },
  { videoId: 'c', label: 43, numFrames: 40 },
  { videoId: 'empty', label: 54, numFrames: 0, kind: 'empty' },
  { videoId: 'd', label: 61, numFrames: 3 }, // shorter than the clip
  { videoId: 'audio', label: 72, numFrames: 0, kind: 'audio-only' },
  { videoId: 'e', label: 78, numFrames: 36 },
  { videoId: 'missing', label: 12, numFrames: 0, kind: 'missing' },
  { videoId: 'f', label: 26, numFrames: 28 },
  { videoId: 'g', label: 46, numFrames: 32 },
];
const good = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

let root: string;
let records: VideoRecord[];
beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'a2d-loader-'));
  records = await writeFixtureDataset(root, clips, new Rng(5));
});

let cacheCount = 0;
interface LoaderSettings {
  batchSize?: number;
  prefetch?: number;
  dropLast?: boolean;
  testViews?: number;
  workers?: number;
  /** A cache of its own (cold), or the one the other tests share (warm after the first). */
  cache?: 'fresh' | 'shared';
}
function dataConfig(overrides: LoaderSettings = {}): DataConfig {
  const cacheDir = path.join(root, overrides.cache === 'shared' ? 'cache-shared' : `cache-${cacheCount++}`);
  return a2dConfigSchema.parse({
    data: {
      root,
      decode: { width: 32, height: 24, cacheFrames: 12, workers: overrides.workers ?? 2, cacheDir },
      sampling: { numFrames: 4, testViews: overrides.testViews ?? 1 },
      loader: { batchSize: overrides.batchSize ?? 3, prefetch: overrides.prefetch ?? 1, dropLast: overrides.dropLast ?? false },
    },
  }).data;
}

function loader(options: Partial<DataLoaderOptions> & { data: DataConfig }): DataLoader & { warnings: string[] } {
  const warnings: string[] = [];
  const made = new DataLoader({
    records,
    temporal,
    mode: 'train',
    seed: 1,
    logger: { warn: (message) => warnings.push(message) },
    ...options,
  });
  return Object.assign(made, { warnings });
}

async function collect(batches: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const batch of batches) out.push(batch);
  return out;
}

describe('DataLoader', () => {
  it('skips, counts and lists videos that cannot be decoded and fills batches from the next ones', async () => {
    const train = loader({ data: dataConfig({ batchSize: 3, cache: 'shared' }) });
    const batches = await collect(train.batches(0));
    expect(batches.map((batch) => batch.shape)).toEqual([
      [3, 4, 24, 32, 3],
      [3, 4, 24, 32, 3],
      [1, 4, 24, 32, 3],
    ]);
    const seen = batches.flatMap((batch) => batch.videoIds);
    expect([...seen].sort()).toEqual(good);
    expect(train.skipped.map((s) => s.videoId).sort()).toEqual(['audio', 'corrupt', 'empty', 'missing']);
    const reasons = Object.fromEntries(train.skipped.map((s) => [s.videoId, s.reason]));
    expect(reasons.audio).toMatch(/no video stream/);
    expect(reasons.empty).toMatch(/empty file/);
    expect(reasons.missing).toMatch(/not found/);
    expect(reasons.corrupt).toMatch(/cannot probe|cannot decode/);
    expect(train.skipped.find((s) => s.videoId === 'missing')?.file).toBe(path.join(root, 'clips320H', 'missing.mp4'));
    expect(train.warnings.filter((w) => w.startsWith('skipping'))).toHaveLength(4);

    // Labels are 0-based class indices; frames are real frames of the right video.
    const byId = new Map(records.map((record) => [record.videoId, record]));
    for (const batch of batches) {
      batch.videoIds.forEach((id, i) => {
        const record = byId.get(id) as VideoRecord;
        expect(batch.actionIds[i]).toBe(record.actionId - 1);
        expect(batch.actorIds[i]).toBe(record.actorId - 1);
        const clipBytes = 4 * 24 * 32 * 3;
        const numbers = readFrameNumbers({ data: batch.frames.subarray(i * clipBytes, (i + 1) * clipBytes), numFrames: 4, width: 32, height: 24 });
        expect(Math.max(...numbers)).toBeLessThan(record.numFrames);
      });
    }

    // A second epoch reshuffles, reads everything from the cache and does not retry broken videos.
    const writes = train.source.cache?.stats.writes;
    const second = await collect(train.batches(1));
    expect(second.flatMap((batch) => batch.videoIds)).not.toEqual(seen);
    expect(train.source.cache?.stats.writes).toBe(writes);
    expect(train.skipped).toHaveLength(4);
  });

  it('gives identical batches for the same seed and epoch, whatever the parallelism', async () => {
    const some = records.filter((record) => ['a', 'corrupt', 'c', 'd', 'g'].includes(record.videoId));
    const run = async (workers: number, seed: number, epoch: number, cache: LoaderSettings['cache'] = 'shared') =>
      collect(loader({ data: dataConfig({ workers, cache }), seed, records: some }).batches(epoch));
    const one = await run(1, 7, 3, 'fresh');
    const three = await run(3, 7, 3, 'fresh');
    expect(three.map((batch) => batch.videoIds)).toEqual(one.map((batch) => batch.videoIds));
    three.forEach((batch, i) => expect(batch.frames).toEqual(one[i].frames));
    const otherSeed = await run(2, 8, 3);
    expect(otherSeed.flatMap((batch) => batch.videoIds)).not.toEqual(one.flatMap((batch) => batch.videoIds));
  });

  it('resumes an epoch after a batch: the same remaining batches, the videos before never loaded', async () => {
    const data = dataConfig({ batchSize: 2, cache: 'shared' });
    const whole = await collect(loader({ data }).batches(2));
    const cut = whole[1].position;
    let transformed = 0;
    const resumed = loader({ data, transform: (clip) => (transformed++, clip) });
    const rest = await collect(resumed.batches(2, cut));
    expect(rest.map((batch) => batch.videoIds)).toEqual(whole.slice(2).map((batch) => batch.videoIds));
    rest.forEach((batch, i) => expect(batch.frames).toEqual(whole[i + 2].frames));
    expect(transformed).toBe(rest.reduce((sum, batch) => sum + batch.videoIds.length, 0));
    expect(whole[whole.length - 1].position).toBe(records.length);
    await expect(collect(resumed.batches(2, records.length + 1))).rejects.toThrow(/startPosition/);
  });

  it('loads at most `prefetch` batches ahead of the consumer', async () => {
    let transformed = 0;
    const counting = (clip: Clip) => {
      transformed++;
      return clip;
    };
    const goodRecords = records.filter((record) => good.includes(record.videoId));
    const lazy = loader({ data: dataConfig({ batchSize: 2, prefetch: 1, cache: 'shared' }), records: goodRecords, transform: counting });
    const iterator = lazy.batches(0)[Symbol.asyncIterator]();
    await iterator.next();
    await lazy.whenIdle();
    expect(transformed).toBe(4); // the batch held + 1 ahead
    await iterator.next();
    await lazy.whenIdle();
    expect(transformed).toBe(6);
    await iterator.return(undefined);

    transformed = 0;
    const eager = loader({ data: dataConfig({ batchSize: 2, prefetch: 0, cache: 'shared' }), records: goodRecords, transform: counting });
    const second = eager.batches(0)[Symbol.asyncIterator]();
    await second.next();
    await eager.whenIdle();
    expect(transformed).toBe(2);
    await second.return(undefined);
  });

  it('keeps the views of a test video together, in view order, at different places', async () => {
    const goodRecords = records.filter((record) => good.includes(record.videoId));
    const test = loader({ data: dataConfig({ batchSize: 7, testViews: 3, cache: 'shared' }), records: goodRecords, mode: 'test' });
    const batches = await collect(test.batches(0));
    expect(batches.map((batch) => batch.shape[0])).toEqual([6, 6, 6, 3]);
    const ids = batches.flatMap((batch) => batch.videoIds);
    expect(ids).toEqual(good.flatMap((id) => [id, id, id]));
    expect(batches.flatMap((batch) => [...batch.views])).toEqual(good.flatMap(() => [0, 1, 2]));
    const first = batches[0];
    const clipBytes = 4 * 24 * 32 * 3;
    const views = [0, 1, 2].map((i) =>
      readFrameNumbers({ data: first.frames.subarray(i * clipBytes, (i + 1) * clipBytes), numFrames: 4, width: 32, height: 24 }),
    );
    expect(new Set(views.map(String)).size).toBe(3);
  });

  it('takes the batch shape from the transform and drops a short last training batch when asked', async () => {
    const crop = (clip: Clip, rng: Rng): Clip => {
      const size = 16;
      const x = rng.int(0, clip.width - size);
      const out = new Uint8Array(clip.numFrames * size * size * 3);
      for (let f = 0; f < clip.numFrames; f++) {
        for (let y = 0; y < size; y++) {
          const from = ((f * clip.height + y) * clip.width + x) * 3;
          out.set(clip.data.subarray(from, from + size * 3), (f * size + y) * size * 3);
        }
      }
      return { data: out, numFrames: clip.numFrames, height: size, width: size };
    };
    const cropped = loader({ data: dataConfig({ batchSize: 3, dropLast: true, cache: 'shared' }), transform: crop });
    const batches = await collect(cropped.batches(0));
    expect(batches.map((batch) => batch.shape)).toEqual([
      [3, 4, 16, 16, 3],
      [3, 4, 16, 16, 3],
    ]);
    expect(batches[0].frames.length).toBe(3 * 4 * 16 * 16 * 3);
  });

  it('stops the epoch loudly when every video fails the same way (an ffmpeg without -fps_mode)', async () => {
    const old = writeFakeFfmpeg(path.join(root, 'tools', 'ffmpeg-without-fps-mode'), { refuseOptions: ['-fps_mode'] });
    const goodRecords = records.filter((record) => good.includes(record.videoId));
    const broken = loader({ data: dataConfig(), records: goodRecords });
    const error = await withEnv({ FFMPEG_PATH: old }, () => collect(broken.batches(0))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AllVideosFailedError);
    expect(error).toMatchObject({ epoch: 0, failed: good.length });
    expect((error as Error).message).toMatch(/^all 7 videos failed to load the same way in epoch 1: cannot decode frames \[\.\.\.\]: ffmpeg exited with code 1 \(Error splitting the argument list: Option not found\)/);
    expect((error as Error).message.split('\n')).toHaveLength(1);
    expect(broken.skipped).toHaveLength(good.length); // still listed, as for any skip

    // Every video missing is the same way too; a single video failing, or failures of different kinds, are not.
    const missing = records.filter((record) => ['missing', 'nope'].includes(record.videoId)).concat(fixtureRecord('nope', 11, 10));
    await expect(collect(loader({ data: dataConfig(), records: missing }).batches(0))).rejects.toThrow(/all 2 videos failed to load the same way in epoch 1: file not found/);
    const lone = loader({ data: dataConfig(), records: missing.slice(0, 1) });
    expect(await collect(lone.batches(0))).toEqual([]);
    expect(lone.skipped).toHaveLength(1);
    const mixed = records.filter((record) => ['corrupt', 'empty', 'audio', 'missing'].includes(record.videoId));
    const mixedLoader = loader({ data: dataConfig(), records: mixed });
    expect(await collect(mixedLoader.batches(0))).toEqual([]);
    expect(mixedLoader.skipped).toHaveLength(4);
  });

  it('refuses records whose action is none', () => {
    expect(() => loader({ data: dataConfig(), records: [fixtureRecord('n', 19, 10, { line: 7 })] })).toThrow(DatasetError);
    expect(() => loader({ data: dataConfig(), records: [fixtureRecord('n', 19, 10, { line: 7 })] })).toThrow(/videoset\.csv:7/);
  });
});
