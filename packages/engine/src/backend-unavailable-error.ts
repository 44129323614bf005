/** The error of an explicitly requested backend that cannot start here. */
import { A2dError, type EngineBackend } from '@a2d/core';

/** A backend that was asked for by name but is not installed or cannot start; the message says how to install it. */
export class BackendUnavailableError extends A2dError {
  constructor(
    readonly backend: Exclude<EngineBackend, 'auto'>,
    readonly reason: string,
    readonly installHint: string,
  ) {
    super(`backend '${backend}' is not available: ${reason}\n${installHint}`);
  }
}
