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
 * Converts uint8 RGB to `(byte / 255 - mean) / std` per channel. A lookup table per channel replaces the
 * arithmetic, since a byte has only 256 values per channel. `into`, when given, receives the values (it must have
 * exactly the batch's element count) and is returned: a caller converting batch after batch reuses one buffer, where
 * a fresh 10 MB array per batch costs more in allocation and garbage collection than the conversion itself.
 */
export function clipBatchToFloat(frames: Uint8Array, shape: ClipBatchShape, normalization: ChannelNormalization, into?: Float32Array): Float32Array {
  const count = batchElementCount(shape);
  if (frames.length !== count) {
    throw new AugmentInputError('frames', `expected ${count} bytes for [${shape.join(', ')}], got ${frames.length}`);
  }
  if (into !== undefined && into.length !== count) {
    throw new AugmentInputError('into', `expected a Float32Array of ${count} values for [${shape.join(', ')}], got ${into.length}`);
  }
  const { mean, std } = normalization;
  if (!std.every((s) => s > 0)) throw new AugmentInputError('normalization.std', `expected positive values, got [${std.join(', ')}]`);
  const [red, green, blue] = [0, 1, 2].map((channel) => Float32Array.from({ length: 256 }, (_, value) => (value / 255 - mean[channel]) / std[channel]));
  const out = into ?? new Float32Array(count);
  for (let i = 0; i < count; i += 3) {
    out[i] = red[frames[i]];
    out[i + 1] = green[frames[i + 1]];
    out[i + 2] = blue[frames[i + 2]];
  }
  return out;
}

/**
 * `clipBatchToFloat` into a buffer kept between calls (reallocated when the batch size changes). Each result is
 * valid until the next call: for callers that copy the values (into a tensor) before converting the next batch.
 */
export class ClipBatchConverter {
  private buffer = new Float32Array(0);

  constructor(readonly normalization: ChannelNormalization) {}

  /** The batch as floats, in the converter's buffer. */
  convert(frames: Uint8Array, shape: ClipBatchShape): Float32Array {
    const count = batchElementCount(shape);
    if (this.buffer.length !== count) this.buffer = new Float32Array(count);
    return clipBatchToFloat(frames, shape, this.normalization, this.buffer);
  }
}
