/**
 * Spec fixture: a one-convolution replica (filter [3, 3, 3, 4], stride 2, mean squared output) with plain SGD.
 * Its metrics report what ran the convolution in its thread: `nativeConv` (1 when the native kernel is registered
 * for `wasm`) and `nativeThreads` (the addon's oneDNN threads there, 0 without the addon).
 */
import path from 'node:path';
import { Rng } from '@a2d/core';
import * as tf from '@tensorflow/tfjs';
import { loadNativeAddon } from '../native/native-addon';
import { wasmKernelConfig } from '../wasm/training-kernels';
import type { BatchPayload, Replica, ReplicaSpec } from '../data-parallel/replica';

/** Options of the fixture replica. */
export interface ConvReplicaOptions {
  seed: string;
}

const filterShape: [number, number, number, number] = [3, 3, 3, 4];

function probe(): Record<string, number> {
  const native = tf.getKernel('Conv2D', 'wasm')?.kernelFunc !== wasmKernelConfig('Conv2D')?.kernelFunc;
  return { nativeConv: native ? 1 : 0, nativeThreads: loadNativeAddon().addon?.info().threads ?? 0 };
}

/** Builds the replica (filter drawn from `seed`). */
export function createReplica(options: ConvReplicaOptions): Replica {
  const rng = new Rng(options.seed);
  const values = Float32Array.from({ length: tf.util.sizeFromShape(filterShape) }, () => rng.normal());
  const filter = tf.tidy(() => tf.variable(tf.tensor4d(values, filterShape)));
  let metrics: Record<string, number> = {};
  return {
    variables: [filter],
    loss: (inputs) => {
      metrics = probe();
      return tf.mean(tf.square(tf.conv2d(inputs.x as tf.Tensor4D, filter as tf.Tensor4D, 2, 'same'))) as tf.Scalar;
    },
    lastMetrics: () => metrics,
    applyGradients: (gradients, learningRate) => {
      tf.tidy(() => filter.assign(tf.sub(filter, tf.mul(gradients[0], learningRate))));
    },
    getState: () => ({ tensors: { filter: { values: (filter.dataSync() as Float32Array).slice(), shape: filterShape.slice(), dtype: 'float32' } }, json: null }),
    setState: (state) => {
      const p = state.tensors.filter;
      if (!p || p.values.length !== filter.size) throw new Error('conv fixture: state has no filter of the right size');
      tf.tidy(() => filter.assign(tf.tensor(p.values, filterShape, 'float32')));
    },
    dispose: () => filter.dispose(),
  };
}

/** The spec a trainer needs to load this fixture. */
export function convReplicaSpec(options: ConvReplicaOptions): ReplicaSpec {
  return { module: path.join(__dirname, 'conv-replica.ts'), options };
}

/** A seeded batch for the fixture: `x` [examples, 9, 7, 3], standard normal. */
export function convBatch(examples: number, seed: string): BatchPayload {
  const rng = new Rng(seed);
  return { x: { values: Float32Array.from({ length: examples * 9 * 7 * 3 }, () => rng.normal()), shape: [examples, 9, 7, 3], dtype: 'float32' } };
}
