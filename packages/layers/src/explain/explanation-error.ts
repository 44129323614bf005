/** Misuse of the explanation functions: a clip of the wrong shape or a class index out of range. */
import { A2dError } from '@a2d/core';

/** Names the offending argument and what was expected, like `TwoStepModelError`. */
export class ExplanationError extends A2dError {
  constructor(
    readonly argument: string,
    readonly reason: string,
  ) {
    super(`${argument}: ${reason}`);
  }
}
