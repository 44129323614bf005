/**
 * Top-k accuracy from class scores, as scikit-learn's `top_k_accuracy_score`: a clip is a hit when its true class
 * is among the k highest scores. Ties rank the higher class index first (scikit-learn sorts with a stable
 * ascending mergesort and reverses), so a tie never counts in the clip's favour by accident of order.
 */

/** Rank (0 = best) of class `target` among `scores`, with scikit-learn's tie order. */
export function scoreRank(scores: readonly number[], target: number): number {
  const own = scores[target];
  let rank = 0;
  scores.forEach((score, j) => {
    if (score > own || (score === own && j > target)) rank++;
  });
  return rank;
}

/** Whether `target` is within the `k` highest of `scores`. */
export function isTopKHit(scores: readonly number[], target: number, k: number): boolean {
  if (!Number.isInteger(target) || target < 0 || target >= scores.length) {
    throw new RangeError(`target class ${target} outside 0..${scores.length - 1}`);
  }
  return scoreRank(scores, target) < k;
}

/** Fraction (0..1) of clips whose true class is within the `k` highest scores; 0 for no clips. */
export function topKAccuracy(scores: readonly (readonly number[])[], targets: readonly number[], k: number): number {
  if (scores.length !== targets.length) throw new RangeError(`${scores.length} score rows but ${targets.length} targets`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (targets.length === 0) return 0;
  const hits = targets.filter((target, i) => isTopKHit(scores[i], target, k)).length;
  return hits / targets.length;
}
