/**
 * `BatchMatMul` on oneDNN's matmul: transposed operands are read through strides (no copies) and an operand with
 * one item serves every item. Batch shapes that broadcast any other way (e.g. [2, 1] against [1, 3]) go to the
 * wasm kernel, as do empty products.
 */
import { broadcast_util, util, type BatchMatMulAttrs, type TensorInfo } from '@tensorflow/tfjs';
import { allFloat32, withOutput, type NativeKernel, type NativeKernelArgs } from './native-kernel';

/** Whether `batchShape` (left-padded with 1s) is `outBatch` itself or a single item. */
function itemsAlign(batchShape: number[], outBatch: number[]): boolean {
  const padded = [...new Array<number>(outBatch.length - batchShape.length).fill(1), ...batchShape];
  return util.sizeFromShape(batchShape) === 1 || util.arraysEqual(padded, outBatch);
}

const int32Max = 2 ** 31 - 1;

function batchMatMul({ inputs, attrs, backend, addon }: NativeKernelArgs): TensorInfo | undefined {
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
  if (!a || !b || !allFloat32(a, b) || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const [aRank, bRank] = [a.shape.length, b.shape.length];
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const kB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  if (k !== kB || m * n * k === 0) return undefined; // the wasm kernel names the mismatch, or fills zeros
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  let outBatch: number[];
  try {
    outBatch = broadcast_util.assertAndGetBroadcastShape(aBatch, bBatch);
  } catch {
    return undefined;
  }
  if (!itemsAlign(aBatch, outBatch) || !itemsAlign(bBatch, outBatch)) return undefined;
  const items = util.sizeFromShape(outBatch);
  if (items === 0) return undefined;
  let aItems = util.sizeFromShape(aBatch);
  const bItems = util.sizeFromShape(bBatch);
  // One right operand for every item of an untransposed left one: the items stack into one [items * m, k] product.
  const stacked = bItems === 1 && aItems > 1 && !transposeA;
  const rows = stacked ? aItems * m : m;
  if (stacked) aItems = 1;
  if ([aItems, bItems, rows, k, n].some((v) => v > int32Max)) return undefined;
  const params = Int32Array.from([aItems, stacked ? 1 : bItems, rows, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0]);
  return withOutput(backend, 'BatchMatMul', [...outBatch, m, n], (heap, offset, out) => addon.batchMatMul(heap, params, offset(a), offset(b), out));
}

/** The native `BatchMatMul`. */
export const nativeBatchMatMul: NativeKernel = { kernelName: 'BatchMatMul', run: batchMatMul };
