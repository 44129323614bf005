/** A batch of clips as the model reads it: float, normalised, laid out `[B, T, H, W, 3]`. */
import { IMAGENET_INPUT_NORMALIZATION } from '@a2d/core';
import { AugmentInputError } from './augment-input-error';

/** `[batch, frames, height, width, channels]`; channels is always 3 (RGB). */
export type ClipBatchShape = readonly [number, number, number, number, number];

/** Per-channel mean and standard deviation in [0, 1] units (applied to `byte / 255`); `model.inputNormalization`. */
export interface ChannelNormalization {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** The ImageNet statistics most pretrained backbones expect (the config's default). */
export const IMAGENET_NORMALIZATION: ChannelNormalization = IMAGENET_INPUT_NORMALIZATION;

/** Elements in a batch of `shape`; throws `AugmentInputError` unless it is five positive integers ending in 3. */
export function batchElementCount(shape: ClipBatchShape, argument = 'shape'): number {
  if (shape.length !== 5 || !shape.every((n) => Number.isInteger(n) && n > 0) || shape[4] !== 3) {
    throw new AugmentInputError(argument, `expected [batch, frames, height, width, 3] of positive integers, got [${shape.join(', ')}]`);
  }
  return shape[0] * shape[1] * shape[2] * shape[3] * shape[4];
}

/**
 * Converts uint8 RGB to `(byte / 255 - mean) / std` per channel. A 768-entry lookup table replaces
 * the arithmetic, since a byte has only 256 values per channel.
 */
export function clipBatchToFloat(frames: Uint8Array, shape: ClipBatchShape, normalization: ChannelNormalization): Float32Array {
  const count = batchElementCount(shape);
  if (frames.length !== count) {
    throw new AugmentInputError('frames', `expected ${count} bytes for [${shape.join(', ')}], got ${frames.length}`);
  }
  const { mean, std } = normalization;
  if (!std.every((s) => s > 0)) throw new AugmentInputError('normalization.std', `expected positive values, got [${std.join(', ')}]`);
  const table = new Float32Array(768);
  for (let channel = 0; channel < 3; channel++) {
    for (let value = 0; value < 256; value++) table[channel * 256 + value] = (value / 255 - mean[channel]) / std[channel];
  }
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 3) {
    out[i] = table[frames[i]];
    out[i + 1] = table[256 + frames[i + 1]];
    out[i + 2] = table[512 + frames[i + 2]];
  }
  return out;
}
