/**
 * Foreground occluders: things between the camera and the actors (a post, a bush, tall grass, a branch)
 * that hide part of the actor for part of the clip.
 */
import type { Rng } from '@a2d/core';
import { hsv, jitterRgb } from './colour';
import { solidPaint, type Rgb } from './raster';
import type { Shape } from './shapes';

/** Where an occluder stands. */
export interface OccluderPlacement {
  /** World x of the occluder's centre. */
  x: number;
  /** World y of its base (in front of the actors' ground line). */
  baseY: number;
  /** Highest world y the camera sees. */
  topY: number;
  /** Size of the labelled actor, in pixels (occluders are sized to hide part of it). */
  actorScale: number;
}

/** One random occluder's shapes. */
export function occluderShapes(rng: Rng, at: OccluderPlacement): Shape[] {
  const { x, baseY, topY, actorScale: s } = at;
  const leaves = hsv(rng.uniform(0.2, 0.36), rng.uniform(0.4, 0.75), rng.uniform(0.2, 0.45));
  switch (rng.pick(['post', 'bush', 'grass', 'branch'] as const)) {
    case 'post': {
      const colour: Rgb = jitterRgb(rng.pick<Rgb>([[90, 60, 40], [60, 60, 65], [200, 195, 185]]), 15, () => rng.next());
      const w = s * rng.uniform(0.06, 0.14);
      return [{ type: 'box', cx: x, cy: (baseY + topY) / 2, halfWidth: w, halfHeight: (baseY - topY) / 2 + 4, angle: 0, corner: 0, paint: solidPaint(colour, 0.1) }];
    }
    case 'bush': {
      const shapes: Shape[] = [];
      const r = s * rng.uniform(0.2, 0.35);
      for (let i = 0; i < 4; i++) {
        shapes.push({
          type: 'ellipse',
          cx: x + (i - 1.5) * r * 0.8,
          cy: baseY - r * rng.uniform(0.4, 0.9),
          rx: r,
          ry: r * 0.85,
          angle: 0,
          paint: { color: jitterRgb(leaves, 15, () => rng.next()), accent: jitterRgb(leaves, 40, () => rng.next()), pattern: 'spots', frequency: 4, shade: 0.4, opacity: 1 },
        });
      }
      return shapes;
    }
    case 'grass': {
      const shapes: Shape[] = [];
      const blades = rng.int(6, 12);
      for (let i = 0; i < blades; i++) {
        const bx = x + rng.uniform(-0.4, 0.4) * s;
        const tall = s * rng.uniform(0.25, 0.6);
        shapes.push({ type: 'capsule', ax: bx, ay: baseY, bx: bx + rng.uniform(-0.1, 0.1) * s, by: baseY - tall, radius: Math.max(0.6, s * 0.012), paint: solidPaint(jitterRgb(leaves, 25, () => rng.next()), 0.3) });
      }
      return shapes;
    }
    case 'branch': {
      const shapes: Shape[] = [];
      const y = topY + s * rng.uniform(0.05, 0.25);
      shapes.push({ type: 'capsule', ax: x - s * 0.8, ay: topY - 2, bx: x + s * 0.2, by: y, radius: s * 0.03, paint: solidPaint([80, 55, 35], 0.1) });
      for (let i = 0; i < 6; i++) {
        shapes.push({ type: 'ellipse', cx: x - s * rng.uniform(-0.1, 0.7), cy: y - s * rng.uniform(-0.05, 0.25), rx: s * 0.12, ry: s * 0.07, angle: rng.uniform(-1, 1), paint: solidPaint(jitterRgb(leaves, 20, () => rng.next()), 0.3) });
      }
      return shapes;
    }
  }
}
