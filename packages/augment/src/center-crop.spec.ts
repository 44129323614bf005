import { Rng, createClip } from '@a2d/core';
import { centerCropBox, centerCrop, testCropBoxes } from './center-crop';
import { stepTransform } from './clip-transform';

describe('centerCrop', () => {
  it('is an exact centre cut when the short side already has the resize length', () => {
    const clip = createClip(2, 128, 160);
    for (let i = 0; i < clip.data.length; i++) clip.data[i] = (i * 7) & 0xff;
    expect(centerCropBox(clip, 112, 128)).toEqual({ top: 8, left: 24, height: 112, width: 112 });
    const out = stepTransform(centerCrop({ size: 112, resizeShortSide: 128 }))(clip, new Rng(0));
    for (let t = 0; t < 2; t++) {
      for (let y = 0; y < 112; y++) {
        const from = ((t * 128 + y + 8) * 160 + 24) * 3;
        const to = (t * 112 + y) * 112 * 3;
        expect(Buffer.from(out.data.subarray(to, to + 112 * 3)).equals(Buffer.from(clip.data.subarray(from, from + 112 * 3)))).toBe(true);
      }
    }
  });

  it('maps the resized centre square back to source pixels', () => {
    // 256x320 resized to short side 128 -> 128x160, centre 112 -> source box (16, 48) of 224x224.
    expect(centerCropBox({ height: 256, width: 320 }, 112, 128)).toEqual({ top: 16, left: 48, height: 224, width: 224 });
  });

  it('refuses a resize shorter than the crop', () => {
    expect(() => centerCropBox({ height: 128, width: 160 }, 112, 100)).toThrow(/smaller than the crop size/);
  });
});

describe('testCropBoxes', () => {
  it('gives the centre box for one crop, and start / centre / end along the long side for three', () => {
    const wide = { height: 128, width: 160 };
    const [centre] = testCropBoxes(wide, 112, 128, 1);
    expect(centre).toEqual(centerCropBox(wide, 112, 128));
    const three = testCropBoxes(wide, 112, 128, 3);
    expect(three.map((b) => b.left)).toEqual([0, centre.left, 160 - centre.width]);
    expect(three.every((b) => b.top === centre.top && b.width === centre.width && b.height === centre.height)).toBe(true);
    const tall = testCropBoxes({ height: 200, width: 120 }, 112, 128, 3);
    expect(tall.map((b) => b.top)).toEqual([0, tall[1].top, 200 - tall[1].height]);
    expect(new Set(tall.map((b) => b.left)).size).toBe(1);
  });
});
