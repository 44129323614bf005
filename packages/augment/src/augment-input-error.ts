/** The error for inputs an augmentation cannot take: wrong length, shape, box or label index. */
import { A2dError, type Clip } from '@a2d/core';

/** A clip, batch, box or label array that does not fit; names the argument and what was expected. */
export class AugmentInputError extends A2dError {
  constructor(
    readonly argument: string,
    readonly reason: string,
  ) {
    super(`${argument}: ${reason}`);
  }
}

/** Throws `AugmentInputError` unless the clip has positive dimensions and `T*H*W*3` bytes. */
export function assertClipShape(clip: Clip, argument = 'clip'): void {
  const { numFrames, height, width, data } = clip;
  for (const [name, value] of [
    ['numFrames', numFrames],
    ['height', height],
    ['width', width],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new AugmentInputError(argument, `${name} must be a positive integer, got ${value}`);
    }
  }
  const expected = numFrames * height * width * 3;
  if (data.length !== expected) {
    throw new AugmentInputError(
      argument,
      `expected ${expected} bytes for [${numFrames}, ${height}, ${width}, 3], got ${data.length}`,
    );
  }
}
