/** The error of a predictions CSV with bad rows: every problem of the file, as `file:line: field: reason`. */
import { DatasetError } from '@a2d/core';

/** One problem found in a predictions CSV. */
export interface PredictionsCsvIssue {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  /** A column name (`true_action`), `header`, or `row` for problems of the whole line. */
  field: string;
  reason: string;
}

/** How many problems a `PredictionsCsvError` message lists before summarising the rest. */
export const MAX_LISTED_PREDICTION_ISSUES = 20;

/**
 * A predictions CSV with one or more bad rows. The message starts with the first problem as
 * `file:line: field: reason`; the others follow, one per line, up to `maxListed`.
 */
export class PredictionsCsvError extends DatasetError {
  constructor(
    file: string,
    readonly issues: readonly PredictionsCsvIssue[],
    maxListed = MAX_LISTED_PREDICTION_ISSUES,
  ) {
    const [first] = issues;
    super(file, first.reason, first.line, first.field);
    const listed = issues.slice(1, Math.max(1, maxListed)).map((i) => `  ${file}:${i.line}: ${i.field}: ${i.reason}`);
    const hidden = issues.length - 1 - listed.length;
    if (hidden > 0) listed.push(`  ... and ${hidden} more (${issues.length} problems in all)`);
    if (listed.length > 0) this.message = [this.message, ...listed].join('\n');
  }
}
