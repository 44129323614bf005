/**
 * Relative-position attention bias (Shaw et al. 2018, with T5's scalar-per-head form): every head learns one
 * logit offset per relative distance j - i, distances clipped to [-maxDistance, maxDistance].
 */
import { tf } from '@a2d/engine';

/** Columns of the bias table: one per clipped distance -maxDistance..maxDistance. */
export function relativeBiasTableWidth(maxDistance: number): number {
  return 2 * maxDistance + 1;
}

/** Table column of the pair (query i, key j) for every pair of a `length`-token sequence, row-major [i][j]. */
export function relativePositionIndices(length: number, maxDistance: number): Int32Array {
  const indices = new Int32Array(length * length);
  for (let i = 0; i < length; i++) {
    for (let j = 0; j < length; j++) {
      const clipped = Math.max(-maxDistance, Math.min(maxDistance, j - i));
      indices[i * length + j] = clipped + maxDistance;
    }
  }
  return indices;
}

/**
 * The bias `[heads, length, length]` that `table [heads, 2 * maxDistance + 1]` gives a `length`-token sequence.
 * A one-hot matmul rather than a gather, so its gradient needs no scatter kernel on any backend.
 */
export function relativePositionBias(table: tf.Tensor, length: number, maxDistance: number): tf.Tensor3D {
  const width = relativeBiasTableWidth(maxDistance);
  const numHeads = table.shape[0];
  const oneHot = new Float32Array(length * length * width);
  relativePositionIndices(length, maxDistance).forEach((column, pair) => {
    oneHot[pair * width + column] = 1;
  });
  const perPair = tf.matMul(tf.tensor2d(oneHot, [length * length, width]), table as tf.Tensor2D, false, true);
  return tf.reshape(tf.transpose(perPair), [numHeads, length, length]);
}
