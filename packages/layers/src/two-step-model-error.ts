/** Misuse of a `TwoStepModel`: a wrong input shape or value, or a saved model that is not a two-step checkpoint. */
import { A2dError } from '@a2d/core';

/** Names what was given (`argument` or checkpoint field) and what was expected. */
export class TwoStepModelError extends A2dError {
  constructor(
    readonly argument: string,
    readonly reason: string,
  ) {
    super(`${argument}: ${reason}`);
  }
}
