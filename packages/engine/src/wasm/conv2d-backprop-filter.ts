/**
 * `Conv2DBackpropFilter` for the wasm backend (the weight gradient of a 2D convolution, NHWC):
 * dW[(kh,kw,ci), co] = sum over positions p of cols[p, (kh,kw,ci)] * dy[p, co], as a chunked
 * transposed-im2col product (see `columnFilterGradient`) whose columns this file lays out.
 */
import { backend_util, type Conv2DBackpropFilterAttrs, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';
import { columnFilterGradient } from './column-filter-gradient';
import { conv2dGeometry, validOutputRun, type Conv2DGeometry } from './conv-geometry';
import { asWasmBackend, heapTensor, type WasmBackend, kernelInputs } from './wasm-backend';

/** Geometry of a 2D convolution's weight gradient (one image layout: NHWC). */
export type FilterGradientGeometry = Conv2DGeometry;

/**
 * Writes dW[filterHeight, filterWidth, inChannels, outChannels] into the heap block `outId` from x and dy
 * (C++ tensor ids and float offsets). Shared by the 2D kernel and, frame by frame, by other layouts.
 */
export function conv2dFilterGradient(backend: WasmBackend, g: FilterGradientGeometry, x: { id: number }, dy: { id: number; offset: number }, out: { id: number; offset: number }): void {
  const colRuns = Array.from({ length: g.filterWidth }, (_, kw) => validOutputRun(g.inWidth, g.outWidth, g.strideWidth, kw, g.padLeft));
  columnFilterGradient(
    backend,
    {
      batch: g.batch, inPositions: g.inHeight * g.inWidth, inChannels: g.inChannels,
      outPositions: g.outHeight * g.outWidth, outChannels: g.outChannels, rows: g.filterHeight * g.filterWidth * g.inChannels,
    },
    x,
    dy,
    out,
    (xT, cols, n0, frames, width) => fillTransposedColumns(xT, cols, g, n0, frames, width, colRuns),
  );
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
  const xT = heapTensor(backend, x, 'Conv2DBackpropFilter');
  const dyT = heapTensor(backend, dy, 'Conv2DBackpropFilter');
  const outT = heapTensor(backend, out, 'Conv2DBackpropFilter');
  conv2dFilterGradient(backend, conv2dGeometry(info), xT, dyT, outT);
  return out;
}

/** Registration of the wasm `Conv2DBackpropFilter` kernel. */
export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelConfig['kernelFunc'],
};
