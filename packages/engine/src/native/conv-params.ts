/**
 * The geometry of one tfjs convolution as the addon's Int32Array (the `Param` enum of native/src/conv.cc), from
 * the same `backend_util.computeConv2DInfo` the wasm and cpu kernels use, so padding and output sizes are tfjs's.
 */
import type { backend_util } from '@tensorflow/tfjs';

/** tfjs fused activations oneDNN runs as a post-op, by tfjs's name, with the addon's code (prelu is not one: wasm runs it). */
export const nativeActivationCodes: Readonly<Record<string, number>> = { linear: 0, relu: 1, relu6: 2, elu: 3, leakyrelu: 4, sigmoid: 5 };

/**
 * Where the convolution operands live while oneDNN runs: `plain` = in tfjs's layout, in place in the heap (no
 * copies); `blocked-weights` = the filter reordered each call into the layout oneDNN's direct kernels prefer;
 * `blocked` = every operand reordered (activations too). See conv-bench.ts for what each costs.
 */
export type NativeConvLayout = 'plain' | 'blocked-weights' | 'blocked';

const layoutCodes: Record<NativeConvLayout, number> = { plain: 0, 'blocked-weights': 1, blocked: 2 };

// conv-bench.ts, the 33 convolution passes of the ResNet-18 stack on 8 frames of 112x112 (AMD EPYC, 2 cores): plain
// 118 ms, blocked-weights 80 ms, blocked 104 ms (wasm: 468 ms). The filter reorder pays for itself; activations' do not.
let currentLayout: NativeConvLayout = 'blocked-weights';

/** Chooses the layout policy of every later native convolution in this thread (a tuning knob for benches). */
export function setNativeConvLayout(layout: NativeConvLayout): void {
  currentLayout = layout;
}

/** The layout policy in effect. */
export function nativeConvLayout(): NativeConvLayout {
  return currentLayout;
}

const paramCount = 21;

/** Extra settings of one call: groups (1, or the input channels for depthwise), the fused activation code, a bias. */
export interface ConvCallOptions {
  groups: number;
  activation?: number;
  hasBias?: boolean;
}

/**
 * The params of `info`, or undefined when oneDNN cannot express it (an empty tensor, or a padding whose output
 * size oneDNN would compute differently): the caller then runs the wasm kernel.
 */
export function convParams(info: backend_util.Conv2DInfo, options: ConvCallOptions): Int32Array | undefined {
  const sizes = [info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels, info.filterHeight, info.filterWidth];
  if (sizes.some((size) => !(size > 0))) return undefined;
  const padBottom = consistentPadAfter(info.inHeight, info.outHeight, info.filterHeight, info.strideHeight, info.dilationHeight, info.padInfo.top, info.padInfo.bottom);
  const padRight = consistentPadAfter(info.inWidth, info.outWidth, info.filterWidth, info.strideWidth, info.dilationWidth, info.padInfo.left, info.padInfo.right);
  if (padBottom === undefined || padRight === undefined || info.padInfo.top < 0 || info.padInfo.left < 0) return undefined;
  const params = new Int32Array(paramCount);
  params.set([
    ...sizes, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    info.padInfo.top, info.padInfo.left, padBottom, padRight,
    options.groups, options.activation ?? 0, layoutCodes[currentLayout], options.hasBias ? 1 : 0,
  ]);
  return params;
}

/**
 * oneDNN derives the output size as floor((in + before + after - span) / stride) + 1. tfjs's explicit padding
 * with a rounding mode, or 'same' with a stride larger than the filter, can give a different `after` for the same
 * output; zero padding beyond the last tap changes nothing, so take the smallest `after` that gives tfjs's size.
 */
function consistentPadAfter(inSize: number, outSize: number, filter: number, stride: number, dilation: number, before: number, after: number): number | undefined {
  const span = (filter - 1) * dilation + 1;
  const outOf = (pad: number) => Math.floor((inSize + before + pad - span) / stride) + 1;
  if (after >= 0 && outOf(after) === outSize) return after;
  const needed = (outSize - 1) * stride + span - inSize - before;
  return needed >= 0 && outOf(needed) === outSize ? needed : undefined;
}
