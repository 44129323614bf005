/**
 * The one `@tensorflow/tfjs-backend-wasm` release our wasm kernels are written against. They call private C
 * functions of its binary (`BatchMatMul` with 9 arguments, `Conv2D` with 19, `Transpose` with 7) and read its
 * internal tensor map (see `wasm-backend.ts`); none of that is covered by semver and the signatures have changed
 * between releases before. So package.json pins the tfjs packages to exactly this version, and the kernels refuse
 * to register on any other one instead of passing wrong arguments into wasm memory. To upgrade: change this
 * constant and the pins together, after the engine's kernel tests pass on the new release.
 */
import { A2dError } from '@a2d/core';

/** The `@tensorflow/tfjs-backend-wasm` (and `@tensorflow/tfjs`) version the wasm training kernels support. */
export const SUPPORTED_TFJS_WASM_VERSION = '4.22.0';

/** An installed `@tensorflow/tfjs-backend-wasm` other than the one our kernels are written against. */
export class UnsupportedTfjsVersionError extends A2dError {
  constructor(
    readonly found: string,
    readonly expected: string,
  ) {
    super(
      `@tensorflow/tfjs-backend-wasm ${found} is installed, but the wasm training kernels of @a2d/engine need exactly ${expected} ` +
        `(they call its private C functions): reinstall the pinned version (npm ci), or pass --backend=cpu`,
    );
  }
}

/** Throws `UnsupportedTfjsVersionError` unless `found` is exactly `expected` (no ranges: a patch release may differ). */
export function assertSupportedTfjsWasmVersion(found: string, expected: string = SUPPORTED_TFJS_WASM_VERSION): void {
  if (found !== expected) throw new UnsupportedTfjsVersionError(found, expected);
}
