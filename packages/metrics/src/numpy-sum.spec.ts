import { numpyMean, numpyWeightedAverage, pairwiseSum } from './numpy-sum';

describe('NumPy summation order', () => {
  // Each expected value was printed by NumPy 1.24 (np.sum / np.average); a naive left-to-right sum differs.
  it('sums fewer than 8 values left to right', () => {
    expect(pairwiseSum([1e16, 1, 1, 1, 1, 1, 1])).toBe(1e16);
  });

  it('sums 8..128 values in 8 interleaved accumulators, combined pairwise', () => {
    expect(pairwiseSum([1e16, 1, 1, 1, 1, 1, 1, 1])).toBe(1.0000000000000006e16);
    expect(pairwiseSum([1e16, ...new Array<number>(16).fill(1)])).toBe(1.0000000000000016e16);
  });

  it('splits longer vectors recursively', () => {
    expect(pairwiseSum([1e16, ...new Array<number>(200).fill(1)])).toBe(1.0000000000000188e16);
  });

  it('averages like np.mean and np.average', () => {
    expect(numpyMean([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])).toBe(0.45);
    expect(numpyWeightedAverage([0.1, 0.2, 0.3], [1, 2, 3])).toBe(0.2333333333333333);
    expect(() => numpyWeightedAverage([0.5], [0])).toThrow(RangeError);
  });
});
