/**
 * Matrix products through the wasm binary's XNNPACK fully-connected path, the only fast matmul it has:
 * unbatched and untransposed, with the right operand packed once per tensor id.
 */
import { int32Bytes, wasmCalls, type WasmRuntime } from './wasm-backend';

/** out[m, n] = a[m, k] x b[k, n] for row-major operands held under C++ tensor ids. */
export function matmulRowMajor(wasm: WasmRuntime, aId: number, m: number, k: number, bId: number, n: number, outId: number): void {
  wasmCalls(wasm).batchMatMul(aId, int32Bytes([1, m, k]), 3, bId, int32Bytes([1, k, n]), 3, false, false, outId);
}
