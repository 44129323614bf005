/** The error of a corrupt or truncated TensorBoard event file. */
import { A2dError } from '@a2d/core';

/** A bad record in an event file: names the file and the byte offset of the record. */
export class EventFileError extends A2dError {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${file}: byte ${offset}: ${reason}`);
  }
}
