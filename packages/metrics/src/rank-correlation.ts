/**
 * Spearman's rank correlation, as `scipy.stats.spearmanr` computes it for two 1-D samples: the Pearson
 * correlation of the samples' ranks, ties sharing their average rank. Used to compare saliency maps (Adebayo et
 * al. 2018's randomisation check), where ReLU leaves many tied zeros.
 */
import { MetricsInputError } from './metrics-input-error';

/** 1-based ranks of `values`, ties given the mean of the ranks they span. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/**
 * Spearman's rho of `a` and `b` (same length, at least 2, no NaN). A constant sample has no ranking: the result
 * is NaN, as scipy's, and callers decide what that means.
 */
export function spearmanCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length < 2) {
    throw new MetricsInputError('rank correlation', [{ path: 'b', message: `expected two samples of the same length >= 2, got ${a.length} and ${b.length}` }]);
  }
  for (const [name, sample] of [['a', a], ['b', b]] as const) {
    for (let i = 0; i < sample.length; i++) {
      if (Number.isNaN(sample[i])) throw new MetricsInputError('rank correlation', [{ path: `${name}.${i}`, message: 'NaN' }]);
    }
  }
  const [ra, rb] = [averageRanks(a), averageRanks(b)];
  const mean = (ranks: Float64Array) => ranks.reduce((sum, value) => sum + value, 0) / ranks.length;
  const [ma, mb] = [mean(ra), mean(rb)];
  let [covariance, varianceA, varianceB] = [0, 0, 0];
  for (let i = 0; i < ra.length; i++) {
    covariance += (ra[i] - ma) * (rb[i] - mb);
    varianceA += (ra[i] - ma) ** 2;
    varianceB += (rb[i] - mb) ** 2;
  }
  return varianceA > 0 && varianceB > 0 ? covariance / Math.sqrt(varianceA * varianceB) : Number.NaN;
}
