/** The typed error of pretrained-weight files and imports: names the file and what was wrong or expected. */
import { A2dError } from '@a2d/core';

/** A weights file that cannot be read or imported (bad format, missing tensors, a partial load that was not forced). */
export class PretrainedImportError extends A2dError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}
