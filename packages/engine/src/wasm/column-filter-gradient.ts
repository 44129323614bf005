/**
 * The weight gradient of a convolution of any rank as a transposed-im2col product, shared by the 2D and 3D
 * kernels: dW[(taps, ci), co] = sum over positions p of cols[(taps, ci), p] * dy[p, co].
 *
 * x is first copied channels-first so that each (item, channel) plane is contiguous; the columns are then
 * written into the heap one chunk of batch items at a time, and each chunk is one XNNPACK matmul whose
 * right operand is a zero-copy view of dy's rows. Chunks keep the packed dy slice in cache (one huge K
 * streams it from memory once per row tile) and bound the scratch memory.
 */
import { matmulRowMajor } from './gemm';
import { HeapScope } from './heap-scope';
import { f32Region, int32Bytes, wasmCalls, type WasmBackend } from './wasm-backend';

/** Upper bound on the elements of one column chunk (16 MiB of float32). */
const CHUNK_ELEMENTS = 1 << 22;

/** Sizes of a weight gradient's column product; an item is one frame (2D) or one clip (3D). */
export interface ColumnProductShape {
  batch: number;
  /** Input positions of one item (H*W, D*H*W) and x's channels. */
  inPositions: number;
  inChannels: number;
  /** Output positions of one item and dy's channels. */
  outPositions: number;
  outChannels: number;
  /** Rows of the column matrix: filter taps times inChannels. */
  rows: number;
}

/**
 * Writes cols[rows, width] for the items n0..n0+items from `xT`, x channels-first ([batch, inChannels, inPositions]);
 * `width` is items * outPositions. Called once per chunk, so its loops stay the kernel's own.
 */
export type ColumnFill = (xT: Float32Array, cols: Float32Array, n0: number, items: number, width: number) => void;

/**
 * Writes dW[rows, outChannels] into the heap block `out` from x (C++ tensor id, channels last) and dy
 * (float offset, [batch * outPositions, outChannels]), with `fillColumns` laying out each chunk's columns.
 */
export function columnFilterGradient(
  backend: WasmBackend,
  shape: ColumnProductShape,
  x: { id: number },
  dy: { offset: number },
  out: { id: number; offset: number },
  fillColumns: ColumnFill,
): void {
  const wasm = backend.wasm;
  const scope = new HeapScope(backend);
  try {
    const { batch, inPositions, inChannels, outPositions, outChannels, rows } = shape;
    const itemsPerChunk = Math.max(1, Math.min(batch, Math.floor(CHUNK_ELEMENTS / (rows * outPositions))));
    const xT = scope.allocate(batch * inChannels * inPositions);
    wasmCalls(wasm).transpose(x.id, int32Bytes([batch, inPositions, inChannels]), 3, 0, xT.id, int32Bytes([0, 2, 1]), 3);
    const cols = scope.allocate(rows * itemsPerChunk * outPositions);
    const partial = scope.allocate(rows * outChannels);
    for (let n0 = 0; n0 < batch; n0 += itemsPerChunk) {
      const items = Math.min(itemsPerChunk, batch - n0);
      const width = items * outPositions;
      fillColumns(f32Region(wasm, xT.offset, xT.size), f32Region(wasm, cols.offset, rows * width), n0, items, width);
      const dyRows = scope.view(dy.offset + n0 * outPositions * outChannels, width * outChannels);
      const first = n0 === 0;
      matmulRowMajor(wasm, cols.id, rows, width, dyRows.id, outChannels, first ? out.id : partial.id);
      scope.release(dyRows);
      if (!first) {
        const size = rows * outChannels;
        const total = f32Region(wasm, out.offset, size);
        const part = f32Region(wasm, partial.offset, size);
        for (let i = 0; i < size; i++) total[i] += part[i];
      }
    }
  } finally {
    scope.dispose();
  }
}
