import { averageRanks, boxPixelMask, MetricsInputError, pointingFrame, pointingSummarySchema, spearmanCorrelation, summarisePointing, wilsonInterval } from './index';

describe('boxPixelMask', () => {
  it('marks the pixels whose centres lie in a box, clipped to the map', () => {
    // y in [0.6, 1.4) holds no pixel centre (0.5 and 1.5 lie outside), so nothing is marked.
    expect(Array.from(boxPixelMask([{ left: 1, top: 0.6, right: 3, bottom: 1.4 }], 3, 4))).toEqual(new Array(12).fill(0));
    const mask = boxPixelMask([{ left: 1, top: 0, right: 3, bottom: 2 }, { left: 3.2, top: 2, right: 9, bottom: 9 }], 3, 4);
    expect(Array.from(mask)).toEqual([0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1]);
  });
});

describe('pointingFrame', () => {
  const mask = boxPixelMask([{ left: 0, top: 0, right: 2, bottom: 1 }], 2, 4); // the top-left 2 pixels: 2/8 of the frame
  it('hits when the maximum is on the object, and gives the covered fraction as the baseline', () => {
    expect(pointingFrame([0.1, 0.9, 0, 0, 0, 0.5, 0, 0], mask, 2, 4)).toEqual({ hit: true, baseline: 0.25, peak: { x: 1, y: 0 } });
    expect(pointingFrame([0.1, 0.2, 0, 0, 0, 0.5, 0, 0], mask, 2, 4)).toEqual({ hit: false, baseline: 0.25, peak: { x: 1, y: 1 } });
  });
  it('takes the first of equal maxima, and counts an all-zero map as a miss without a peak', () => {
    expect(pointingFrame([0, 0, 1, 0, 0, 1, 0, 0], mask, 2, 4).peak).toEqual({ x: 2, y: 0 });
    expect(pointingFrame(new Float32Array(8), mask, 2, 4)).toEqual({ hit: false, baseline: 0.25, peak: null });
  });
  it('refuses a frame without object pixels and maps of the wrong size', () => {
    expect(() => pointingFrame(new Float32Array(8), new Uint8Array(8), 2, 4)).toThrow(/covers no pixel/);
    expect(() => pointingFrame(new Float32Array(7), mask, 2, 4)).toThrow(MetricsInputError);
  });
});

describe('summarisePointing', () => {
  it('gives the rate, the mean baseline, the empty maps and a Wilson interval equal to scipy', () => {
    const frames = [...new Array(7).fill({ hit: true, baseline: 0.2, peak: { x: 0, y: 0 } }), { hit: false, baseline: 0.4, peak: null }, ...new Array(2).fill({ hit: false, baseline: 0.4, peak: { x: 1, y: 1 } })];
    const summary = summarisePointing(frames);
    expect(pointingSummarySchema.parse(summary)).toEqual(summary);
    expect(summary).toMatchObject({ frames: 10, hits: 7, rate: 0.7, emptyMaps: 1 });
    expect(summary.baseline).toBeCloseTo(0.26, 12);
    // scipy.stats.binomtest(7, 10).proportion_ci(method='wilson')
    expect(summary.interval95?.[0]).toBeCloseTo(0.39677814746114526, 12);
    expect(summary.interval95?.[1]).toBeCloseTo(0.892208732593699, 12);
    expect(summarisePointing([])).toEqual({ frames: 0, hits: 0, rate: null, interval95: null, baseline: null, emptyMaps: 0 });
    expect(wilsonInterval(0, 5)[0]).toBe(0);
  });
});

describe('spearmanCorrelation', () => {
  it('equals scipy.stats.spearmanr with ties', () => {
    expect(Array.from(averageRanks([0, 0, 1, 2, 2, 5, 0.5]))).toEqual([1.5, 1.5, 4, 5.5, 5.5, 7, 3]);
    // scipy.stats.spearmanr([0,0,1,2,2,5,0.5], [1,0,0,3,2,2,1]).correlation
    expect(spearmanCorrelation([0, 0, 1, 2, 2, 5, 0.5], [1, 0, 0, 3, 2, 2, 1])).toBeCloseTo(0.7196575977514569, 12);
    expect(spearmanCorrelation([1, 2, 3], [30, 20, 10])).toBeCloseTo(-1, 12);
  });
  it('is NaN for a constant sample and refuses mismatched or NaN input', () => {
    expect(spearmanCorrelation([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(() => spearmanCorrelation([1, 2], [1, 2, 3])).toThrow(/same length/);
    expect(() => spearmanCorrelation([1, Number.NaN], [1, 2])).toThrow(/a\.1: NaN/);
  });
});
