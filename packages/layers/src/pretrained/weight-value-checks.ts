/**
 * Refusals of values that no trained network holds, applied to every tensor an import turns into a weight before
 * anything is written: NaN or +-Infinity anywhere, and a negative batch-norm variance (eval-mode BatchNorm divides
 * by sqrt(variance + epsilon), so one negative entry makes that channel NaN). The safetensors format itself does
 * not check values ("NaN and +/-Inf could be in the file"), so the importer has to.
 */
import { PretrainedImportError } from './pretrained-import-error';

/** A number as the refusals print it: 7 significant digits (float32 holds about that many). */
function shown(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(7))) : String(value);
}

/** The count of `values` failing `bad`, and the first index that does (-1 when none). */
function firstBad(values: ArrayLike<number>, bad: (value: number) => boolean): { count: number; first: number } {
  let count = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    if (bad(values[i] ?? 0)) {
      count++;
      if (first < 0) first = i;
    }
  }
  return { count, first };
}

/**
 * Throws a `PretrainedImportError` naming `tensor` in `file` when `values` (as float32, the layout of the file)
 * hold NaN or +-Infinity: how many, and the first with its index.
 */
export function refuseNonFiniteValues(values: ArrayLike<number>, tensor: string, file: string): void {
  const { count, first } = firstBad(values, (value) => !Number.isFinite(value));
  if (count > 0) {
    throw new PretrainedImportError(file, `${count} of ${values.length} values are not finite in float32 (the first is ${shown(values[first] ?? NaN)}, at index ${first}); nothing was written`, tensor);
  }
}

/**
 * Throws a `PretrainedImportError` naming `tensor` in `file` when a variance in `values` is negative (zero is
 * fine); `what` says whose variances they are ('batch-norm', 'input normalization').
 */
export function refuseNegativeVariances(values: ArrayLike<number>, tensor: string, file: string, what: string): void {
  const { count, first } = firstBad(values, (value) => value < 0);
  if (count > 0) {
    throw new PretrainedImportError(
      file,
      `${count} of ${values.length} ${what} variances are negative (the first is ${shown(values[first] ?? NaN)}, at index ${first}); a variance is never below 0, nothing was written`,
      tensor,
    );
  }
}
