/**
 * Spec support for convolution gradients: a weight-gradient and an input-gradient kernel run on the same
 * seeded x, filter and dy, on cpu (the reference) and on wasm, with the wasm run's leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { normalValues, relativeError, valuesOn, wasmLeaksOf, type WasmLeaks } from './backend-pair';

/** Padding of a 2D convolution case: a tfjs mode or explicit NHWC pairs. */
export type Conv2DCasePad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

/** One NHWC 2D convolution to test the gradients of (filter [fh, fw, ci, co], or [fh, fw, channels, multiplier] for depthwise). */
export interface Conv2DCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: [number, number];
  pad: Conv2DCasePad;
}

/** The case as a test label; also the seed of its values, so a label names the exact data it ran on. */
export function describeConv2DCase(c: Conv2DCase): string {
  return `x ${c.x.join('x')} filter ${c.filter.join('x')} strides ${c.strides.join(',')} pad ${JSON.stringify(c.pad)}`;
}

/** The two gradient kernels of one convolution and the shapes and attributes they are called with. */
export interface BackpropKernelPair {
  /** Kernel taking `{ x, dy }` and attribute `filterShape`. */
  filterKernel: string;
  /** Kernel taking `{ dy, filter }` and attribute `inputShape`. */
  inputKernel: string;
  xShape: number[];
  filterShape: number[];
  dyShape: number[];
  /** Attributes both kernels take (strides, padding, layout). */
  attrs: tf.NamedAttrMap;
}

/** The `Conv2DBackpropFilter` / `Conv2DBackpropInput` pair of case `c`. */
export function conv2dBackpropPair(c: Conv2DCase): BackpropKernelPair {
  return {
    filterKernel: 'Conv2DBackpropFilter',
    inputKernel: 'Conv2DBackpropInput',
    xShape: c.x,
    filterShape: c.filter,
    dyShape: tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad).outShape,
    attrs: { strides: c.strides, pad: c.pad, dataFormat: 'NHWC' },
  };
}

/** The depthwise gradient pair of case `c` (filter [fh, fw, channels, multiplier]). */
export function depthwiseBackpropPair(c: Conv2DCase): BackpropKernelPair {
  return {
    filterKernel: 'DepthwiseConv2dNativeBackpropFilter',
    inputKernel: 'DepthwiseConv2dNativeBackpropInput',
    xShape: c.x,
    filterShape: c.filter,
    dyShape: tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad, undefined, true).outShape,
    attrs: { strides: c.strides, pad: c.pad, dilations: [1, 1] },
  };
}

/** Relative errors of wasm against cpu for each gradient, and what the wasm run left allocated. */
export interface BackpropPairComparison {
  filterError: number;
  inputError: number;
  leaks: WasmLeaks;
}

/** Runs both kernels of `pair` on standard-normal x, filter and dy drawn (in that order) from `new Rng(seed)`. */
export async function compareBackpropPair(seed: string, pair: BackpropKernelPair): Promise<BackpropPairComparison> {
  const rng = new Rng(seed);
  const xValues = normalValues(rng, tf.util.sizeFromShape(pair.xShape));
  const filterValues = normalValues(rng, tf.util.sizeFromShape(pair.filterShape));
  const dyValues = normalValues(rng, tf.util.sizeFromShape(pair.dyShape));
  const kernels = () => {
    const x = tf.tensor(xValues, pair.xShape);
    const filter = tf.tensor(filterValues, pair.filterShape);
    const dy = tf.tensor(dyValues, pair.dyShape);
    return [
      tf.engine().runKernel(pair.filterKernel, { x, dy }, { ...pair.attrs, filterShape: pair.filterShape }) as tf.Tensor,
      tf.engine().runKernel(pair.inputKernel, { dy, filter }, { ...pair.attrs, inputShape: pair.xShape }) as tf.Tensor,
    ];
  };
  const expected = await valuesOn('cpu', kernels);
  const actual = await valuesOn('wasm', kernels);
  return {
    filterError: relativeError(actual[0], expected[0]),
    inputError: relativeError(actual[1], expected[1]),
    leaks: await wasmLeaksOf(kernels),
  };
}
