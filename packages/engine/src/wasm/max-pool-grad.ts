/**
 * `MaxPoolGrad` for the wasm backend (NHWC), replacing wasm's per-element loop. Each output position
 * finds, per channel, the first maximum of its window (the cpu backend's rule) with the channel loop
 * innermost, then adds dy there.
 */
import { backend_util, type KernelConfig, type MaxPoolGradAttrs, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';
import { asWasmBackend, f32Region, kernelInputs } from './wasm-backend';

function maxPoolGrad(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const name = 'MaxPoolGrad';
  const backend = asWasmBackend(args.backend, name);
  const { dy, input } = kernelInputs(args.inputs, ['dy', 'input'], name);
  const attrs = args.attrs as unknown as MaxPoolGradAttrs;
  if (dy.dtype !== 'float32' || input.dtype !== 'float32') throw new Error(`${name} (wasm): dy and input must be float32`);
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, filterHeight: FH, filterWidth: FW } = info;
  const dx = backend.makeOutput(input.shape.slice(), 'float32');
  const xData = backend.dataIdMap.get(input.dataId);
  const dyData = backend.dataIdMap.get(dy.dataId);
  const dxData = backend.dataIdMap.get(dx.dataId);
  if (!xData || !dyData || !dxData) throw new Error(`${name} (wasm): tensor data not found on the wasm backend`);
  const xs = f32Region(backend.wasm, xData.memoryOffset >>> 2, N * H * W * C);
  const dys = f32Region(backend.wasm, dyData.memoryOffset >>> 2, N * OH * OW * C);
  const dxs = f32Region(backend.wasm, dxData.memoryOffset >>> 2, N * H * W * C);
  dxs.fill(0);
  scatterToMaxima(xs, dys, dxs, N, H, W, C, OH, OW, FH, FW, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
  return dx;
}

/** dx[argmax of each window, per channel] += dy (first maximum in row-major window order). */
function scatterToMaxima(
  xs: Float32Array, dys: Float32Array, dxs: Float32Array, N: number, H: number, W: number, C: number, OH: number, OW: number,
  FH: number, FW: number, sh: number, sw: number, padTop: number, padLeft: number,
): void {
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  let dyBase = 0;
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      const top = oh * sh - padTop;
      const rowStart = top < 0 ? 0 : top;
      const rowEnd = top + FH > H ? H : top + FH;
      for (let ow = 0; ow < OW; ow++, dyBase += C) {
        const left = ow * sw - padLeft;
        const colStart = left < 0 ? 0 : left;
        const colEnd = left + FW > W ? W : left + FW;
        best.fill(-Infinity);
        where.fill(-1);
        for (let ih = rowStart; ih < rowEnd; ih++) {
          for (let iw = colStart; iw < colEnd; iw++) {
            const base = ((n * H + ih) * W + iw) * C;
            for (let c = 0; c < C; c++) {
              const v = xs[base + c];
              if (v > best[c]) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < C; c++) {
          const at = where[c];
          if (at >= 0) dxs[at] += dys[dyBase + c];
        }
      }
    }
  }
}

/** Registration of the wasm `MaxPoolGrad` kernel (overrides wasm's own). */
export const maxPoolGradConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as KernelConfig['kernelFunc'],
};
