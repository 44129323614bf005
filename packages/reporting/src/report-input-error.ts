/** The error for plot and report inputs that cannot be drawn, and the zod check that raises it at the boundary. */
import { A2dError } from '@a2d/core';
import type { z } from 'zod';

/** A plot or report input that is empty or malformed; `argument` names the offending field path. */
export class ReportInputError extends A2dError {
  constructor(
    readonly argument: string,
    readonly reason: string,
  ) {
    super(`${argument}: ${reason}`);
  }
}

/** Parses `value` with `schema`; the first problem becomes a `ReportInputError` naming `argument.path.to.field`. */
export function parseReportInput<Schema extends z.ZodType>(schema: Schema, value: unknown, argument: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = [argument, ...issue.path.map(String)].join('.');
  throw new ReportInputError(where, issue.message);
}
