/**
 * `BatchMatMul` for the wasm backend. wasm's own takes XNNPACK's matmul only for one untransposed pair
 * and otherwise runs a scalar loop about 15x slower; tfjs's matMul gradient uses transposed products, and
 * attention uses batched ones. Here transposed operands are copied row-major into the heap (a cache-blocked
 * loop), a right operand shared by every batch item lets the items stack into one product, and other batches
 * are one XNNPACK product per item on zero-copy views. Batch dimensions broadcast (NumPy rules).
 */
import { broadcast_util, util, type BatchMatMulAttrs, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';
import { matmulRowMajor } from './gemm';
import { HeapScope, type HeapBlock } from './heap-scope';
import { asWasmBackend, f32Region, heapTensor, kernelInputs } from './wasm-backend';

const name = 'BatchMatMul';

/** Side of the square tiles the transpose copies, so a tile's source rows and destination rows stay in L1. */
const TILE = 32;

/** dst[c * rows + r] = src[r * cols + c] for one [rows, cols] matrix at the given element offsets. */
function transposeMatrix(src: Float32Array, srcStart: number, rows: number, cols: number, dst: Float32Array, dstStart: number): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let c = c0; c < c1; c++) {
        let s = srcStart + r0 * cols + c;
        let d = dstStart + c * rows + r0;
        for (let r = r0; r < r1; r++) {
          dst[d++] = src[s];
          s += cols;
        }
      }
    }
  }
}

/** For each item of the broadcast batch `outShape`, the item of an operand with batch dimensions `shape` it reads. */
function broadcastItems(outShape: readonly number[], shape: readonly number[]): Int32Array {
  const count = util.sizeFromShape(outShape as number[]);
  const items = new Int32Array(count);
  const shift = outShape.length - shape.length;
  for (let i = 0; i < count; i++) {
    let rest = i;
    let item = 0;
    let stride = 1;
    for (let d = outShape.length - 1; d >= shift; d--) {
      const coord = rest % outShape[d];
      rest = Math.floor(rest / outShape[d]);
      const size = shape[d - shift];
      if (size !== 1) item += coord * stride;
      stride *= size;
    }
    items[i] = item;
  }
  return items;
}

/** One operand as row-major matrices: an id and float offset per item, in the heap (the tensor itself or a transposed copy). */
interface RowMajorOperand {
  id: number;
  offset: number;
}

/**
 * The operand's `count` items as row-major [rows, cols] matrices: the tensor itself when untransposed, else a
 * scratch block holding each item transposed (items stay in order, so they can stack into one product).
 */
function rowMajor(scope: HeapScope, tensor: { id: number; offset: number }, count: number, rows: number, cols: number, transposed: boolean): RowMajorOperand {
  if (!transposed) return tensor;
  const wasm = scope.backend.wasm;
  const size = count * rows * cols;
  const block: HeapBlock = scope.allocate(size);
  const src = f32Region(wasm, tensor.offset, size);
  const dst = f32Region(wasm, block.offset, size);
  // The stored item is [cols, rows]; its transpose is the [rows, cols] matrix the product needs.
  for (let i = 0; i < count; i++) transposeMatrix(src, i * rows * cols, cols, rows, dst, i * rows * cols);
  return { id: block.id, offset: block.offset };
}

function batchMatMul(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend, name);
  const { a, b } = kernelInputs(args.inputs, ['a', 'b'], name);
  const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error(`${name} (wasm): a and b must be float32, got ${a.dtype} and ${b.dtype}`);
  if (a.shape.length < 2 || b.shape.length < 2) throw new Error(`${name} (wasm): a and b must have rank >= 2, got [${a.shape}] and [${b.shape}]`);
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const m = transposeA ? a.shape[aRank - 1] : a.shape[aRank - 2];
  const k = transposeA ? a.shape[aRank - 2] : a.shape[aRank - 1];
  const kB = transposeB ? b.shape[bRank - 1] : b.shape[bRank - 2];
  const n = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  if (k !== kB) {
    throw new Error(`${name} (wasm): inner dimensions ${k} and ${kB} of a [${a.shape}] and b [${b.shape}] (transposeA=${transposeA}, transposeB=${transposeB}) must match`);
  }
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const outBatchShape = broadcast_util.assertAndGetBroadcastShape(aBatchShape, bBatchShape);
  const out = backend.makeOutput([...outBatchShape, m, n], 'float32');
  const batch = util.sizeFromShape(outBatchShape);
  if (batch * m * n === 0) return out;
  const outT = heapTensor(backend, out, name);
  if (k === 0) {
    f32Region(backend.wasm, outT.offset, batch * m * n).fill(0);
    return out;
  }
  const aCount = util.sizeFromShape(aBatchShape);
  const bCount = util.sizeFromShape(bBatchShape);
  const scope = new HeapScope(backend);
  try {
    // Every transpose first: the products may grow the heap, which would detach the views the loops use.
    const aRows = rowMajor(scope, heapTensor(backend, a, name), aCount, m, k, transposeA);
    const bRows = rowMajor(scope, heapTensor(backend, b, name), bCount, k, n, transposeB);
    if (bCount === 1) {
      // One right operand for all items (a dense layer on a batch of sequences): a's items stack into one
      // product. a then has every item (or there is one), in order.
      matmulRowMajor(backend.wasm, aRows.id, batch * m, k, bRows.id, n, outT.id);
      return out;
    }
    const aItems = broadcastItems(outBatchShape, aBatchShape);
    const bItems = broadcastItems(outBatchShape, bBatchShape);
    for (let i = 0; i < batch; i++) {
      // Fresh views per item: XNNPACK caches the packed right operand by id, so a reused id would reuse stale weights.
      const aView = scope.view(aRows.offset + aItems[i] * m * k, m * k);
      const bView = scope.view(bRows.offset + bItems[i] * k * n, k * n);
      const outView = scope.view(outT.offset + i * m * n, m * n);
      matmulRowMajor(backend.wasm, aView.id, m, k, bView.id, n, outView.id);
      scope.release(aView);
      scope.release(bView);
      scope.release(outView);
    }
    return out;
  } finally {
    scope.dispose();
  }
}

/** Registration of the wasm `BatchMatMul` kernel (overrides wasm's, which is scalar when transposed or batched). */
export const batchMatMulConfig: KernelConfig = {
  kernelName: name,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelConfig['kernelFunc'],
};
