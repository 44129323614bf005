/** The error for tensors or arrays a loss cannot take: wrong rank, shape, length or value. */
import { A2dError } from '@a2d/core';

/** A loss argument that does not fit; names the argument, what was expected and what came. */
export class LossInputError extends A2dError {
  constructor(
    readonly argument: string,
    readonly reason: string,
  ) {
    super(`${argument}: ${reason}`);
  }
}
