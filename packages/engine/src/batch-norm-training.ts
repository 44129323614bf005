/**
 * Batch normalization with batch statistics (training mode) and a fused gradient. tfjs's own
 * (`moments` + `batchNorm`) differentiates through a tiled FusedBatchNorm gradient and the mean and
 * squared-difference gradients; this computes the same values with the closed-form gradient:
 * one statistics pass and two backward passes on wasm, a handful of broadcast ops elsewhere.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormGradKernelName, channelMomentsKernelName } from './wasm/batch-norm-kernels';

/** The normalized output and the batch statistics (for running averages; they carry no gradient). */
export interface BatchNormTrainingResult<T extends tf.Tensor> {
  y: T;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
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

/**
 * Normalizes `x` ([..., C]) over every axis but the last with the batch's own mean and (biased)
 * variance, then scales and shifts: `scale * (x - mean) / sqrt(variance + epsilon) + offset`.
 * Differentiable in x, scale and offset, with tfjs's values (checked against tfjs in the specs).
 */
export function batchNormTraining<T extends tf.Tensor>(x: T, scale: tf.Tensor1D, offset: tf.Tensor1D, epsilon = 1e-5): BatchNormTrainingResult<T> {
  const { mean, variance } = channelMoments(x);
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    // mean and variance are saved too: unsaved intermediates are disposed before the backward pass.
    save([input, gamma, mean, variance]);
    return {
      value: tf.batchNorm(input, mean, variance, beta as tf.Tensor1D, gamma as tf.Tensor1D, epsilon),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [savedX, savedScale, savedMean, savedVariance] = saved;
        return backward(savedX, dy as tf.Tensor, savedMean as tf.Tensor1D, savedVariance as tf.Tensor1D, savedScale as tf.Tensor1D, epsilon);
      },
    };
  });
  return { y: normalize(x, scale, offset) as T, mean, variance };
}
