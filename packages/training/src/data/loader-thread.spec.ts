import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { a2dConfigSchema, A2dError, Rng, type A2dConfig } from '@a2d/core';
import { clipBatchToFloat } from '@a2d/augment';
import type { Batch, VideoRecord } from '@a2d/ingest';
import { videoFixtures } from '@a2d/ingest/testing';
import { openBatchSources, type BatchSources } from './batch-sources';
import { LoaderThreadError, type BatchSource, type LoaderSpec } from './loader-thread';

const NORMALIZATION = { mean: [0.4, 0.5, 0.6] as [number, number, number], std: [0.2, 0.25, 0.3] as [number, number, number] };

function configFor(root: string): A2dConfig {
  return a2dConfigSchema.parse({
    data: { root, decode: { width: 64, height: 48, cacheFrames: 8 }, sampling: { numFrames: 4 }, loader: { batchSize: 3, prefetch: 1 } },
    augment: { cropSize: 32 },
  });
}

async function collect(source: BatchSource, epoch = 0, start = 0): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const batch of source.batches(epoch, start)) {
    // Floats are valid until the next batch is asked for: checked here, against the frames' own conversion.
    if ('floats' in batch && batch.floats) expect(Array.from(batch.floats)).toEqual(Array.from(clipBatchToFloat(batch.frames, batch.shape, NORMALIZATION)));
    out.push({ ...batch, frames: batch.frames.slice() });
  }
  return out;
}

const strip = (batches: Batch[]) => batches.map(({ frames, shape, actionIds, actorIds, videoIds, views, position }) => ({ frames: Array.from(frames), shape, actionIds, actorIds, videoIds, views, position }));

describe('LoaderThread (openBatchSources with thread on)', () => {
  let root: string;
  let records: VideoRecord[];
  let config: A2dConfig;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'a2d-loader-thread-'));
    records = await videoFixtures.writeFixtureDataset(
      root,
      [
        { videoId: 'a', label: 11, numFrames: 20 },
        { videoId: 'b', label: 22, numFrames: 24 },
        { videoId: 'broken', label: 36, numFrames: 20, kind: 'corrupt' },
        { videoId: 'c', label: 45, numFrames: 18 },
        { videoId: 'broken2', label: 36, numFrames: 20, kind: 'corrupt' },
        { videoId: 'd', label: 56, numFrames: 30 },
        { videoId: 'e', label: 67, numFrames: 16 },
      ],
      new Rng(1),
    );
    config = configFor(root);
  });

  const specs = (): Record<string, LoaderSpec> => ({
    train: { records, data: config.data, temporal: config.augment.temporal, mode: 'train', seed: 5, transform: { kind: 'train', augment: config.augment } },
    test: { records, data: config.data, temporal: config.augment.temporal, mode: 'test', seed: 5, transform: { kind: 'test', augment: config.augment }, shareSourceWith: 'train', floats: NORMALIZATION },
  });

  async function both<T>(run: (sources: BatchSources, warnings: string[]) => Promise<T>): Promise<[T, T, string[][]]> {
    const results: T[] = [];
    const warnings: string[][] = [];
    for (const thread of [false, true]) {
      const lines: string[] = [];
      const sources = await openBatchSources(specs(), { thread, logger: { warn: (line) => lines.push(line) } });
      try {
        results.push(await run(sources, lines));
      } finally {
        await sources.close();
      }
      warnings.push(lines);
    }
    return [results[0], results[1], warnings];
  }

  it('gives the batches, skipped videos and warnings of the same loaders on this thread, floats included', async () => {
    const [here, there, warnings] = await both(async (sources) => {
      const train = sources.loader('train');
      const epochs = [strip(await collect(train, 0)), strip(await collect(train, 1, 2))];
      const test = strip(await collect(sources.loader('test')));
      return { epochs, test, skipped: train.skipped.map((video) => video.videoId), videosPerBatch: train.videosPerBatch };
    });
    expect(there).toEqual(here);
    expect([...here.skipped].sort()).toEqual(['broken', 'broken2']);
    expect(here.epochs[0].flatMap((batch) => batch.videoIds).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(warnings[1]).toEqual(warnings[0]);
    expect(warnings[0].some((line) => line.includes('skipping video broken'))).toBe(true);
  });

  it('stops an iteration the consumer leaves early, and the next one starts clean', async () => {
    const [here, there] = await both(async (sources) => {
      const train = sources.loader('train');
      for await (const batch of train.batches(0)) {
        expect(batch.videoIds.length).toBeGreaterThan(0);
        break;
      }
      return strip(await collect(train, 0));
    });
    expect(there).toEqual(here);
  });

  it('passes a typed loader error on as one (its name and message) and a failed start as a rejection', async () => {
    const failing = { ...specs().train, records: records.filter((record) => record.videoId.startsWith('broken')) };
    const sources = await openBatchSources({ train: failing }, { thread: true, logger: { warn: () => undefined } });
    try {
      const error = await collect(sources.loader('train')).then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(LoaderThreadError);
      expect(error).toBeInstanceOf(A2dError);
      expect((error as LoaderThreadError).originalName).toBe('AllVideosFailedError');
      expect((error as Error).message).toMatch(/^all 2 videos failed to load/);
    } finally {
      await sources.close();
    }
    const none = videoFixtures.fixtureRecord('idle', 19, 20);
    await expect(openBatchSources({ train: { ...specs().train, records: [none] } }, { thread: true, logger: { warn: () => undefined } })).rejects.toThrow(/has action "none", which is not a class/);
    await expect(openBatchSources({ train: { ...specs().train, records: [none] } }, { thread: true, logger: { warn: () => undefined } })).rejects.toBeInstanceOf(LoaderThreadError);
  });
});
