/**
 * `Conv3DBackpropFilterV2` and `Conv3DBackpropInputV2` for the wasm backend (NDHWC), replacing wasm's
 * own, which give wrong results for strides above 1. The filter gradient is a transposed im2col
 * written into the heap per chunk of clips times dy's rows (XNNPACK matmul, as in 2D); the input
 * gradient is col2im: cols = dy x W^T (the transposed filter packed once for every chunk), then
 * each column row is added into the input positions it came from.
 */
import {
  backend_util,
  type Conv3DBackpropFilterV2Attrs,
  type Conv3DBackpropInputV2Attrs,
  type KernelConfig,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { validOutputRun } from './conv-geometry';
import { matmulRowMajor } from './gemm';
import { HeapScope } from './heap-scope';
import { columnFilterGradient } from './column-filter-gradient';
import { asWasmBackend, f32Region, heapTensor, int32Bytes, wasmCalls, kernelInputs } from './wasm-backend';

/** Upper bound on the elements of one column chunk of the input gradient (16 MiB of float32, as for the filter's). */
const CHUNK_ELEMENTS = 1 << 22;

type Conv3DInfo = ReturnType<typeof backend_util.computeConv3DInfo>;

function conv3dBackpropFilter(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const name = 'Conv3DBackpropFilterV2';
  const backend = asWasmBackend(args.backend, name);
  const { x, dy } = kernelInputs(args.inputs, ['x', 'dy'], name);
  const attrs = args.attrs as unknown as Conv3DBackpropFilterV2Attrs;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${name} (wasm): x and dy must be float32`);
  const info = backend_util.computeConv3DInfo(x.shape as [number, number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad);
  const out = backend.makeOutput(info.filterShape.slice(), 'float32');
  columnFilterGradient(
    backend,
    {
      batch: info.batchSize, inPositions: info.inDepth * info.inHeight * info.inWidth, inChannels: info.inChannels,
      outPositions: info.outDepth * info.outHeight * info.outWidth, outChannels: info.outChannels,
      rows: info.filterDepth * info.filterHeight * info.filterWidth * info.inChannels,
    },
    heapTensor(backend, x, name),
    heapTensor(backend, dy, name),
    heapTensor(backend, out, name),
    (xT, cols, n0, clips, width) => fillTransposedColumns3d(xT, cols, info, n0, clips, width),
  );
  return out;
}

/** cols[(kd,kh,kw,ci), (clip, od, oh, ow)] = x[n0 + clip, od*sd + kd - front, oh*sh + kh - top, ow*sw + kw - left, ci]. */
function fillTransposedColumns3d(xT: Float32Array, cols: Float32Array, info: Conv3DInfo, n0: number, clips: number, width: number): void {
  const { inDepth: D, inHeight: H, inWidth: W, inChannels: C, outDepth: OD, outHeight: OH, outWidth: OW } = info;
  const { strideDepth: sd, strideHeight: sh, strideWidth: sw, filterHeight: KH, filterWidth: KW } = info;
  const { front, top, left } = info.padInfo;
  for (let kd = 0; kd < info.filterDepth; kd++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const { first, end } = validOutputRun(W, OW, sw, kw, left);
        for (let c = 0; c < C; c++) {
          const rowBase = (((kd * KH + kh) * KW + kw) * C + c) * width;
          for (let f = 0; f < clips; f++) {
            const volume = ((n0 + f) * C + c) * D * H * W;
            for (let od = 0; od < OD; od++) {
              const iz = od * sd + kd - front;
              for (let oh = 0; oh < OH; oh++) {
                const dst = rowBase + ((f * OD + od) * OH + oh) * OW;
                const ih = oh * sh + kh - top;
                if (iz < 0 || iz >= D || ih < 0 || ih >= H) {
                  cols.fill(0, dst, dst + OW);
                  continue;
                }
                const src = volume + (iz * H + ih) * W + kw - left;
                for (let ow = 0; ow < first; ow++) cols[dst + ow] = 0;
                for (let ow = first; ow < end; ow++) cols[dst + ow] = xT[src + ow * sw];
                for (let ow = end; ow < OW; ow++) cols[dst + ow] = 0;
              }
            }
          }
        }
      }
    }
  }
}

function conv3dBackpropInput(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const name = 'Conv3DBackpropInputV2';
  const backend = asWasmBackend(args.backend, name);
  const { dy, filter } = kernelInputs(args.inputs, ['dy', 'filter'], name);
  const attrs = args.attrs as unknown as Conv3DBackpropInputV2Attrs;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') throw new Error(`${name} (wasm): dy and filter must be float32`);
  const info = backend_util.computeConv3DInfo(attrs.inputShape, filter.shape as [number, number, number, number, number], attrs.strides, 1, attrs.pad);
  const out = backend.makeOutput(attrs.inputShape.slice(), 'float32');
  const dyT = heapTensor(backend, dy, name);
  const filterT = heapTensor(backend, filter, name);
  const outT = heapTensor(backend, out, name);
  const wasm = backend.wasm;
  const scope = new HeapScope(backend);
  try {
    const { batchSize: N, inDepth: D, inHeight: H, inWidth: W, inChannels: C, outDepth: OD, outHeight: OH, outWidth: OW, outChannels: CO } = info;
    const taps = info.filterDepth * info.filterHeight * info.filterWidth;
    const rowLength = taps * C;
    const outVolume = OD * OH * OW;
    // W^T [CO, taps*C]: one id for every chunk, so XNNPACK packs it once.
    const filterT2 = scope.allocate(CO * rowLength);
    wasmCalls(wasm).transpose(filterT.id, int32Bytes([rowLength, CO]), 2, 0, filterT2.id, int32Bytes([1, 0]), 2);
    const positionsPerChunk = Math.max(1, Math.min(N * outVolume, Math.floor(CHUNK_ELEMENTS / rowLength)));
    const cols = scope.allocate(positionsPerChunk * rowLength);
    const dx = f32Region(wasm, outT.offset, N * D * H * W * C);
    dx.fill(0);
    const total = N * outVolume;
    for (let p0 = 0; p0 < total; p0 += positionsPerChunk) {
      const count = Math.min(positionsPerChunk, total - p0);
      const dyRows = scope.view(dyT.offset + p0 * CO, count * CO);
      matmulRowMajor(wasm, dyRows.id, count, CO, filterT2.id, rowLength, cols.id);
      scope.release(dyRows);
      scatterColumns3d(f32Region(wasm, cols.offset, count * rowLength), f32Region(wasm, outT.offset, N * D * H * W * C), info, p0, count);
    }
  } finally {
    scope.dispose();
  }
  return out;
}

/** dx[n, od*sd + kd - front, oh*sh + kh - top, ow*sw + kw - left, :] += cols[p, (kd,kh,kw), :] for positions p0..p0+count. */
function scatterColumns3d(cols: Float32Array, dx: Float32Array, info: Conv3DInfo, p0: number, count: number): void {
  const { inDepth: D, inHeight: H, inWidth: W, inChannels: C, outDepth: OD, outHeight: OH, outWidth: OW } = info;
  const { filterDepth: KD, filterHeight: KH, filterWidth: KW } = info;
  const { front, top, left } = info.padInfo;
  const rowLength = KD * KH * KW * C;
  for (let i = 0; i < count; i++) {
    const p = p0 + i;
    const ow = p % OW;
    const oh = Math.floor(p / OW) % OH;
    const od = Math.floor(p / (OW * OH)) % OD;
    const n = Math.floor(p / (OW * OH * OD));
    const row = i * rowLength;
    for (let kd = 0; kd < KD; kd++) {
      const iz = od * info.strideDepth + kd - front;
      if (iz < 0 || iz >= D) continue;
      for (let kh = 0; kh < KH; kh++) {
        const ih = oh * info.strideHeight + kh - top;
        if (ih < 0 || ih >= H) continue;
        for (let kw = 0; kw < KW; kw++) {
          const iw = ow * info.strideWidth + kw - left;
          if (iw < 0 || iw >= W) continue;
          const src = row + ((kd * KH + kh) * KW + kw) * C;
          const dst = (((n * D + iz) * H + ih) * W + iw) * C;
          for (let c = 0; c < C; c++) dx[dst + c] += cols[src + c];
        }
      }
    }
  }
}

/** Registration of the wasm `Conv3DBackpropFilterV2` kernel (overrides wasm's own). */
export const conv3dBackpropFilterConfig: KernelConfig = {
  kernelName: 'Conv3DBackpropFilterV2',
  backendName: 'wasm',
  kernelFunc: conv3dBackpropFilter as unknown as KernelConfig['kernelFunc'],
};

/** Registration of the wasm `Conv3DBackpropInputV2` kernel (overrides wasm's own). */
export const conv3dBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv3DBackpropInputV2',
  backendName: 'wasm',
  kernelFunc: conv3dBackpropInput as unknown as KernelConfig['kernelFunc'],
};
