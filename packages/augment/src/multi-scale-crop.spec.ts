import { Rng } from '@a2d/core';
import { drawMultiScaleBox } from './multi-scale-crop';

describe('drawMultiScaleBox', () => {
  const frame = { height: 128, width: 160 };
  const scales = [1, 0.875, 0.75, 0.66];
  const sides = scales.map((s) => Math.floor(128 * s));

  it('draws sides from the scaled short side, at most maxDistort scales apart, at a corner or the centre', () => {
    const positions = new Set<string>();
    for (let seed = 0; seed < 400; seed++) {
      const box = drawMultiScaleBox(new Rng(seed), frame, scales, 1);
      const i = sides.indexOf(box.height);
      const j = sides.indexOf(box.width);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(j).toBeGreaterThanOrEqual(0);
      expect(Math.abs(i - j)).toBeLessThanOrEqual(1);
      const r = Math.floor((128 - box.height) / 4);
      const c = Math.floor((160 - box.width) / 4);
      const allowed = [`0,0`, `0,${4 * c}`, `${4 * r},0`, `${4 * r},${4 * c}`, `${2 * r},${2 * c}`];
      const index = allowed.indexOf(`${box.top},${box.left}`);
      expect(index).toBeGreaterThanOrEqual(0);
      if (r > 0 && c > 0) positions.add(String(index));
    }
    expect(positions.size).toBe(5);
  });

  it('draws only square crops when maxDistort is 0', () => {
    for (let seed = 0; seed < 50; seed++) {
      const box = drawMultiScaleBox(new Rng(seed), frame, scales, 0);
      expect(box.height).toBe(box.width);
    }
  });
});
