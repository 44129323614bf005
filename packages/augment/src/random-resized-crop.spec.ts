import { Rng, createClip } from '@a2d/core';
import { stepTransform } from './clip-transform';
import { drawResizedCropBox, randomResizedCrop } from './random-resized-crop';
import { resampleRegion } from './resample-region';

function noiseClip(seed: number, numFrames: number, height: number, width: number) {
  const clip = createClip(numFrames, height, width);
  const rng = new Rng(seed);
  for (let i = 0; i < clip.data.length; i++) clip.data[i] = rng.int(0, 255);
  return clip;
}

describe('drawResizedCropBox', () => {
  it('keeps area and aspect within the ranges (up to whole-pixel rounding) and the box inside the frame', () => {
    const frame = { height: 128, width: 160 };
    for (let seed = 0; seed < 300; seed++) {
      const box = drawResizedCropBox(new Rng(seed), frame, [0.35, 1], [3 / 4, 4 / 3]);
      const area = (box.height * box.width) / (128 * 160);
      const aspect = box.width / box.height;
      expect(Number.isInteger(box.top) && Number.isInteger(box.left)).toBe(true);
      expect(box.top + box.height).toBeLessThanOrEqual(128);
      expect(box.left + box.width).toBeLessThanOrEqual(160);
      expect(area).toBeGreaterThan(0.35 * 0.97);
      expect(area).toBeLessThanOrEqual(1);
      expect(aspect).toBeGreaterThan((3 / 4) * 0.97);
      expect(aspect).toBeLessThan((4 / 3) * 1.03);
    }
  });

  it('falls back to the largest centred box of an allowed aspect when nothing fits', () => {
    const box = drawResizedCropBox(new Rng(1), { height: 100, width: 400 }, [0.99, 1], [1, 1]);
    expect(box).toEqual({ top: 0, left: 150, height: 100, width: 100 });
  });
});

describe('randomResizedCrop', () => {
  it('with scale 1 and ratio 1 on a square frame equals a plain resize', () => {
    const clip = noiseClip(3, 2, 64, 64);
    const crop = stepTransform(randomResizedCrop({ size: 40, scale: [1, 1], ratio: [1, 1] }));
    const resized = resampleRegion(clip, { top: 0, left: 0, height: 64, width: 64 }, 40, 40);
    expect(Buffer.from(crop(clip, new Rng(9)).data).equals(Buffer.from(resized.data))).toBe(true);
  });

  it('produces size x size frames', () => {
    const out = stepTransform(randomResizedCrop({ size: 24, scale: [0.2, 1], ratio: [0.5, 2] }))(noiseClip(1, 3, 30, 50), new Rng(2));
    expect([out.numFrames, out.height, out.width, out.data.length]).toEqual([3, 24, 24, 3 * 24 * 24 * 3]);
  });
});
