/**
 * Batch normalization with batch statistics (training mode) and a fused gradient. tfjs's own
 * (`moments` + `batchNorm`) differentiates through a tiled FusedBatchNorm gradient and the mean and
 * squared-difference gradients; this computes the same values with the closed-form gradient:
 * one statistics pass and two backward passes on wasm, a handful of broadcast ops elsewhere.
 *
 * Inside a data-parallel step of several replicas (`activeBatchStatisticsReducer`) the statistics are the whole
 * batch's, as PyTorch's SyncBatchNorm: the forward all-reduces each channel's (count, mean, M2), the backward
 * sum(dy) and sum(dy * xhat), so the function trained does not depend on the number of workers.
 */
import * as tf from '@tensorflow/tfjs';
import { activeBatchStatisticsReducer, type BatchStatisticsReducer } from './data-parallel/batch-statistics-reducer';
import { batchNormGradKernelName, channelMomentsKernelName, channelSums, wasmChannelSums } from './wasm/batch-norm-kernels';

/** The normalized output and the batch statistics (for running averages; they carry no gradient). */
export interface BatchNormTrainingResult<T extends tf.Tensor> {
  y: T;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  /** Values per channel behind `mean` and `variance`: every replica's together when synchronised (for the unbiased variance). */
  count: number;
}

function fusedKernelsAvailable(): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(channelMomentsKernelName, 'wasm') !== undefined;
}

function channelMoments(x: tf.Tensor): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  if (fusedKernelsAvailable()) {
    const [mean, variance] = tf.engine().runKernel(channelMomentsKernelName, { x }) as tf.Tensor[];
    return { mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  return tf.tidy(() => {
    const mean = tf.mean(x, axes) as tf.Tensor1D;
    const variance = tf.mean(tf.squaredDifference(x, mean), axes) as tf.Tensor1D;
    return { mean, variance };
  });
}

function backward(x: tf.Tensor, dy: tf.Tensor, mean: tf.Tensor1D, variance: tf.Tensor1D, scale: tf.Tensor1D, epsilon: number): tf.Tensor[] {
  if (fusedKernelsAvailable()) {
    return tf.engine().runKernel(batchNormGradKernelName, { x, dy, mean, variance, scale }, { varianceEpsilon: epsilon }) as tf.Tensor[];
  }
  return tf.tidy(() => {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const count = x.size / x.shape[x.shape.length - 1];
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(x, mean), rstd);
    const dOffset = tf.sum(dy, axes);
    const dScale = tf.sum(tf.mul(dy, xhat), axes);
    const centered = tf.sub(tf.sub(dy, tf.div(dOffset, count)), tf.mul(xhat, tf.div(dScale, count)));
    return [tf.mul(centered, tf.mul(scale, rstd)), dScale, dOffset];
  });
}

/** Rows of `x` [..., C]: the values behind each channel's statistics. */
function rowsOf(x: tf.Tensor): number {
  return x.size / x.shape[x.shape.length - 1];
}

/**
 * The whole batch's moments: this replica's count, mean and M2 (sum of squared deviations), in float64, all-reduced
 * with the other replicas' (Chan et al.'s combination, the same in every replica). Float64 matters: combining the
 * float32 moments of the kernel instead moves the 1-vs-2-replica losses of a tiny classifier apart 5x more.
 */
function synchronizedMoments(x: tf.Tensor, reducer: BatchStatisticsReducer): { mean: tf.Tensor1D; variance: tf.Tensor1D; count: number } {
  const rows = rowsOf(x);
  const { sum, sumSquares } = tf.getBackend() === 'wasm' ? wasmChannelSums(tf.backend(), x) : channelSums(x.dataSync(), x.shape[x.shape.length - 1]);
  const mean = sum.map((s) => s / rows);
  // Biased variance = M2 / rows; M2 = sum(x^2) - sum(x)^2 / rows is exact enough in float64 for float32 data.
  const variance = sumSquares.map((s, c) => Math.max(0, s / rows - mean[c] * mean[c]));
  const reduced = reducer.reduceMoments({ count: rows, mean, variance });
  return { mean: tf.tensor1d(Float32Array.from(reduced.mean)), variance: tf.tensor1d(Float32Array.from(reduced.variance)), count: reduced.count };
}

/** Per channel [sum(dy * xhat), sum(dy)] over this tensor's rows: the local scale and offset gradients. */
function gradientSums(x: tf.Tensor, dy: tf.Tensor, mean: tf.Tensor1D, variance: tf.Tensor1D, epsilon: number): [tf.Tensor1D, tf.Tensor1D] {
  if (fusedKernelsAvailable()) {
    return tf.engine().runKernel(batchNormGradKernelName, { x, dy, mean, variance }, { varianceEpsilon: epsilon, phase: 'sums' }) as [tf.Tensor1D, tf.Tensor1D];
  }
  return tf.tidy(() => {
    const axes = x.shape.slice(0, -1).map((_, i) => i);
    const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
    return [tf.sum(tf.mul(dy, xhat), axes) as tf.Tensor1D, tf.sum(dy, axes) as tf.Tensor1D];
  });
}

