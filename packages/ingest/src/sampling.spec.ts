import { augmentConfigSchema, Rng, samplingConfigSchema, type SamplingConfig } from '@a2d/core';
import {
  consecutiveIndices,
  denseFrameSet,
  nearestFramePositions,
  padIndices,
  sampleClipIndices,
  segmentIndices,
  type TemporalConfig,
} from './sampling';

const sampling = (overrides: Partial<SamplingConfig> = {}): SamplingConfig =>
  samplingConfigSchema.parse({ numFrames: 8, ...overrides });
const noAugment: TemporalConfig = augmentConfigSchema.parse({ temporal: { jitter: false, speedProb: 0 } }).temporal;
const jitterOnly: TemporalConfig = augmentConfigSchema.parse({ temporal: { jitter: true, speedProb: 0 } }).temporal;

describe('segment sampling (TSN)', () => {
  it('takes segment centres at test time', () => {
    expect(sampleClipIndices(80, sampling(), noAugment, { mode: 'test' })).toEqual([5, 15, 25, 35, 45, 55, 65, 75]);
    expect(segmentIndices(10, 8, 4, () => 0.5)).toEqual([11, 13, 15, 17]);
  });

  it('jitters inside each segment in training, deterministically by seed, and covers every frame', () => {
    const config = sampling();
    const seen = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const indices = sampleClipIndices(80, config, jitterOnly, { mode: 'train', rng: new Rng(i) });
      indices.forEach((index, s) => {
        expect(index).toBeGreaterThanOrEqual(s * 10);
        expect(index).toBeLessThan((s + 1) * 10);
        seen.add(index);
      });
    }
    expect(seen.size).toBe(80);
    const a = sampleClipIndices(80, config, jitterOnly, { mode: 'train', rng: new Rng(3) });
    expect(sampleClipIndices(80, config, jitterOnly, { mode: 'train', rng: new Rng(3) })).toEqual(a);
    expect(sampleClipIndices(80, config, jitterOnly, { mode: 'train', rng: new Rng(4) })).not.toEqual(a);
  });

  it('spreads test views across each segment', () => {
    const config = sampling({ numFrames: 4, testViews: 3 });
    const views = [0, 1, 2].map((view) => sampleClipIndices(120, config, noAugment, { mode: 'test', view }));
    expect(views).toEqual([
      [5, 35, 65, 95],
      [15, 45, 75, 105],
      [25, 55, 85, 115],
    ]);
    expect(() => sampleClipIndices(120, config, noAugment, { mode: 'test', view: 3 })).toThrow(RangeError);
  });

  it('shrinks the window for a speed change, staying in bounds and sorted', () => {
    const temporal: TemporalConfig = { jitter: true, speedProb: 1, strides: [1, 4] };
    let shrunk = 0;
    for (let i = 0; i < 200; i++) {
      const indices = sampleClipIndices(200, sampling(), temporal, { mode: 'train', rng: new Rng(i) });
      expect(indices).toHaveLength(8);
      expect([...indices].sort((x, y) => x - y)).toEqual(indices);
      expect(Math.min(...indices)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...indices)).toBeLessThan(200);
      if (indices[7] - indices[0] < 50) shrunk++;
    }
    // Stride 1 of max 4 keeps a quarter of the video (50 frames): about half the draws.
    expect(shrunk).toBeGreaterThan(60);
    expect(shrunk).toBeLessThan(140);
  });
});

describe('consecutive sampling', () => {
  const config = sampling({ strategy: 'consecutive', numFrames: 4, stride: 3 });

  it('centres the run at test time and spreads views over the free range', () => {
    expect(sampleClipIndices(30, config, noAugment, { mode: 'test' })).toEqual([10, 13, 16, 19]);
    const starts = [0, 1, 2, 3].map(
      (view) => sampleClipIndices(30, config, noAugment, { mode: 'test', view, numViews: 4 })[0],
    );
    expect(starts).toEqual([3, 8, 13, 18]);
  });

  it('starts anywhere in training and never leaves the video', () => {
    const starts = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const indices = sampleClipIndices(30, config, jitterOnly, { mode: 'train', rng: new Rng(i) });
      expect(indices[3]).toBeLessThan(30);
      expect(indices.slice(1).map((v, k) => v - indices[k])).toEqual([3, 3, 3]);
      starts.add(indices[0]);
    }
    expect(starts.size).toBe(21); // every start 0..20
  });

  it('draws the stride from the speed strides', () => {
    const temporal: TemporalConfig = { jitter: true, speedProb: 1, strides: [1, 5] };
    const gaps = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const indices = sampleClipIndices(100, config, temporal, { mode: 'train', rng: new Rng(i) });
      gaps.add(indices[1] - indices[0]);
    }
    expect([...gaps].sort()).toEqual([1, 5]);
  });
});

describe('short videos', () => {
  it('loops or repeats the last frame, never crashing', () => {
    expect(sampleClipIndices(3, sampling(), noAugment, { mode: 'test' })).toEqual([0, 1, 2, 0, 1, 2, 0, 1]);
    expect(sampleClipIndices(3, sampling({ shortVideo: 'repeat-last' }), noAugment, { mode: 'test' })).toEqual([
      0, 1, 2, 2, 2, 2, 2, 2,
    ]);
    const consecutive = sampling({ strategy: 'consecutive', numFrames: 4, stride: 2 });
    expect(sampleClipIndices(5, consecutive, noAugment, { mode: 'test' })).toEqual([0, 2, 4, 1]);
    expect(sampleClipIndices(1, sampling(), jitterOnly, { mode: 'train', rng: new Rng(1) })).toEqual(Array(8).fill(0));
    expect(padIndices(consecutiveIndices(2, 4, 2), 5, 'repeat-last')).toEqual([2, 4, 4, 4]);
  });

  it('rejects a video without frames', () => {
    expect(() => sampleClipIndices(0, sampling(), noAugment, { mode: 'test' })).toThrow(/0 frames/);
    expect(() => denseFrameSet(0, 32)).toThrow(RangeError);
  });
});

describe('the dense cached frame set', () => {
  it('keeps evenly spaced frames, or all of a short video', () => {
    expect(denseFrameSet(100, 4)).toEqual([12, 37, 62, 87]);
    expect(denseFrameSet(5, 32)).toEqual([0, 1, 2, 3, 4]);
    const set = denseFrameSet(1000, 32);
    expect(new Set(set).size).toBe(32);
    expect(set[0]).toBeLessThan(32);
    expect(set[31]).toBeGreaterThan(1000 - 32);
  });

  it('maps any index to the nearest cached frame', () => {
    const available = [12, 37, 62, 87];
    expect(nearestFramePositions(available, [0, 12, 24, 25, 49, 50, 99, 62])).toEqual([0, 0, 0, 1, 1, 2, 3, 2]);
  });
});
