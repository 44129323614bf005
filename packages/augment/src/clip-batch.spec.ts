import { AugmentInputError } from './augment-input-error';
import { IMAGENET_NORMALIZATION, clipBatchToFloat } from './clip-batch';

describe('clipBatchToFloat', () => {
  it('normalises each channel as (byte / 255 - mean) / std', () => {
    const frames = Uint8Array.from([0, 128, 255, 255, 0, 51, 10, 20, 30, 40, 50, 60]);
    const out = clipBatchToFloat(frames, [2, 1, 1, 2, 3], { mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] });
    const expected = [...frames].map((v, i) => {
      const c = i % 3;
      return (v / 255 - [0.5, 0.25, 0][c]) / [0.5, 0.25, 2][c];
    });
    expect(out).toHaveLength(12);
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('maps the ImageNet mean colour to zero', () => {
    const mean = IMAGENET_NORMALIZATION.mean.map((m) => Math.round(m * 255));
    const out = clipBatchToFloat(Uint8Array.from(mean), [1, 1, 1, 1, 3], IMAGENET_NORMALIZATION);
    out.forEach((v) => expect(Math.abs(v)).toBeLessThan(0.01));
  });

  it('names the mismatch when the data does not fit the shape', () => {
    expect(() => clipBatchToFloat(new Uint8Array(10), [1, 1, 2, 2, 3], IMAGENET_NORMALIZATION)).toThrow(AugmentInputError);
    expect(() => clipBatchToFloat(new Uint8Array(13), [1, 1, 2, 2, 3], IMAGENET_NORMALIZATION)).toThrow(/frames: expected 12 bytes for \[1, 1, 2, 2, 3\], got 13/);
    expect(() => clipBatchToFloat(new Uint8Array(8), [1, 1, 2, 2, 2], IMAGENET_NORMALIZATION)).toThrow(/\[batch, frames, height, width, 3\]/);
  });
});
