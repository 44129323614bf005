import { AugmentInputError } from './augment-input-error';
import { ClipBatchConverter, IMAGENET_NORMALIZATION, clipBatchToFloat } from './clip-batch';

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

  it('writes into a given buffer of the right size, and refuses one of another size', () => {
    const frames = Uint8Array.from({ length: 24 }, (_, i) => i * 10);
    const into = new Float32Array(24).fill(Number.NaN);
    expect(clipBatchToFloat(frames, [2, 1, 2, 2, 3], IMAGENET_NORMALIZATION, into)).toBe(into);
    expect(into).toEqual(clipBatchToFloat(frames, [2, 1, 2, 2, 3], IMAGENET_NORMALIZATION));
    expect(() => clipBatchToFloat(frames, [2, 1, 2, 2, 3], IMAGENET_NORMALIZATION, new Float32Array(23))).toThrow(/into: expected a Float32Array of 24 values/);
  });
});

describe('ClipBatchConverter', () => {
  it('reuses one buffer while the batch size holds, a new one when it changes (a detached one too)', () => {
    const converter = new ClipBatchConverter(IMAGENET_NORMALIZATION);
    const a = Uint8Array.from({ length: 12 }, (_, i) => i);
    const b = Uint8Array.from({ length: 12 }, (_, i) => 200 - i);
    const first = converter.convert(a, [1, 1, 2, 2, 3]);
    const expectedA = Array.from(clipBatchToFloat(a, [1, 1, 2, 2, 3], IMAGENET_NORMALIZATION));
    expect(Array.from(first)).toEqual(expectedA);
    const second = converter.convert(b, [1, 1, 2, 2, 3]);
    expect(second).toBe(first);
    expect(Array.from(second)).toEqual(Array.from(clipBatchToFloat(b, [1, 1, 2, 2, 3], IMAGENET_NORMALIZATION)));
    const wider = converter.convert(new Uint8Array(24), [2, 1, 2, 2, 3]);
    expect(wider).not.toBe(first);
    expect(wider).toHaveLength(24);
    structuredClone(wider.buffer, { transfer: [wider.buffer as ArrayBuffer] }); // handed to another thread: detached here
    expect(Array.from(converter.convert(new Uint8Array(24).fill(7), [2, 1, 2, 2, 3]))).toEqual(Array.from(clipBatchToFloat(new Uint8Array(24).fill(7), [2, 1, 2, 2, 3], IMAGENET_NORMALIZATION)));
  });
});
