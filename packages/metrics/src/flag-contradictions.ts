/**
 * Rows of a predictions CSV whose `action_correct` / `actor_correct` flags disagree with the label columns. The
 * A2D reference file has exactly this defect: its `pred_actor` column is a copy of `true_actor` while the
 * `actor_correct` flags are right, so reading the columns alone gives 100% actor accuracy.
 */
import type { PredictionRow } from './predictions-csv';

/** Rows of one head (action or actor) whose flag disagrees with its columns. */
export interface HeadContradictions {
  /** 1-based file lines (row positions + 2 when a row has no line), in file order. */
  lines: number[];
  /** Whether the predicted column equals the true column on every row of the file (a copied column). */
  predictedCopiesTrue: boolean;
}

/** Flag / column disagreements of a whole file. */
export interface FlagContradictions {
  rows: number;
  action: HeadContradictions;
  actor: HeadContradictions;
}

/** Finds the rows whose correctness flags contradict their label columns. */
export function findFlagContradictions(rows: readonly PredictionRow[]): FlagContradictions {
  const lineOf = (row: PredictionRow, index: number): number => row.line ?? index + 2;
  const head = (same: (row: PredictionRow) => boolean, flag: (row: PredictionRow) => boolean): HeadContradictions => ({
    lines: rows.flatMap((row, index) => (flag(row) !== same(row) ? [lineOf(row, index)] : [])),
    predictedCopiesTrue: rows.length > 0 && rows.every(same),
  });
  return {
    rows: rows.length,
    action: head(
      (row) => row.trueAction === row.predAction,
      (row) => row.actionCorrect,
    ),
    actor: head(
      (row) => row.trueActor === row.predActor,
      (row) => row.actorCorrect,
    ),
  };
}
