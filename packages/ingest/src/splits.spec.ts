import { ConfigError, Rng, VIDEO_LEVEL_LABELS } from '@a2d/core';
import { allocateValidationCounts, splitDataset } from './splits';
import { parseVideoset } from './videoset';
import type { VideoRecord } from './records';

/** A parsed videoset with `train[label]` train rows and `test[label]` test rows per label. */
function videoset(train: Record<number, number>, test: Record<number, number> = {}): VideoRecord[] {
  const rows: string[] = [];
  for (const [counts, usage] of [[train, 0], [test, 1]] as const) {
    for (const [label, n] of Object.entries(counts)) {
      for (let i = 0; i < n; i++) rows.push(`v${label}_${usage}_${i},${label},0,2,240,320,48,3,${usage}`);
    }
  }
  return parseVideoset(rows.join('\n'), 'splits.csv');
}

const ids = (records: readonly VideoRecord[]): string[] => records.map((record) => record.videoId).sort();

describe('splitDataset', () => {
  // Sizes chosen so labels differ in count and remainder; 16 and 69 carry a few `none` rows too.
  const records = videoset({ 11: 40, 12: 27, 13: 9, 15: 2, 16: 1, 19: 3, 21: 13, 78: 33, 69: 2 }, { 11: 5, 12: 4, 79: 2 });
  const options = { valFraction: 0.15, seed: 3 };

  it('is deterministic by seed and independent of row order', () => {
    const a = splitDataset(records, options);
    const b = splitDataset(records, options);
    const shuffled = splitDataset(new Rng(11).shuffle([...records]), options);
    expect(ids(a.val)).toEqual(ids(b.val));
    expect(ids(shuffled.val)).toEqual(ids(a.val));
    const seeds = [4, 5, 6].map((seed) => ids(splitDataset(records, { ...options, seed }).val).join());
    expect(new Set([ids(a.val).join(), ...seeds]).size).toBeGreaterThan(1);
  });

  it('partitions the rows: no overlap, test from usage, none rows set aside', () => {
    const { train, val, test, excludedNone } = splitDataset(records, options);
    const all = [...train, ...val, ...test, ...excludedNone];
    expect(new Set(all).size).toBe(records.length);
    expect(all).toHaveLength(records.length);
    expect(test.every((record) => record.usage === 'test')).toBe(true);
    expect([...train, ...val].every((record) => record.usage === 'train')).toBe(true);
    expect(excludedNone.map((record) => record.label).sort()).toEqual([19, 19, 19, 69, 69, 79, 79]);
    expect([...train, ...val, ...test].some((record) => record.actionId === 9)).toBe(false);
    // Each list keeps the input order.
    expect(train).toEqual(records.filter((record) => train.includes(record)));
  });

  it('keeps none rows in the splits when asked', () => {
    const { train, val, test, excludedNone } = splitDataset(records, { ...options, includeNone: true });
    expect(excludedNone).toEqual([]);
    expect([...train, ...val].filter((record) => record.label === 19)).toHaveLength(3);
    expect(test.filter((record) => record.label === 79)).toHaveLength(2);
  });

  it('stratifies by label and keeps every label with >= 2 videos in train', () => {
    const { train, val } = splitDataset(records, options);
    const trainPool = records.filter((record) => record.usage === 'train' && record.actionId !== 9);
    expect(val.length).toBe(Math.round(0.15 * trainPool.length));
    for (const label of new Set(trainPool.map((record) => record.label))) {
      const n = trainPool.filter((record) => record.label === label).length;
      const inVal = val.filter((record) => record.label === label).length;
      expect(Math.abs(inVal - 0.15 * n)).toBeLessThan(1);
      expect(train.filter((record) => record.label === label).length).toBeGreaterThanOrEqual(1);
    }
    // The single video of label 16 can never leave train.
    expect(val.some((record) => record.label === 16)).toBe(false);
  });

  it('matches the fraction on a dataset of realistic size', () => {
    const counts = Object.fromEntries(VIDEO_LEVEL_LABELS.map((label, i) => [label, 40 + ((i * 37) % 60)]));
    const big = videoset(counts);
    for (const valFraction of [0.1, 0.15, 0.3]) {
      const { train, val } = splitDataset(big, { valFraction, seed: 0 });
      expect(val.length).toBe(Math.round(valFraction * big.length));
      expect(train.length + val.length).toBe(big.length);
      for (const label of VIDEO_LEVEL_LABELS) {
        const inVal = val.filter((record) => record.label === label).length;
        expect(Math.abs(inVal - valFraction * counts[label])).toBeLessThan(1);
      }
    }
  });

  it('moves nothing with fraction 0 and rejects bad options with a typed error', () => {
    expect(splitDataset(records, { valFraction: 0, seed: 1 }).val).toEqual([]);
    expect(() => splitDataset(records, { valFraction: 1, seed: 1 })).toThrow(ConfigError);
    expect(() => splitDataset(records, { valFraction: Number.NaN, seed: 1 })).toThrow(/valFraction: expected a number in \[0, 1\)/);
    expect(() => splitDataset(records, { valFraction: 0.1, seed: -2 })).toThrow(/seed: expected a non-negative integer, got -2/);
  });
});

describe('allocateValidationCounts', () => {
  it('never takes the last train video of a label, even when that leaves the total short', () => {
    const counts = new Map(VIDEO_LEVEL_LABELS.slice(0, 10).map((label) => [label, 2]));
    counts.set(13, 1);
    const allocation = allocateValidationCounts(counts, 0.8, new Rng(1));
    expect(allocation.get(13)).toBe(0);
    for (const label of VIDEO_LEVEL_LABELS.slice(0, 10)) expect(allocation.get(label)).toBe(label === 13 ? 0 : 1);
  });

  it('hands out the rounding remainder to different labels for different seeds', () => {
    // 8 labels of 3 at 0.25: 6 to hand out, one each to 6 of the 8 labels (ties broken by the rng).
    const counts = new Map(VIDEO_LEVEL_LABELS.slice(0, 8).map((label) => [label, 3]));
    const chosen = [0, 1, 2, 3, 4].map((seed) => {
      const allocation = allocateValidationCounts(counts, 0.25, new Rng(seed));
      expect([...allocation.values()].reduce((sum, n) => sum + n, 0)).toBe(6);
      expect([...allocation.values()].every((n) => n <= 1)).toBe(true);
      return [...allocation].filter(([, n]) => n === 1).map(([label]) => label).join();
    });
    expect(new Set(chosen).size).toBeGreaterThan(1);
  });
});
