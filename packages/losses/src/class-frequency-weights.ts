/**
 * Per-class weights from class frequencies, for class imbalance (A2D's actors and actions are far from uniform):
 * the rarer a class, the larger its weight. Used for `balanced` class weights and for adaptive focal alphas.
 */
import type { FrequencyWeighting } from '@a2d/core';
import { LossInputError } from './loss-input-error';

/** How counts become weights; see `FrequencyWeighting` in `@a2d/core` for the three kinds. */
export interface ClassFrequencyWeightingOptions {
  /** `inverse` 1/n, `sqrt-inverse` 1/sqrt(n), `effective-number` (1 - beta)/(1 - beta^n) (Cui et al. 2019). */
  kind: FrequencyWeighting['kind'];
  /** `effective-number` only, in [0, 1). Default 0.999. */
  beta?: number;
}

/** Number of occurrences of each class index `0..classes-1` in `labels`; throws `LossInputError` for other values. */
export function countClassOccurrences(labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new LossInputError('labels', `expected class indices 0..${classes - 1}, got ${label} at position ${i}`);
    }
    counts[label]++;
  }
  return counts;
}

/**
 * One weight per class, normalised to mean 1 so the loss keeps its scale. A class that never occurs is weighted
 * as if it occurred once (the largest weight any count can get), rather than infinitely.
 */
export function classFrequencyWeights(counts: readonly number[], options: ClassFrequencyWeightingOptions): number[] {
  if (counts.length === 0) throw new LossInputError('counts', 'expected one count per class, got an empty array');
  counts.forEach((count, index) => {
    if (!Number.isFinite(count) || count < 0) {
      throw new LossInputError('counts', `expected finite non-negative counts, got ${count} at class ${index}`);
    }
  });
  const beta = options.beta ?? 0.999;
  if (options.kind === 'effective-number' && (!Number.isFinite(beta) || beta < 0 || beta >= 1)) {
    throw new LossInputError('beta', `expected a number in [0, 1), got ${beta}`);
  }
  const raw = counts.map((count) => {
    const n = Math.max(count, 1);
    switch (options.kind) {
      case 'inverse':
        return 1 / n;
      case 'sqrt-inverse':
        return 1 / Math.sqrt(n);
      case 'effective-number':
        // beta 0: every effective number is 1 and the weights are equal.
        return beta === 0 ? 1 : (1 - beta) / (1 - Math.pow(beta, n));
    }
  });
  const mean = raw.reduce((sum, value) => sum + value, 0) / raw.length;
  return raw.map((value) => value / mean);
}
