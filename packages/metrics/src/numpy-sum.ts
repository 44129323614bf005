/**
 * Sums and averages in NumPy's order of operations (pairwise summation of float64 arrays, as `np.sum`,
 * `np.mean` and `np.average` do), so macro and weighted averages match scikit-learn to the last bit.
 */

// numpy/_core/src/umath/loops_utils.h.src: PW_BLOCKSIZE and the 8-accumulator unrolled block.
const PAIRWISE_BLOCK = 128;

function pairwiseSumRange(values: ArrayLike<number>, start: number, count: number): number {
  if (count < 8) {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += values[start + i];
    return sum;
  }
  if (count <= PAIRWISE_BLOCK) {
    const r = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => values[start + j]);
    let i = 8;
    for (; i < count - (count % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += values[start + i + j];
    }
    // prettier-ignore
    let sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < count; i++) sum += values[start + i];
    return sum;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return pairwiseSumRange(values, start, half) + pairwiseSumRange(values, start + half, count - half);
}

/** `np.sum` of a float64 vector: NumPy's pairwise summation, bit for bit. */
export function pairwiseSum(values: ArrayLike<number>): number {
  return pairwiseSumRange(values, 0, values.length);
}

/** `np.mean` of a non-empty vector (NaN when empty, as NumPy). */
export function numpyMean(values: ArrayLike<number>): number {
  return pairwiseSum(values) / values.length;
}

/**
 * `np.average(values, weights=weights)`: sum(values * weights) / sum(weights), both summed pairwise.
 * Throws `RangeError` when the weights sum to 0 (NumPy raises `ZeroDivisionError`).
 */
export function numpyWeightedAverage(values: ArrayLike<number>, weights: ArrayLike<number>): number {
  if (values.length !== weights.length) throw new RangeError(`${values.length} values but ${weights.length} weights`);
  const scale = pairwiseSum(weights);
  if (scale === 0) throw new RangeError('weights sum to zero, cannot be normalized');
  const products = Array.from({ length: values.length }, (_, i) => values[i] * weights[i]);
  return pairwiseSum(products) / scale;
}
