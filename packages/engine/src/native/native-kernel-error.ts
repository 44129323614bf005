/** The error of a native (oneDNN) kernel call that failed after it was given the work. */
import { A2dError } from '@a2d/core';

/** A native kernel failed (oneDNN refused the geometry, or a region fell outside the heap); names the kernel. */
export class NativeKernelError extends A2dError {
  constructor(
    readonly kernelName: string,
    readonly reason: string,
  ) {
    super(`${kernelName} (native): ${reason}`);
  }
}
