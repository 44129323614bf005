/** The error of metric inputs that break the contract (bad samples, an invalid metrics object to write). */
import { A2dError } from '@a2d/core';
import type { z } from 'zod';

/** One problem: a dotted path into the input (`batch.3.trueAction`) and what is wrong there. */
export interface MetricsInputIssue {
  path: string;
  message: string;
}

/** Dotted path of a zod issue (`action_report.per_class.2.precision`), `(root)` for the whole value. */
export function issuePath(path: readonly PropertyKey[], prefix = ''): string {
  const joined = [prefix, ...path.map(String)].filter((part) => part !== '').join('.');
  return joined === '' ? '(root)' : joined;
}

/** The issues of a zod error, with paths under `prefix`. */
export function zodIssues(error: z.ZodError, prefix = ''): MetricsInputIssue[] {
  return error.issues.map((issue) => ({ path: issuePath(issue.path, prefix), message: issue.message }));
}

/** Metric inputs that break the contract; lists every problem, one per line. */
export class MetricsInputError extends A2dError {
  constructor(
    readonly context: string,
    readonly issues: readonly MetricsInputIssue[],
  ) {
    super(`${context}:\n${issues.map((issue) => `  ${issue.path}: ${issue.message}`).join('\n')}`);
  }
}
