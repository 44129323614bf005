/**
 * Objects an action needs, placed at the labelled actor's start: a surface to climb, a bowl or seeds to
 * eat from, a table to eat at. The same objects also appear as clutter in other clips (bowls, trees, walls),
 * so their presence hints at the action without settling it; how the actor moves against them does.
 */
import type { ActorName, Rng, VideoActionName } from '@a2d/core';
import { bowlShapes } from './backdrop-layout';
import { jitterRgb, scaleRgb } from './colour';
import { solidPaint, type Rgb } from './raster';
import type { Shape } from './shapes';

/** Where the labelled actor is, in world pixels. */
export interface PropPlacement {
  /** Pixels per actor size unit. */
  scale: number;
  facing: 1 | -1;
  /** Highest world y the camera sees (surfaces reach beyond it). */
  topY: number;
}

function climbSurface(rng: Rng, actor: ActorName, at: PropPlacement): Shape[] {
  const { scale: s, facing, topY } = at;
  const kinds = actor === 'bird' ? ['trunk', 'pole'] : actor === 'cat' ? ['trunk', 'trunk', 'wall', 'pole'] : ['wall', 'ladder', 'rock', 'trunk'];
  const kind = rng.pick(kinds);
  const bottom = s * 0.05;
  const mid = (bottom + topY) / 2;
  const half = (bottom - topY) / 2;
  switch (kind) {
    case 'trunk': {
      const bark: Rgb = jitterRgb([100, 70, 45], 20, () => rng.next());
      const w = s * rng.uniform(0.22, 0.4);
      return [{ type: 'box', cx: facing * s * rng.uniform(0.05, 0.2), cy: mid, halfWidth: w, halfHeight: half, angle: 0, corner: 0, paint: { color: bark, accent: scaleRgb(bark, 0.75), pattern: 'stripes', frequency: 5, shade: 0.15, opacity: 1 } }];
    }
    case 'pole': {
      const metal: Rgb = jitterRgb([150, 150, 155], 30, () => rng.next());
      return [{ type: 'box', cx: facing * s * rng.uniform(0.05, 0.15), cy: mid, halfWidth: s * rng.uniform(0.07, 0.11), halfHeight: half, angle: 0, corner: 0, paint: solidPaint(metal, 0.1) }];
    }
    case 'ladder': {
      const wood: Rgb = jitterRgb([170, 130, 80], 25, () => rng.next());
      const x = facing * s * 0.12;
      const w = s * 0.2;
      const shapes: Shape[] = [
        { type: 'capsule', ax: x - w, ay: bottom, bx: x - w, by: topY, radius: s * 0.025, paint: solidPaint(wood, 0.1) },
        { type: 'capsule', ax: x + w, ay: bottom, bx: x + w, by: topY, radius: s * 0.025, paint: solidPaint(wood, 0.1) },
      ];
      for (let y = bottom - s * 0.12; y > topY; y -= s * 0.16) {
        shapes.push({ type: 'capsule', ax: x - w, ay: y, bx: x + w, by: y, radius: s * 0.018, paint: solidPaint(scaleRgb(wood, 0.9), 0) });
      }
      return shapes;
    }
    case 'rock': {
      const stone: Rgb = jitterRgb([130, 120, 110], 25, () => rng.next());
      const x = facing * s * 0.15;
      const w = s * rng.uniform(0.5, 0.9);
      return [{ type: 'polygon', points: [x - w, bottom, x + w, bottom, x + w * 0.8, topY, x - w * 0.7, topY], paint: { color: stone, accent: scaleRgb(stone, 0.8), pattern: 'spots', frequency: 4, shade: 0.2, opacity: 1 } }];
    }
    default: {
      const brick: Rgb = jitterRgb(rng.pick<Rgb>([[160, 80, 60], [190, 180, 165], [120, 120, 125]]), 15, () => rng.next());
      const w = s * rng.uniform(0.8, 1.6);
      return [{ type: 'box', cx: facing * (s * 0.1 + w * 0.6), cy: mid, halfWidth: w, halfHeight: half, angle: 0, corner: 0, paint: { color: brick, accent: scaleRgb(brick, 0.82), pattern: 'checks', frequency: 6, shade: 0.1, opacity: 1 } }];
    }
  }
}

function food(rng: Rng, actor: ActorName, at: PropPlacement): Shape[] {
  const { scale: s, facing } = at;
  if (actor === 'bird') {
    const seed: Rgb = rng.pick<Rgb>([[200, 170, 100], [140, 90, 50], [230, 220, 180]]);
    const shapes: Shape[] = [];
    for (let i = 0; i < 7; i++) {
      shapes.push({ type: 'ellipse', cx: facing * s * rng.uniform(0.35, 0.7), cy: -s * rng.uniform(0, 0.04), rx: s * 0.035, ry: s * 0.022, angle: rng.uniform(0, 3), paint: solidPaint(seed, 0.2) });
    }
    return shapes;
  }
  if (actor === 'adult' || actor === 'baby') {
    const wood: Rgb = jitterRgb([140, 95, 60], 30, () => rng.next());
    const x = facing * s * rng.uniform(0.35, 0.45);
    const top = -s * rng.uniform(0.45, 0.52);
    return [
      { type: 'box', cx: x, cy: top / 2, halfWidth: s * 0.02, halfHeight: -top / 2, angle: 0, corner: 0, paint: solidPaint(scaleRgb(wood, 0.8), 0.1) },
      { type: 'box', cx: x, cy: top, halfWidth: s * 0.22, halfHeight: s * 0.02, angle: 0, corner: 0, paint: solidPaint(wood, 0.1) },
      { type: 'ellipse', cx: x - facing * s * 0.05, cy: top - s * 0.03, rx: s * 0.1, ry: s * 0.02, angle: 0, paint: solidPaint([235, 235, 230], 0.1) },
    ];
  }
  return bowlShapes(rng, facing * s * rng.uniform(0.48, 0.56), 0, s * 0.34);
}

/** The props the labelled action needs (empty for actions that need none). */
export function actionProps(rng: Rng, actor: ActorName, action: VideoActionName, at: PropPlacement): Shape[] {
  if (action === 'climbing') return climbSurface(rng, actor, at);
  if (action === 'eating') return food(rng, actor, at);
  return [];
}
