/**
 * Confusion matrices in scikit-learn's convention: `matrix[true][predicted]` counts clips of true class `true`
 * predicted as `predicted`. Every metric of this package is computed from one.
 */
import { z } from 'zod';

/** A square count matrix, rows = true class, columns = predicted class. */
export type ConfusionMatrix = number[][];

/** A confusion matrix with the class names of its rows and columns (as stored in `metrics.json`). */
export const labelledConfusionMatrixSchema = z
  .object({
    /** Class names, in row (= column) order. */
    labels: z.array(z.string().min(1)).min(1),
    /** `matrix[true][predicted]` clip counts. */
    matrix: z.array(z.array(z.number().int().nonnegative())),
  })
  .superRefine((value, ctx) => {
    const n = value.labels.length;
    if (value.matrix.length !== n || value.matrix.some((row) => row.length !== n)) {
      ctx.addIssue({ code: 'custom', path: ['matrix'], message: `expected a ${n}x${n} matrix (one row and column per label)` });
    }
  });

/** A confusion matrix with its class names. */
export type LabelledConfusionMatrix = z.infer<typeof labelledConfusionMatrixSchema>;

/** An all-zero `size` x `size` confusion matrix. */
export function createConfusionMatrix(size: number): ConfusionMatrix {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`confusion matrix size must be a positive integer, got ${size}`);
  return Array.from({ length: size }, () => new Array<number>(size).fill(0));
}

/**
 * `sklearn.metrics.confusion_matrix(trues, preds, labels=range(numClasses))`: class indices in, counts out.
 * Throws `RangeError` for indices outside 0..numClasses-1 (scikit-learn would silently drop them).
 */
export function confusionMatrix(trues: readonly number[], preds: readonly number[], numClasses: number): ConfusionMatrix {
  if (trues.length !== preds.length) throw new RangeError(`${trues.length} true labels but ${preds.length} predictions`);
  const matrix = createConfusionMatrix(numClasses);
  trues.forEach((t, i) => {
    const p = preds[i];
    if (!isClassIndex(t, numClasses) || !isClassIndex(p, numClasses)) {
      throw new RangeError(`sample ${i}: class indices must be integers in 0..${numClasses - 1}, got true ${t}, predicted ${p}`);
    }
    matrix[t][p]++;
  });
  return matrix;
}

function isClassIndex(value: number, numClasses: number): boolean {
  return Number.isInteger(value) && value >= 0 && value < numClasses;
}

/** Clips per true class (row sums): scikit-learn's `support` / `true_sum`. */
export function trueCounts(matrix: ConfusionMatrix): number[] {
  return matrix.map((row) => row.reduce((sum, count) => sum + count, 0));
}

/** Clips per predicted class (column sums): scikit-learn's `pred_sum`. */
export function predictedCounts(matrix: ConfusionMatrix): number[] {
  return matrix.map((_, column) => matrix.reduce((sum, row) => sum + row[column], 0));
}

/** Correct predictions per class (the diagonal): scikit-learn's `tp_sum`. */
export function truePositives(matrix: ConfusionMatrix): number[] {
  return matrix.map((row, i) => row[i]);
}

/** Total clips counted in the matrix. */
export function matrixTotal(matrix: ConfusionMatrix): number {
  return matrix.reduce((sum, row) => sum + row.reduce((s, count) => s + count, 0), 0);
}

/** Fraction of clips on the diagonal (0..1); 0 for an empty matrix. */
export function matrixAccuracy(matrix: ConfusionMatrix): number {
  const total = matrixTotal(matrix);
  return total === 0 ? 0 : truePositives(matrix).reduce((sum, count) => sum + count, 0) / total;
}
