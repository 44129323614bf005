/** The typed error of pretrained-weight files and imports: names the file (and the tensor, where one is at fault) and what was wrong or expected. */
import { A2dError } from '@a2d/core';

/** A weights file that cannot be read or imported (bad format, poisoned values, missing tensors, a partial load that was not forced). */
export class PretrainedImportError extends A2dError {
  constructor(
    readonly file: string,
    readonly reason: string,
    /** The tensor (as the file names it) the reason is about, when it is about one. */
    readonly tensor?: string,
  ) {
    super(`${file}: ${tensor === undefined ? '' : `tensor ${JSON.stringify(tensor)}: `}${reason}`);
  }
}
