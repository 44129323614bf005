import { classFrequencyWeights, countClassOccurrences } from './class-frequency-weights';
import { LossInputError } from './loss-input-error';

const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;

describe('classFrequencyWeights', () => {
  const counts = [100, 25, 400, 1];

  it('inverse frequency: proportional to 1/n, normalised to mean 1', () => {
    const weights = classFrequencyWeights(counts, { kind: 'inverse' });
    const raw = counts.map((n) => 1 / n);
    const scale = mean(raw);
    weights.forEach((w, c) => expect(w).toBeCloseTo(raw[c] / scale, 10));
    expect(mean(weights)).toBeCloseTo(1, 12);
    expect(weights[1] / weights[0]).toBeCloseTo(4, 10);
  });

  it('sqrt-inverse is milder than inverse', () => {
    const weights = classFrequencyWeights(counts, { kind: 'sqrt-inverse' });
    expect(weights[1] / weights[0]).toBeCloseTo(2, 10);
    expect(mean(weights)).toBeCloseTo(1, 12);
  });

  it('effective number (1 - beta)/(1 - beta^n) lies between equal weights and inverse frequency', () => {
    const beta = 0.99;
    const weights = classFrequencyWeights(counts, { kind: 'effective-number', beta });
    const raw = counts.map((n) => (1 - beta) / (1 - Math.pow(beta, n)));
    weights.forEach((w, c) => expect(w).toBeCloseTo(raw[c] / mean(raw), 10));
    const ratio = weights[0] / weights[2];
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(4);
    expect(classFrequencyWeights(counts, { kind: 'effective-number', beta: 0 })).toEqual([1, 1, 1, 1]);
  });

  it('weights a class that never occurs as if it occurred once', () => {
    const weights = classFrequencyWeights([0, 1, 3], { kind: 'inverse' });
    expect(weights[0]).toBeCloseTo(weights[1], 12);
    expect(weights.every(Number.isFinite)).toBe(true);
  });

  it('rejects empty, negative and non-finite counts and a beta outside [0, 1)', () => {
    expect(() => classFrequencyWeights([], { kind: 'inverse' })).toThrow(LossInputError);
    expect(() => classFrequencyWeights([3, -1], { kind: 'inverse' })).toThrow(/counts: .*got -1 at class 1/);
    expect(() => classFrequencyWeights([3, Number.NaN], { kind: 'inverse' })).toThrow(/counts/);
    expect(() => classFrequencyWeights([3, 1], { kind: 'effective-number', beta: 1 })).toThrow(/beta/);
  });
});

describe('countClassOccurrences', () => {
  it('counts each class index and rejects labels outside the classes', () => {
    expect(countClassOccurrences([0, 2, 2, 1, 2], 4)).toEqual([1, 1, 3, 0]);
    expect(countClassOccurrences(new Int32Array([1, 1]), 2)).toEqual([0, 2]);
    expect(() => countClassOccurrences([0, 4], 4)).toThrow(/labels: expected class indices 0..3, got 4 at position 1/);
  });
});
