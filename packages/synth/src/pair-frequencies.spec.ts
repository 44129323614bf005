import { readFileSync } from 'node:fs';
import { ACTIONS, ACTORS, encodeLabel, VIDEO_LEVEL_LABELS } from '@a2d/core';
import { describeWithReferenceFixture, referenceFixture } from '@a2d/core/testing';
import { z } from 'zod';
import { A2D_TEST_PAIR_COUNTS, A2D_TEST_VIDEO_COUNT } from './pair-frequencies';

const predictionRow = z.object({
  video_id: z.string().min(1),
  true_action: z.enum(ACTIONS),
  true_actor: z.enum(ACTORS),
});

describe('A2D test-split pair counts', () => {
  it('covers exactly the 36 video-level pairs and sums to the 746 test videos', () => {
    expect(Object.keys(A2D_TEST_PAIR_COUNTS).map(Number).sort((a, b) => a - b)).toEqual([...VIDEO_LEVEL_LABELS]);
    expect(Object.values(A2D_TEST_PAIR_COUNTS).reduce((sum, n) => sum + n, 0)).toBe(A2D_TEST_VIDEO_COUNT);
  });

  describeWithReferenceFixture('on the reference predictions file', () => {
    const fixture = referenceFixture('test_predictions.csv');

    it(`matches the true labels of ${fixture}`, () => {
      const [header, ...lines] = readFileSync(fixture, 'utf8').trim().split(/\r?\n/);
      const columns = header.split(',');
      const counts: Record<number, number> = {};
      for (const line of lines) {
        const cells = line.split(',');
        const row = predictionRow.parse(Object.fromEntries(columns.map((name, i) => [name, cells[i]])));
        const code = encodeLabel(row.true_actor, row.true_action);
        counts[code] = (counts[code] ?? 0) + 1;
      }
      expect(counts).toEqual({ ...A2D_TEST_PAIR_COUNTS });
    });
  });
});
