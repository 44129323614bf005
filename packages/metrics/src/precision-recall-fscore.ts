/**
 * scikit-learn's `precision_recall_fscore_support` / `f1_score` (>= 1.5 definitions) on a confusion matrix:
 *   precision = tp / predicted, recall = tp / true, F1 = 2 tp / (true + predicted)   (per class)
 * A zero denominator gives `zeroDivision` ('warn', the default, acts as 0.0 and records which classes were
 * ill-defined). Macro averages every class (classes with no support and no predictions included, at 0.0);
 * weighted averages by support; micro pools the counts (= accuracy when every class is listed).
 */
import { numpyMean, numpyWeightedAverage } from './numpy-sum';
import { predictedCounts, trueCounts, truePositives, type ConfusionMatrix } from './confusion-matrix';

/** scikit-learn's `zero_division`: the value of 0/0; 'warn' acts as 0 and reports the ill-defined classes. */
export type ZeroDivision = 'warn' | 0 | 1;

/** scikit-learn's `average` for multiclass targets. */
export type ScoreAverage = 'micro' | 'macro' | 'weighted';

/** Per-class scores, indexed by class. */
export interface PerClassScores {
  precision: number[];
  recall: number[];
  f1: number[];
  /** True clips per class. */
  support: number[];
  /** Classes (indices) whose metric hit a zero denominator (scikit-learn's UndefinedMetricWarning). */
  illDefined: { precision: number[]; recall: number[]; f1: number[] };
}

/** Averaged scores; `support` is the number of clips. */
export interface AveragedScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

function zeroDivisionValue(zeroDivision: ZeroDivision): number {
  return zeroDivision === 1 ? 1 : 0;
}

// sklearn's _prf_divide: numerator / denominator, with zero_division where the denominator is 0.
function divide(numerators: readonly number[], denominators: readonly number[], zeroDivision: ZeroDivision, illDefined: number[]): number[] {
  return numerators.map((numerator, i) => {
    if (denominators[i] === 0) {
      illDefined.push(i);
      return zeroDivisionValue(zeroDivision);
    }
    return numerator / denominators[i];
  });
}

/** `precision_recall_fscore_support(y_true, y_pred, labels=range(n), average=None)` from the confusion matrix. */
export function precisionRecallFscoreSupport(matrix: ConfusionMatrix, zeroDivision: ZeroDivision = 'warn'): PerClassScores {
  const tp = truePositives(matrix);
  const truth = trueCounts(matrix);
  const predicted = predictedCounts(matrix);
  const illDefined = { precision: [] as number[], recall: [] as number[], f1: [] as number[] };
  return {
    precision: divide(tp, predicted, zeroDivision, illDefined.precision),
    recall: divide(tp, truth, zeroDivision, illDefined.recall),
    // (1 + beta^2) tp / ((1 + beta^2) tp + beta^2 fn + fp) with beta = 1, exactly as scikit-learn >= 1.5 computes it.
    f1: divide(
      tp.map((count) => 2 * count),
      truth.map((count, i) => count + predicted[i]),
      zeroDivision,
      illDefined.f1,
    ),
    support: truth,
    illDefined,
  };
}

/** `precision_recall_fscore_support(..., average=average)`, plus the clip count as `support`. */
export function averageScores(matrix: ConfusionMatrix, average: ScoreAverage, zeroDivision: ZeroDivision = 'warn'): AveragedScores {
  const truth = trueCounts(matrix);
  const total = truth.reduce((sum, count) => sum + count, 0);
  if (average === 'micro') {
    const tp = truePositives(matrix).reduce((sum, count) => sum + count, 0);
    const predicted = predictedCounts(matrix).reduce((sum, count) => sum + count, 0);
    const [precision, recall, f1] = divide([tp, tp, 2 * tp], [predicted, total, total + predicted], zeroDivision, []);
    return { precision, recall, f1, support: total };
  }
  const scores = precisionRecallFscoreSupport(matrix, zeroDivision);
  if (average === 'macro') {
    return { precision: numpyMean(scores.precision), recall: numpyMean(scores.recall), f1: numpyMean(scores.f1), support: total };
  }
  if (total === 0) {
    // scikit-learn's rule for weighted averages without any true sample.
    const value = zeroDivisionValue(zeroDivision);
    const anyPredicted = predictedCounts(matrix).some((count) => count > 0);
    return anyPredicted ? { precision: 0, recall: value, f1: 0, support: 0 } : { precision: value, recall: value, f1: value, support: 0 };
  }
  return {
    precision: numpyWeightedAverage(scores.precision, truth),
    recall: numpyWeightedAverage(scores.recall, truth),
    f1: numpyWeightedAverage(scores.f1, truth),
    support: total,
  };
}

/** `f1_score(y_true, y_pred, labels=range(n), average=average)`. */
export function f1Score(matrix: ConfusionMatrix, average: ScoreAverage, zeroDivision: ZeroDivision = 'warn'): number {
  return averageScores(matrix, average, zeroDivision).f1;
}
