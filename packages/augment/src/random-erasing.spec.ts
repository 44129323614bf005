import { Rng, createClip, type Clip } from '@a2d/core';
import { drawErasingBox, eraseClipRegion, randomErasing } from './random-erasing';

function constantClip(value: number): Clip {
  const clip = createClip(4, 40, 50);
  clip.data.fill(value);
  return clip;
}

describe('random erasing', () => {
  it('draws rectangles whose area fraction lies in the range (up to rounding) and fit the frame', () => {
    const frame = { height: 112, width: 112 };
    for (let seed = 0; seed < 300; seed++) {
      const box = drawErasingBox(new Rng(seed), frame, [0.02, 0.2], [0.3, 3.3]);
      if (!box) continue;
      const fraction = (box.height * box.width) / (112 * 112);
      expect(fraction).toBeGreaterThan(0.02 * 0.8);
      expect(fraction).toBeLessThan(0.2 * 1.1);
      expect(box.top + box.height).toBeLessThanOrEqual(112);
      expect(box.left + box.width).toBeLessThanOrEqual(112);
    }
  });

  it('writes the same noise into the same box of every frame and nothing outside it', () => {
    const clip = constantClip(7);
    const step = randomErasing({ prob: 1, area: [0.1, 0.2], ratio: [0.5, 2] });
    const params = step.plan(new Rng(11), clip);
    expect(params).not.toBeNull();
    const { box, noise } = params as NonNullable<typeof params>;
    const out = step.apply(clip, params);
    expect(clip.data.every((v) => v === 7)).toBe(true);
    for (let t = 0; t < 4; t++) {
      for (let y = 0; y < 40; y++) {
        for (let x = 0; x < 50; x++) {
          const inside = y >= box.top && y < box.top + box.height && x >= box.left && x < box.left + box.width;
          const offset = ((t * 40 + y) * 50 + x) * 3;
          const expected = inside ? noise.subarray(((y - box.top) * box.width + (x - box.left)) * 3) : [7, 7, 7];
          expect([out.data[offset], out.data[offset + 1], out.data[offset + 2]]).toEqual([expected[0], expected[1], expected[2]]);
        }
      }
    }
    // The noise is not a constant fill.
    expect(new Set(noise).size).toBeGreaterThan(50);
  });

  it('leaves the clip alone with probability 0', () => {
    const clip = constantClip(3);
    const step = randomErasing({ prob: 0, area: [0.1, 0.2], ratio: [0.5, 2] });
    expect(step.apply(clip, step.plan(new Rng(1), clip)).data).toEqual(clip.data);
  });

  it('rejects a box that does not fit', () => {
    expect(() => eraseClipRegion(constantClip(0), { box: { top: 30, left: 0, height: 20, width: 5 }, noise: new Uint8Array(300) })).toThrow(/inside the 40x50 frame/);
  });
});
