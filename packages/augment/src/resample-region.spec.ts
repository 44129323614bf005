import { createClip, type Clip } from '@a2d/core';
import { AugmentInputError } from './augment-input-error';
import { resampleRegion } from './resample-region';

/** Every channel of pixel (y, x) in frame t holds `2x + 3y + t` (fits a byte for small frames). */
function gradientClip(numFrames: number, height: number, width: number): Clip {
  const clip = createClip(numFrames, height, width);
  for (let t = 0; t < numFrames; t++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) clip.data.fill(2 * x + 3 * y + t, ((t * height + y) * width + x) * 3, ((t * height + y) * width + x) * 3 + 3);
    }
  }
  return clip;
}

function pixel(clip: Clip, t: number, y: number, x: number): number {
  return clip.data[((t * clip.height + y) * clip.width + x) * 3];
}

describe('resampleRegion', () => {
  it('copies a whole-pixel box exactly when the output has the box size', () => {
    const clip = gradientClip(2, 20, 30);
    const out = resampleRegion(clip, { top: 3, left: 5, height: 10, width: 12 }, 10, 12);
    expect([out.numFrames, out.height, out.width]).toEqual([2, 10, 12]);
    for (let t = 0; t < 2; t++) {
      for (let y = 0; y < 10; y++) {
        for (let x = 0; x < 12; x++) expect(pixel(out, t, y, x)).toBe(2 * (x + 5) + 3 * (y + 3) + t);
      }
    }
  });

  it('gives the bilinear loop\'s bytes, channel by channel, where it copies (the default 112 x 112 test view of 128 x 160)', () => {
    const clip = createClip(3, 128, 160);
    let state = 12345;
    for (let i = 0; i < clip.data.length; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      clip.data[i] = state >>> 24;
    }
    const copied = resampleRegion(clip, { top: 8, left: 24, height: 112, width: 112 }, 112, 112);
    // A box a hair off the pixel grid takes the bilinear loop; its weights round away.
    const interpolated = resampleRegion(clip, { top: 8 + 1e-9, left: 24 + 1e-9, height: 112, width: 112 }, 112, 112);
    expect(Buffer.from(copied.data).equals(Buffer.from(interpolated.data))).toBe(true);
  });

  it('samples a linear gradient at pixel centres when scaling (known values away from the frame edge)', () => {
    const clip = gradientClip(1, 40, 40);
    // Box 20x20 at (10, 8) scaled to 10x10: output pixel i reads source 8 + 2i + 0.5 (columns), 10 + 2i + 0.5 (rows).
    const out = resampleRegion(clip, { top: 10, left: 8, height: 20, width: 20 }, 10, 10);
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 10; x++) {
        const expected = Math.round(2 * (8 + 2 * x + 0.5) + 3 * (10 + 2 * y + 0.5));
        expect(pixel(out, 0, y, x)).toBe(expected);
      }
    }
  });

  it('clamps to the frame edge when upscaling the whole frame', () => {
    const clip = gradientClip(1, 4, 4);
    const out = resampleRegion(clip, { top: 0, left: 0, height: 4, width: 4 }, 8, 8);
    expect(pixel(out, 0, 0, 0)).toBe(0); // source (-0.25, -0.25) clamps to (0, 0)
    expect(pixel(out, 0, 7, 7)).toBe(2 * 3 + 3 * 3); // clamps to the last pixel
    expect(pixel(out, 0, 0, 2)).toBe(Math.round(2 * 0.75)); // source column 0.75
  });

  it('rejects boxes outside the frame', () => {
    const clip = gradientClip(1, 10, 10);
    expect(() => resampleRegion(clip, { top: 5, left: 0, height: 6, width: 4 }, 4, 4)).toThrow(AugmentInputError);
    expect(() => resampleRegion(clip, { top: 0, left: 0, height: 0, width: 4 }, 4, 4)).toThrow(/non-empty rectangle/);
  });
});
