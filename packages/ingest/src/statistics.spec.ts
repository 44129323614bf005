import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ACTIONS, ACTORS, encodeLabel, VIDEO_LEVEL_LABELS } from '@a2d/core';
import { describeWithReferenceFixture, referenceFixture } from '@a2d/core/testing';
import { computeStatistics, datasetStatisticsSchema, formatStatistics } from './statistics';
import { parseVideoset } from './videoset';
import { splitDataset, type DatasetSplits } from './splits';
import type { VideoRecord } from './records';

const row = (id: string, label: number, usage: 0 | 1): string => `${id},${label},0,2,240,320,48,3,${usage}`;

describe('computeStatistics', () => {
  const records = parseVideoset(
    [
      row('a1', 11, 0),
      row('a2', 11, 0),
      row('a3', 11, 1),
      row('b1', 22, 0),
      row('b2', 78, 1),
      row('n1', 19, 0),
      row('n2', 19, 1),
      row('n3', 79, 1),
    ].join('\n'),
    'stats.csv',
  );
  const byId = (id: string): VideoRecord => records.find((record) => record.videoId === id) as VideoRecord;
  // Built by hand so the expected counts do not depend on the split algorithm.
  const splits: DatasetSplits = {
    train: [byId('a1'), byId('b1')],
    val: [byId('a2')],
    test: [byId('a3'), byId('b2')],
    excludedNone: [byId('n1'), byId('n2'), byId('n3')],
  };
  const stats = computeStatistics(splits);

  it('counts per label, actor and action in each split', () => {
    expect(stats.totals).toEqual({ train: 2, val: 1, test: 2, total: 5 });
    expect(stats.byLabel).toHaveLength(VIDEO_LEVEL_LABELS.length);
    expect(stats.byLabel.find((entry) => entry.code === 11)).toEqual({ code: 11, name: 'adult-climbing', train: 1, val: 1, test: 1, total: 3 });
    expect(stats.byLabel.find((entry) => entry.code === 78)).toEqual({ code: 78, name: 'dog-walking', train: 0, val: 0, test: 1, total: 1 });
    expect(stats.byLabel.find((entry) => entry.code === 13)?.total).toBe(0);
    expect(stats.byActor.map((entry) => entry.name)).toEqual([...ACTORS]);
    expect(stats.byActor[0]).toEqual({ actorId: 1, name: 'adult', train: 1, val: 1, test: 1, total: 3 });
    expect(stats.byActor[1]).toEqual({ actorId: 2, name: 'baby', train: 1, val: 0, test: 0, total: 1 });
    expect(stats.byAction.map((entry) => entry.name)).toEqual(ACTIONS.slice(0, 8));
    expect(stats.byAction[1]).toEqual({ actionId: 2, name: 'crawling', train: 1, val: 0, test: 0, total: 1 });
    expect(stats.byAction[7]).toEqual({ actionId: 8, name: 'walking', train: 0, val: 0, test: 1, total: 1 });
  });

  it('counts excluded none rows separately, by usage', () => {
    expect(stats.excludedNone).toEqual({
      byLabel: [
        { code: 19, name: 'adult-none', train: 1, test: 1, total: 2 },
        { code: 79, name: 'dog-none', train: 0, test: 1, total: 1 },
      ],
      totals: { train: 1, test: 2, total: 3 },
    });
  });

  it('shows kept none rows as their own label and action', () => {
    const kept = computeStatistics(splitDataset(records, { valFraction: 0, seed: 0, includeNone: true }));
    expect(kept.byLabel.find((entry) => entry.code === 19)).toMatchObject({ name: 'adult-none', train: 1, test: 1 });
    expect(kept.byAction[8]).toMatchObject({ name: 'none', total: 3 });
    expect(kept.excludedNone.totals.total).toBe(0);
  });

  it('round-trips through JSON and validates it', () => {
    expect(datasetStatisticsSchema.parse(JSON.parse(JSON.stringify(stats)))).toEqual(stats);
    expect(datasetStatisticsSchema.safeParse({ ...stats, totals: { train: -1 } }).success).toBe(false);
  });

  it('formats a readable table', () => {
    const text = formatStatistics(stats);
    const lines = text.split('\n');
    expect(lines[0]).toBe('5 videos: train 2, val 1, test 2; 3 rows with action none excluded');
    expect(lines).toContain('code  class           train  val  test  total');
    const cells = (first: string): string[] | undefined =>
      lines.map((line) => line.trim().split(/\s+/)).find((parts) => parts[0] === first);
    expect(cells('11')).toEqual(['11', 'adult-climbing', '1', '1', '1', '3']);
    expect(cells('all')).toEqual(['all', '2', '1', '2', '5']);
    expect(cells('adult')).toEqual(['adult', '1', '1', '1', '3']);
    expect(cells('walking')).toEqual(['walking', '0', '0', '1', '1']);
    expect(cells('19')).toEqual(['19', 'adult-none', '1', '1', '2']);
    expect(text).toMatch(/warning: 34 classes have no train videos: adult-crawling, /);
    // Every row of the label table has the same width, so the columns line up.
    const start = lines.indexOf('code  class           train  val  test  total');
    const table = lines.slice(start, lines.indexOf('', start));
    expect(table).toHaveLength(1 + VIDEO_LEVEL_LABELS.length + 1);
    expect(new Set(table.map((line) => line.length))).toEqual(new Set([table[0].length]));
  });
});

describeWithReferenceFixture('statistics of the real A2D test split', () => {
  const predictionSchema = z.object({
    video_id: z.string().min(1),
    true_action: z.enum(ACTIONS),
    true_actor: z.enum(ACTORS),
  });

  it('reproduces the per-class counts of test_predictions.csv', () => {
    const [header, ...lines] = readFileSync(referenceFixture('test_predictions.csv'), 'utf8').trim().split(/\r?\n/);
    const columns = header.split(',');
    const predictions = lines.map((line) =>
      predictionSchema.parse(Object.fromEntries(line.split(',').map((cell, i) => [columns[i], cell]))),
    );
    expect(predictions).toHaveLength(746);
    const csv = predictions
      .map((p) => row(p.video_id, encodeLabel(p.true_actor, p.true_action), 1))
      .join('\r\n');
    const stats = computeStatistics(splitDataset(parseVideoset(csv, 'a2d-test.csv'), { valFraction: 0.15, seed: 0 }));

    expect(stats.totals).toEqual({ train: 0, val: 0, test: 746, total: 746 });
    for (const entry of stats.byLabel) {
      const expected = predictions.filter((p) => `${p.true_actor}-${p.true_action}` === entry.name).length;
      expect({ name: entry.name, test: entry.test }).toEqual({ name: entry.name, test: expected });
    }
    for (const entry of stats.byActor) expect(entry.test).toBe(predictions.filter((p) => p.true_actor === entry.name).length);
    for (const entry of stats.byAction) expect(entry.test).toBe(predictions.filter((p) => p.true_action === entry.name).length);
    // Every video-level class occurs in the real test split; dog-walking is its largest.
    expect(stats.byLabel.every((entry) => entry.test > 0)).toBe(true);
    expect(stats.byLabel.reduce((a, b) => (b.test > a.test ? b : a)).name).toBe('dog-walking');
  });
});
