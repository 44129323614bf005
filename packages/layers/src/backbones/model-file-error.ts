/** The typed error of saved-model files (model.json + weight shards). */
import { A2dError } from '@a2d/core';

/** A saved tfjs model that cannot be read: missing file, invalid model.json, short weight data. Names the file and, when known, the field. */
export class ModelFileError extends A2dError {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly field?: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${reason}`);
  }
}
