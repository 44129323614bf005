/**
 * `DepthwiseConv2dNativeBackpropFilter` and `DepthwiseConv2dNativeBackpropInput` for the wasm backend
 * (NHWC, channel multiplier M, dilation 1 as tfjs's gradients require). A depthwise convolution does
 * a few multiply-adds per element, so these are single passes over the heap with the channel loop
 * innermost (contiguous in NHWC); the filter gradient accumulates in float64 because each weight sums
 * over every output position.
 */
import {
  backend_util,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  type KernelConfig,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { validOutputRun } from './conv-geometry';
import { asWasmBackend, tensorRegion, kernelInputs } from './wasm-backend';

type DepthwiseInfo = ReturnType<typeof backend_util.computeConv2DInfo>;

function depthwiseInfo(kernelName: string, xShape: number[], filterShape: number[], attrs: DepthwiseConv2dNativeBackpropFilterAttrs | DepthwiseConv2dNativeBackpropInputAttrs): DepthwiseInfo {
  const dilations = typeof attrs.dilations === 'number' ? [attrs.dilations, attrs.dilations] : attrs.dilations;
  if (dilations.some((d) => d !== 1)) throw new Error(`${kernelName} (wasm): dilations ${JSON.stringify(attrs.dilations)} are not supported, expected 1`);
  return backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, true,
  );
}

function depthwiseBackpropFilter(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const name = 'DepthwiseConv2dNativeBackpropFilter';
  const backend = asWasmBackend(args.backend, name);
  const { x, dy } = kernelInputs(args.inputs, ['x', 'dy'], name);
  const attrs = args.attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${name} (wasm): x and dy must be float32`);
  const info = depthwiseInfo(name, x.shape, attrs.filterShape, attrs);
  const out = backend.makeOutput(info.filterShape.slice(), 'float32');
  const xs = tensorRegion(backend, x, name);
  const dys = tensorRegion(backend, dy, name);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CM } = info;
  const M = CM / C;
  const KW = info.filterWidth;
  const acc = new Float64Array(info.filterHeight * KW * CM);
  const colRuns = Array.from({ length: KW }, (_, kw) => validOutputRun(W, OW, info.strideWidth, kw, info.padInfo.left));
  for (let kh = 0; kh < info.filterHeight; kh++) {
    const rows = validOutputRun(H, OH, info.strideHeight, kh, info.padInfo.top);
    for (let kw = 0; kw < KW; kw++) {
      const cols = colRuns[kw];
      const tap = (kh * KW + kw) * CM;
      for (let n = 0; n < N; n++) {
        for (let oh = rows.first; oh < rows.end; oh++) {
          const ih = oh * info.strideHeight + kh - info.padInfo.top;
          for (let ow = cols.first; ow < cols.end; ow++) {
            const iw = ow * info.strideWidth + kw - info.padInfo.left;
            const xb = ((n * H + ih) * W + iw) * C;
            const db = ((n * OH + oh) * OW + ow) * CM;
            if (M === 1) {
              for (let c = 0; c < C; c++) acc[tap + c] += xs[xb + c] * dys[db + c];
            } else {
              for (let c = 0; c < C; c++) {
                const xv = xs[xb + c];
                for (let m = 0; m < M; m++) acc[tap + c * M + m] += xv * dys[db + c * M + m];
              }
            }
          }
        }
      }
    }
  }
  tensorRegion(backend, out, name).set(acc);
  return out;
}

function depthwiseBackpropInput(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const name = 'DepthwiseConv2dNativeBackpropInput';
  const backend = asWasmBackend(args.backend, name);
  const { dy, filter } = kernelInputs(args.inputs, ['dy', 'filter'], name);
  const attrs = args.attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') throw new Error(`${name} (wasm): dy and filter must be float32`);
  const info = depthwiseInfo(name, attrs.inputShape, filter.shape, attrs);
  const out = backend.makeOutput(attrs.inputShape.slice(), 'float32');
  const dys = tensorRegion(backend, dy, name);
  const ws = tensorRegion(backend, filter, name);
  const dxs = tensorRegion(backend, out, name);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: CM } = info;
  const M = CM / C;
  const KW = info.filterWidth;
  dxs.fill(0);
  const colRuns = Array.from({ length: KW }, (_, kw) => validOutputRun(W, OW, info.strideWidth, kw, info.padInfo.left));
  for (let n = 0; n < N; n++) {
    for (let kh = 0; kh < info.filterHeight; kh++) {
      const rows = validOutputRun(H, OH, info.strideHeight, kh, info.padInfo.top);
      for (let oh = rows.first; oh < rows.end; oh++) {
        const ih = oh * info.strideHeight + kh - info.padInfo.top;
        for (let kw = 0; kw < KW; kw++) {
          const cols = colRuns[kw];
          const wb = (kh * KW + kw) * CM;
          for (let ow = cols.first; ow < cols.end; ow++) {
            const iw = ow * info.strideWidth + kw - info.padInfo.left;
            const xb = ((n * H + ih) * W + iw) * C;
            const db = ((n * OH + oh) * OW + ow) * CM;
            if (M === 1) {
              for (let c = 0; c < C; c++) dxs[xb + c] += dys[db + c] * ws[wb + c];
            } else {
              for (let c = 0; c < C; c++) {
                let sum = 0;
                for (let m = 0; m < M; m++) sum += dys[db + c * M + m] * ws[wb + c * M + m];
                dxs[xb + c] += sum;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/** Registration of the wasm `DepthwiseConv2dNativeBackpropFilter` kernel. */
export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter as unknown as KernelConfig['kernelFunc'],
};

/** Registration of the wasm `DepthwiseConv2dNativeBackpropInput` kernel. */
export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput as unknown as KernelConfig['kernelFunc'],
};
