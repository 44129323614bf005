import { testCropBoxes, testResizeShortSide } from '@a2d/augment';
import { a2dConfigSchema } from '@a2d/core';
import { boxPixelMask } from '@a2d/metrics';
import { boxInInput, placeAnnotatedFrames, type InputGeometry } from './annotated-clip';

describe('placeAnnotatedFrames', () => {
  it('puts each annotated frame in the place of the nearest sampled frame and scores only those places', () => {
    // 8 TSN segment centres of a 64-frame video, and A2D-style annotations at the centres of 4 segments.
    const sampled = [4, 12, 20, 28, 36, 44, 52, 60];
    const plan = placeAnnotatedFrames(sampled, [8, 24, 40, 56]);
    // 8 is 4 from both 4 and 12: the first (earlier) position wins, as for every tie.
    expect(plan.indices).toEqual([8, 12, 24, 28, 40, 44, 56, 60]);
    expect(plan.scored).toEqual([
      { position: 0, annotation: 0 },
      { position: 2, annotation: 1 },
      { position: 4, annotation: 2 },
      { position: 6, annotation: 3 },
    ]);
    expect(plan.unplaced).toEqual([]);
  });

  it('gives a contested place to the nearer annotated frame and reports the other', () => {
    const plan = placeAnnotatedFrames([10, 30], [11, 9, 14, 29]);
    expect(plan.indices).toEqual([11, 29]);
    expect(plan.scored).toEqual([
      { position: 0, annotation: 0 },
      { position: 1, annotation: 3 },
    ]);
    expect(plan.unplaced).toEqual([1, 2]);
  });

  it('leaves the clip as sampled without annotations', () => {
    expect(placeAnnotatedFrames([1, 2, 3], [])).toEqual({ indices: [1, 2, 3], scored: [], unplaced: [] });
  });
});

describe('boxInInput', () => {
  // The default CPU geometry: 320x240 sources decoded at 160x128, the centre 112 px crop of the 128 px short side.
  const config = a2dConfigSchema.parse({ augment: { cropSize: 112 }, data: { decode: { width: 160, height: 128 } } });
  const crop = testCropBoxes({ height: 128, width: 160 }, 112, testResizeShortSide(config.augment), 1)[0];
  const geometry: InputGeometry = { source: { width: 320, height: 240 }, decoded: { width: 160, height: 128 }, crop, size: 112 };

  it('maps the whole source frame onto the crop window and beyond it, at the crop scale', () => {
    const whole = boxInInput({ x1: 0, y1: 0, x2: 319, y2: 239 }, geometry);
    const scale = 112 / crop.width;
    expect(whole.left).toBeCloseTo(-crop.left * scale, 9);
    expect(whole.right).toBeCloseTo((160 - crop.left) * scale, 9);
    expect(whole.top).toBeCloseTo(-crop.top * (112 / crop.height), 9);
    expect(Array.from(boxPixelMask([whole], 112, 112)).every((value) => value === 1)).toBe(true);
  });

  it('keeps a box at the frame centre at the input centre, scaled by decode and crop', () => {
    // A 40 x 30 source box around the centre (160, 120) becomes 20/crop.width*112 x 16/crop.height*112 px.
    const box = boxInInput({ x1: 140, y1: 105, x2: 179, y2: 134 }, geometry);
    expect((box.left + box.right) / 2).toBeCloseTo(56, 9);
    expect((box.top + box.bottom) / 2).toBeCloseTo(56, 9);
    expect(box.right - box.left).toBeCloseTo((20 * 112) / crop.width, 9);
    expect(box.bottom - box.top).toBeCloseTo(((30 * 128) / 240) * (112 / crop.height), 9);
  });

  it('puts a box left of the crop outside the input, so it covers no pixel', () => {
    const box = boxInInput({ x1: 0, y1: 100, x2: 10, y2: 140 }, geometry);
    expect(box.right).toBeLessThan(0);
    expect(boxPixelMask([box], 112, 112).includes(1)).toBe(false);
  });
});
