import { VIDEO_LEVEL_LABELS } from '@a2d/core';
import { parseVideoset } from '@a2d/ingest';
import { A2D_TEST_PAIR_COUNTS } from './pair-frequencies';
import { allocateCounts, labelCounts, OUTPUT_WIDTHS, planDataset } from './dataset-plan';
import { DATASET_SIZES, type DatasetSize } from './dataset-size';
import { formatVideoset } from './videoset-csv';
import { VIDEO_ID_PATTERN } from './video-id';

const SIZES: DatasetSize[] = ['tiny', 'small', 'full'];

describe('allocateCounts', () => {
  it('splits proportionally, exactly when the weights already sum to the total', () => {
    expect(allocateCounts(10, [1, 1, 2])).toEqual([3, 2, 5]);
    expect(allocateCounts(6, [3, 2, 1])).toEqual([3, 2, 1]);
  });

  it('raises parts to their floors and rejects impossible floors', () => {
    const counts = allocateCounts(5, [100, 1, 1], [0, 1, 1]);
    expect(counts).toEqual([3, 1, 1]);
    expect(() => allocateCounts(1, [1, 1], [1, 1])).toThrow(/floors need 2/);
  });
});

describe('planDataset', () => {
  it.each(SIZES)('%s: only the 36 video-level pairs, every one of them, in the A2D usage ratio', (size) => {
    const clips = planDataset(size, 1, 'hard');
    const total = DATASET_SIZES[size].clips;
    expect(clips).toHaveLength(total);
    const labels = new Set(clips.map((clip) => clip.label));
    expect([...labels].sort((a, b) => a - b)).toEqual([...VIDEO_LEVEL_LABELS]);
    const test = clips.filter((clip) => clip.usage === 'test').length;
    expect(test).toBe(Math.round((total * 746) / 3782));
  });

  it('full: the test split has exactly the real per-pair counts, 3036/746 overall', () => {
    const clips = planDataset('full', 3, 'hard');
    const test: Record<number, number> = {};
    for (const clip of clips) if (clip.usage === 'test') test[clip.label] = (test[clip.label] ?? 0) + 1;
    expect(test).toEqual({ ...A2D_TEST_PAIR_COUNTS });
    expect(clips.filter((clip) => clip.usage === 'train')).toHaveLength(3036);
  });

  it('small: every pair in both splits, in proportion to the real frequencies', () => {
    const { train, test } = labelCounts(DATASET_SIZES.small.clips);
    expect(Math.min(...train, ...test)).toBeGreaterThanOrEqual(1);
    const dogWalking = VIDEO_LEVEL_LABELS.indexOf(78);
    const catRunning = VIDEO_LEVEL_LABELS.indexOf(67);
    expect(train[dogWalking]).toBeGreaterThan(train[catRunning]);
  });

  it('gives A2D-like ids: 11 characters of [A-Za-z0-9_-], distinct even ignoring case', () => {
    const ids = planDataset('full', 11, 'hard').map((clip) => clip.videoId);
    for (const id of ids) expect(id).toMatch(VIDEO_ID_PATTERN);
    expect(new Set(ids.map((id) => id.toLowerCase())).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort());
  });

  it('is deterministic by seed, down to the CSV bytes', () => {
    expect(formatVideoset(planDataset('small', 42, 'hard'))).toBe(formatVideoset(planDataset('small', 42, 'hard')));
    expect(planDataset('small', 42, 'hard')[0].videoId).not.toBe(planDataset('small', 43, 'hard')[0].videoId);
  });

  it.each(SIZES)('%s: clip formats follow A2D (320 high, 4:3 or 16:9, 24-30 fps, 3-5 annotated frames)', (size) => {
    const preset = DATASET_SIZES[size];
    const widths = OUTPUT_WIDTHS.map((option) => option.width);
    for (const clip of planDataset(size, 2, 'hard')) {
      expect(clip.height).toBe(320);
      expect(widths).toContain(clip.width);
      expect(clip.renderWidth * 320).toBe(clip.width * clip.renderHeight);
      expect([24, 25, 30]).toContain(clip.fps);
      const seconds = clip.numFrames / clip.fps;
      expect(seconds).toBeGreaterThanOrEqual(preset.seconds[0] - 0.5 / clip.fps);
      expect(seconds).toBeLessThanOrEqual(preset.seconds[1] + 0.5 / clip.fps);
      expect(clip.numAnnotatedFrames).toBeGreaterThanOrEqual(3);
      expect(clip.numAnnotatedFrames).toBeLessThanOrEqual(5);
    }
  });
});

describe('formatVideoset', () => {
  it('writes headerless 9-column rows that the A2D parser accepts unchanged', () => {
    const clips = planDataset('small', 5, 'hard');
    const text = formatVideoset(clips);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(clips.length);
    for (const line of lines) expect(line.split(',')).toHaveLength(9);
    const records = parseVideoset(text, 'videoset.csv');
    records.forEach((record, i) => {
      const clip = clips[i];
      expect(record).toMatchObject({
        videoId: clip.videoId,
        label: clip.label,
        startTime: 0,
        height: 320,
        width: clip.width,
        numFrames: clip.numFrames,
        numAnnotatedFrames: clip.numAnnotatedFrames,
        usage: clip.usage,
      });
      expect(record.endTime).toBeCloseTo(clip.numFrames / clip.fps, 3);
    });
    expect(lines[0]).toMatch(/^[A-Za-z0-9_-]{11},\d\d,0,\d+(\.\d{1,3})?,320,(428|568),\d+,[345],[01]$/);
  });
});
