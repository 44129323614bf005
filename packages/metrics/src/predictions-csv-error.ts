/** The error of a predictions CSV with bad rows: every problem of the file, as `file:line: field: reason`. */
import { DatasetRowsError, MAX_LISTED_ROW_ISSUES, type RowIssue } from '@a2d/core';

/** One problem found in a predictions CSV (`field`: a column name such as `true_action`, `header`, or `row`). */
export type PredictionsCsvIssue = RowIssue;

/** How many problems a `PredictionsCsvError` message lists before summarising the rest. */
export const MAX_LISTED_PREDICTION_ISSUES = MAX_LISTED_ROW_ISSUES;

/** A predictions CSV with one or more bad rows (every problem listed, see `DatasetRowsError`). */
export class PredictionsCsvError extends DatasetRowsError {}
