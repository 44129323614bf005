/**
 * `Conv2DBackpropFilter` for the wasm backend (the weight gradient of a 2D convolution, NHWC):
 * dW[(kh,kw,ci), co] = sum over positions p of cols[p, (kh,kw,ci)] * dy[p, co].
 *
 * The transposed im2col is written straight into the heap one chunk of frames at a time, from a
 * channels-first copy of x so every write and read runs along a row; each chunk is one XNNPACK
 * matmul whose right operand is a zero-copy view of dy's rows. Chunks keep the packed dy slice in
 * cache (one huge K streams it from memory once per row tile) and bound the scratch memory.
 */
import { backend_util, type Conv2DBackpropFilterAttrs, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';
import { validOutputRun, type Conv2DGeometry } from './conv-geometry';
import { matmulRowMajor } from './gemm';
import { HeapScope } from './heap-scope';
import { asWasmBackend, f32Region, int32Bytes, wasmCalls, type WasmBackend, kernelInputs } from './wasm-backend';

/** Upper bound on the elements of one im2col chunk (16 MiB of float32). */
const CHUNK_ELEMENTS = 1 << 22;

/** Geometry of a 2D convolution's weight gradient (one image layout: NHWC). */
export type FilterGradientGeometry = Conv2DGeometry;

/**
 * Writes dW[filterHeight, filterWidth, inChannels, outChannels] into the heap block `outId` from x and dy
 * (C++ tensor ids and float offsets). Shared by the 2D kernel and, frame by frame, by other layouts.
 */
export function conv2dFilterGradient(backend: WasmBackend, g: FilterGradientGeometry, x: { id: number }, dy: { id: number; offset: number }, out: { id: number; offset: number }): void {
  const wasm = backend.wasm;
  const scope = new HeapScope(backend);
  try {
    const planeSize = g.inHeight * g.inWidth;
    const outPlane = g.outHeight * g.outWidth;
    const rows = g.filterHeight * g.filterWidth * g.inChannels;
    const framesPerChunk = Math.max(1, Math.min(g.batch, Math.floor(CHUNK_ELEMENTS / (rows * outPlane))));
    const maxCols = framesPerChunk * outPlane;

    // Channels-first copy of x: each (frame, channel) plane becomes contiguous rows.
    const xT = scope.allocate(g.batch * g.inChannels * planeSize);
    wasmCalls(wasm).transpose(x.id, int32Bytes([g.batch, planeSize, g.inChannels]), 3, 0, xT.id, int32Bytes([0, 2, 1]), 3);

    const cols = scope.allocate(rows * maxCols);
    const partial = scope.allocate(rows * g.outChannels);
    const colRuns = Array.from({ length: g.filterWidth }, (_, kw) => validOutputRun(g.inWidth, g.outWidth, g.strideWidth, kw, g.padLeft));

    for (let n0 = 0; n0 < g.batch; n0 += framesPerChunk) {
      const frames = Math.min(framesPerChunk, g.batch - n0);
      const width = frames * outPlane;
      fillTransposedColumns(f32Region(wasm, xT.offset, xT.size), f32Region(wasm, cols.offset, rows * width), g, n0, frames, width, colRuns);
      const dyRows = scope.view(dy.offset + n0 * outPlane * g.outChannels, width * g.outChannels);
      const first = n0 === 0;
      matmulRowMajor(wasm, cols.id, rows, width, dyRows.id, g.outChannels, first ? out.id : partial.id);
      scope.release(dyRows);
      if (!first) {
        const size = rows * g.outChannels;
        const total = f32Region(wasm, out.offset, size);
        const part = f32Region(wasm, partial.offset, size);
        for (let i = 0; i < size; i++) total[i] += part[i];
      }
    }
  } finally {
    scope.dispose();
  }
}

/** cols[(kh,kw,ci), (frame, oh, ow)] = x[n0 + frame, oh*sh + kh - padTop, ow*sw + kw - padLeft, ci], zero outside x. */
function fillTransposedColumns(
  xT: Float32Array,
  cols: Float32Array,
  g: FilterGradientGeometry,
  n0: number,
  frames: number,
  width: number,
  colRuns: readonly { first: number; end: number }[],
): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = g;
  for (let kh = 0; kh < g.filterHeight; kh++) {
    for (let kw = 0; kw < g.filterWidth; kw++) {
      const { first, end } = colRuns[kw];
      const shiftW = kw - g.padLeft;
      for (let c = 0; c < C; c++) {
        const rowBase = ((kh * g.filterWidth + kw) * C + c) * width;
        for (let f = 0; f < frames; f++) {
          const plane = ((n0 + f) * C + c) * H * W;
          for (let oh = 0; oh < OH; oh++) {
            const dst = rowBase + (f * OH + oh) * OW;
            const ih = oh * sh + kh - g.padTop;
            if (ih < 0 || ih >= H) {
              cols.fill(0, dst, dst + OW);
              continue;
            }
            const src = plane + ih * W + shiftW;
            for (let ow = 0; ow < first; ow++) cols[dst + ow] = 0;
            if (sw === 1) {
              for (let ow = first; ow < end; ow++) cols[dst + ow] = xT[src + ow];
            } else {
              for (let ow = first; ow < end; ow++) cols[dst + ow] = xT[src + ow * sw];
            }
            for (let ow = end; ow < OW; ow++) cols[dst + ow] = 0;
          }
        }
      }
    }
  }
}

function conv2dBackpropFilter(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend, 'Conv2DBackpropFilter');
  const { x, dy } = kernelInputs(args.inputs, ['x', 'dy'], 'Conv2DBackpropFilter');
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const format = backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (format !== 'channelsLast') throw new Error(`Conv2DBackpropFilter (wasm): dataFormat ${attrs.dataFormat} is not supported, use NHWC`);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('Conv2DBackpropFilter (wasm): x and dy must be float32');
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, format,
  );
  const out = backend.makeOutput(info.filterShape, 'float32');
  const xData = backend.dataIdMap.get(x.dataId);
  const dyData = backend.dataIdMap.get(dy.dataId);
  const outData = backend.dataIdMap.get(out.dataId);
  if (!xData || !dyData || !outData) throw new Error('Conv2DBackpropFilter (wasm): tensor data not found on the wasm backend');
  conv2dFilterGradient(
    backend,
    {
      batch: info.batchSize, inHeight: info.inHeight, inWidth: info.inWidth, inChannels: info.inChannels,
      outHeight: info.outHeight, outWidth: info.outWidth, outChannels: info.outChannels,
      filterHeight: info.filterHeight, filterWidth: info.filterWidth, strideHeight: info.strideHeight, strideWidth: info.strideWidth,
      padTop: info.padInfo.top, padLeft: info.padInfo.left,
    },
    { id: xData.id },
    { id: dyData.id, offset: dyData.memoryOffset >>> 2 },
    { id: outData.id, offset: outData.memoryOffset >>> 2 },
  );
  return out;
}

/** Registration of the wasm `Conv2DBackpropFilter` kernel. */
export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelConfig['kernelFunc'],
};