/** dx = scale * rstd * (dy - meanDy - xhat * meanDyXhat), with the given per-channel means. */
function inputGradient(x: tf.Tensor, dy: tf.Tensor, mean: tf.Tensor1D, variance: tf.Tensor1D, scale: tf.Tensor1D, meanDy: tf.Tensor1D, meanDyXhat: tf.Tensor1D, epsilon: number): tf.Tensor {
  if (fusedKernelsAvailable()) {
    const [dx] = tf.engine().runKernel(batchNormGradKernelName, { x, dy, mean, variance, scale, meanDy, meanDyXhat }, { varianceEpsilon: epsilon, phase: 'input' }) as tf.Tensor[];
    return dx;
  }
  return tf.tidy(() => {
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(x, mean), rstd);
    return tf.mul(tf.sub(tf.sub(dy, meanDy), tf.mul(xhat, meanDyXhat)), tf.mul(scale, rstd));
  });
}

/**
 * The gradient on one replica's rows of a synchronised batch norm. Replica s holds c_s of the C rows and n_s of the
 * N examples (c_s / C = n_s / N: every example has the same shape); dy_s, what reaches this layer's output there, is
 * the gradient of its shard's mean loss L_s. The trainer applies sum_s (n_s / N) g_s, the gradient of the batch's
 * mean loss L = sum_s (c_s / C) L_s, so dL/dy = (c_s / C) dy_s on replica s's rows, and on replica r's rows
 *   dL/dx = scale * rstd * (dL/dy - sum_all(dL/dy) / C - xhat * sum_all(dL/dy * xhat) / C)
 * is c_r / C times
 *   dx_r = scale * rstd * (dy_r - A / (C c_r) - xhat * B / (C c_r)),
 *   A = sum_s c_s * (sum of dy_s over s's rows),  B = sum_s c_s * (sum of dy_s * xhat over s's rows).
 * The trainer's weight n_r / N = c_r / C turns dx_r back into dL/dx, so every gradient upstream equals the
 * single-process one. A and B are what the replicas all-reduce, each adding its own sums times c_s; with equal
 * shards A / (C c_r) = sum_all(dy) / C, PyTorch's SyncBatchNorm. dScale and dOffset stay this shard's sums: the
 * trainer's weighted mean of them is the batch's.
 */
function synchronizedBackward(x: tf.Tensor, dy: tf.Tensor, mean: tf.Tensor1D, variance: tf.Tensor1D, scale: tf.Tensor1D, epsilon: number, reducer: BatchStatisticsReducer): tf.Tensor[] {
  const rows = rowsOf(x);
  const [dScale, dOffset] = gradientSums(x, dy, mean, variance, epsilon);
  const sumDy = dOffset.dataSync();
  const sumDyXhat = dScale.dataSync();
  const reduced = reducer.reduceSums(
    rows,
    Float64Array.from(sumDy, (v) => v * rows),
    Float64Array.from(sumDyXhat, (v) => v * rows),
  );
  const divisor = reduced.count * rows;
  const meanDy = tf.tensor1d(Float32Array.from(reduced.first, (v) => v / divisor));
  const meanDyXhat = tf.tensor1d(Float32Array.from(reduced.second, (v) => v / divisor));
  const dx = inputGradient(x, dy, mean, variance, scale, meanDy, meanDyXhat, epsilon);
  tf.dispose([meanDy, meanDyXhat]);
  return [dx, dScale, dOffset];
}

/**
 * Normalizes `x` ([..., C]) over every axis but the last with the batch's own mean and (biased)
 * variance, then scales and shifts: `scale * (x - mean) / sqrt(variance + epsilon) + offset`.
 * Differentiable in x, scale and offset, with tfjs's values (checked against tfjs in the specs). Inside a
 * synchronised data-parallel step "the batch" is every replica's shard together (see the file comment).
 */
export function batchNormTraining<T extends tf.Tensor>(x: T, scale: tf.Tensor1D, offset: tf.Tensor1D, epsilon = 1e-5): BatchNormTrainingResult<T> {
  // Taken once: the backward pass of this call reduces with the same replicas as its forward pass.
  const reducer = activeBatchStatisticsReducer();
  const { mean, variance, count } = reducer ? synchronizedMoments(x, reducer) : { ...channelMoments(x), count: rowsOf(x) };
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    // mean and variance are saved too: unsaved intermediates are disposed before the backward pass.
    save([input, gamma, mean, variance]);
    return {
      value: tf.batchNorm(input, mean, variance, beta as tf.Tensor1D, gamma as tf.Tensor1D, epsilon),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [savedX, savedScale, savedMean, savedVariance] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        return reducer
          ? synchronizedBackward(savedX, dy as tf.Tensor, savedMean, savedVariance, savedScale, epsilon, reducer)
          : backward(savedX, dy as tf.Tensor, savedMean, savedVariance, savedScale, epsilon);
      },
    };
  });
  return { y: normalize(x, scale, offset) as T, mean, variance, count };
}
