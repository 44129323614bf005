/**
 * `Conv2DBackpropInput` for the wasm backend (the input gradient of a 2D convolution, NHWC), replacing
 * wasm's own scalar loop. A stride-s transposed convolution splits into s*s phases; each phase is a
 * stride-1 forward convolution of dy with a reversed subset of the taps, run by XNNPACK, and its
 * output is interleaved into dx. With stride 1 there is one phase and it writes dx directly.
 */
import { backend_util, type Conv2DBackpropInputAttrs, type KernelConfig, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs';
import { conv2dGeometry, transposedConvPhase, type TransposedConvPhase, type Conv2DGeometry } from './conv-geometry';
import { HeapScope } from './heap-scope';
import { asWasmBackend, f32Region, heapTensor, wasmCalls, type WasmBackend, kernelInputs } from './wasm-backend';

/** Geometry of a 2D convolution's input gradient (NHWC). */
export type InputGradientGeometry = Conv2DGeometry;

/** Writes dx[batch, inHeight, inWidth, inChannels] into the heap tensor `dx` from dy and the filter [fh, fw, ci, co]. */
export function conv2dInputGradient(
  backend: WasmBackend,
  g: InputGradientGeometry,
  dy: { id: number },
  filter: { offset: number; size: number },
  dx: { id: number; offset: number },
): void {
  const wasm = backend.wasm;
  const scope = new HeapScope(backend);
  try {
    const rowPhases: TransposedConvPhase[] = [];
    const colPhases: TransposedConvPhase[] = [];
    for (let r = 0; r < g.strideHeight; r++) rowPhases.push(transposedConvPhase(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.padTop, r));
    for (let r = 0; r < g.strideWidth; r++) colPhases.push(transposedConvPhase(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.padLeft, r));
    const dxSize = g.batch * g.inHeight * g.inWidth * g.inChannels;
    const everyPhaseHasTaps = rowPhases.every((p) => p.taps > 0 || p.count === 0) && colPhases.every((p) => p.taps > 0 || p.count === 0);
    if (!everyPhaseHasTaps) f32Region(wasm, dx.offset, dxSize).fill(0);

    for (let rh = 0; rh < g.strideHeight; rh++) {
      const ph = rowPhases[rh];
      if (ph.taps === 0) continue;
      for (let rw = 0; rw < g.strideWidth; rw++) {
        const pw = colPhases[rw];
        if (pw.taps === 0) continue;
        const filterBlock = scope.allocate(ph.taps * pw.taps * g.outChannels * g.inChannels);
        writePhaseFilter(f32Region(wasm, filter.offset, filter.size), f32Region(wasm, filterBlock.offset, filterBlock.size), g, ph, pw);
        const direct = g.strideHeight === 1 && g.strideWidth === 1 && ph.crop === 0 && pw.crop === 0 && ph.outSize === g.inHeight && pw.outSize === g.inWidth;
        const phaseOut = direct ? undefined : scope.allocate(g.batch * ph.outSize * pw.outSize * g.inChannels);
        wasmCalls(wasm).conv2d(
          dy.id, g.batch, g.outHeight, g.outWidth, filterBlock.id, ph.taps, pw.taps,
          ph.padBefore, pw.padAfter, ph.padAfter, pw.padBefore, 0, 1, 1, 1, 1, g.outChannels, g.inChannels, (phaseOut ?? dx).id,
        );
        scope.release(filterBlock);
        if (phaseOut) {
          interleavePhase(f32Region(wasm, phaseOut.offset, phaseOut.size), f32Region(wasm, dx.offset, dxSize), g, rh, rw, ph, pw);
          scope.release(phaseOut);
        }
      }
    }
  } finally {
    scope.dispose();
  }
}

/** phaseFilter[mh, mw, co, ci] = filter[firstTap_h + sh*(taps_h-1-mh), firstTap_w + sw*(taps_w-1-mw), ci, co]. */
function writePhaseFilter(filter: Float32Array, out: Float32Array, g: InputGradientGeometry, ph: TransposedConvPhase, pw: TransposedConvPhase): void {
  const ci = g.inChannels;
  const co = g.outChannels;
  let o = 0;
  for (let mh = 0; mh < ph.taps; mh++) {
    const kh = ph.firstTap + g.strideHeight * (ph.taps - 1 - mh);
    for (let mw = 0; mw < pw.taps; mw++) {
      const kw = pw.firstTap + g.strideWidth * (pw.taps - 1 - mw);
      const tap = (kh * g.filterWidth + kw) * ci * co;
      for (let c2 = 0; c2 < co; c2++) {
        for (let c1 = 0; c1 < ci; c1++) out[o + c1] = filter[tap + c1 * co + c2];
        o += ci;
      }
    }
  }
}

/** dx[n, sh*q + rh, sw*u + rw, :] = phaseOut[n, q + crop_h, u + crop_w, :]. */
function interleavePhase(
  src: Float32Array,
  dx: Float32Array,
  g: InputGradientGeometry,
  rh: number,
  rw: number,
  ph: TransposedConvPhase,
  pw: TransposedConvPhase,
): void {
  const c = g.inChannels;
  const rowStride = g.inWidth * c;
  for (let n = 0; n < g.batch; n++) {
    for (let q = 0; q < ph.count; q++) {
      let from = ((n * ph.outSize + q + ph.crop) * pw.outSize + pw.crop) * c;
      let to = (n * g.inHeight + g.strideHeight * q + rh) * rowStride + rw * c;
      const step = g.strideWidth * c;
      for (let u = 0; u < pw.count; u++) {
        for (let k = 0; k < c; k++) dx[to + k] = src[from + k];
        from += c;
        to += step;
      }
    }
  }
}

function conv2dBackpropInput(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = asWasmBackend(args.backend, 'Conv2DBackpropInput');
  const { dy, filter } = kernelInputs(args.inputs, ['dy', 'filter'], 'Conv2DBackpropInput');
  const attrs = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const format = backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (format !== 'channelsLast') throw new Error(`Conv2DBackpropInput (wasm): dataFormat ${attrs.dataFormat} is not supported, use NHWC`);
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') throw new Error('Conv2DBackpropInput (wasm): dy and filter must be float32');
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, format,
  );
  const out = backend.makeOutput(attrs.inputShape.slice(), 'float32');
  const dyT = heapTensor(backend, dy, 'Conv2DBackpropInput');
  const filterT = heapTensor(backend, filter, 'Conv2DBackpropInput');
  const outT = heapTensor(backend, out, 'Conv2DBackpropInput');
  conv2dInputGradient(backend, conv2dGeometry(info), dyT, { offset: filterT.offset, size: filter.shape.reduce((a, b) => a * b, 1) }, outT);
  return out;
}

/** Registration of the wasm `Conv2DBackpropInput` kernel (overrides wasm's own). */
export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as unknown as KernelConfig['kernelFunc'],
};
