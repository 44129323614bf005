/** A checkpoint that cannot be used: missing, incomplete, failing its checksums, or from another run. */
import { A2dError } from '@a2d/core';

/** Names the checkpoint folder and, when known, the file and what is wrong with it. */
export class CheckpointError extends A2dError {
  constructor(
    readonly dir: string,
    readonly reason: string,
    readonly file?: string,
  ) {
    super(`checkpoint ${dir}: ${file ? `${file}: ` : ''}${reason}`);
  }
}
