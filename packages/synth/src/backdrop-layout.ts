/**
 * Random settings for backdrops: a park, a street, a room, a field, a beach or snow, each with its palette,
 * textures and clutter. Settings are drawn independently of the label, so the place never tells the actor.
 */
import type { Rng } from '@a2d/core';
import { hsv, jitterRgb, mixRgb, scaleRgb } from './colour';
import type { BackdropPlan, LowerTexture, UpperTexture, WorldRect } from './backdrop';
import type { Paint, PatternKind, Rgb } from './raster';
import type { Shape } from './shapes';

/** The kinds of place a clip can be set in. */
export const SETTINGS = ['park', 'street', 'room', 'field', 'beach', 'snow'] as const;
/** A kind of place. */
export type Setting = (typeof SETTINGS)[number];

/** Where the backdrop must fit. */
export interface BackdropFrame {
  /** Render height of the clip (pixels). */
  frameHeight: number;
  /** World area the camera sees over the clip. */
  bounds: WorldRect;
  /** World y of the horizon (negative, above the ground line y = 0). */
  horizonY: number;
}

function paint(color: Rgb, shade = 0.25, pattern: PatternKind = 'plain', accent: Rgb = color, frequency = 3): Paint {
  return { color, accent, pattern, frequency, shade, opacity: 1 };
}

/** A world y between the horizon and slightly in front of the ground line, and the matching depth scale. */
function groundSpot(rng: Rng, frame: BackdropFrame, nearest = 0): { y: number; scale: number } {
  const y = rng.uniform(frame.horizonY + 2, nearest);
  const depth = (y - frame.horizonY) / Math.max(1, -frame.horizonY);
  return { y, scale: 0.35 + 0.65 * Math.min(1.2, depth) };
}

function spreadX(rng: Rng, frame: BackdropFrame): number {
  return rng.uniform(frame.bounds.x0, frame.bounds.x0 + frame.bounds.width);
}

function tree(rng: Rng, x: number, y: number, size: number, leaves: Rgb, pine: boolean): Shape[] {
  const trunk: Rgb = jitterRgb([95, 65, 40], 15, () => rng.next());
  const height = size * rng.uniform(0.9, 1.4);
  const shapes: Shape[] = [
    { type: 'box', cx: x, cy: y - height * 0.3, halfWidth: size * 0.06, halfHeight: height * 0.3, angle: 0, corner: 0, paint: paint(trunk, 0.2, 'stripes', scaleRgb(trunk, 0.8), 4) },
  ];
  if (pine) {
    for (let i = 0; i < 3; i++) {
      const w = size * (0.38 - i * 0.09);
      const base = y - height * (0.25 + i * 0.22);
      shapes.push({ type: 'polygon', points: [x - w, base, x + w, base, x, base - height * 0.38], paint: paint(scaleRgb(leaves, 1 - i * 0.08), 0.3) });
    }
  } else {
    for (let i = 0; i < 4; i++) {
      const r = size * rng.uniform(0.2, 0.32);
      shapes.push({
        type: 'ellipse',
        cx: x + rng.uniform(-0.22, 0.22) * size,
        cy: y - height * rng.uniform(0.6, 0.85),
        rx: r,
        ry: r * rng.uniform(0.75, 1),
        angle: 0,
        paint: paint(jitterRgb(leaves, 15, () => rng.next()), 0.35, 'spots', scaleRgb(leaves, 0.8), 5),
      });
    }
  }
  return shapes;
}

function bush(rng: Rng, x: number, y: number, size: number, leaves: Rgb): Shape[] {
  const shapes: Shape[] = [];
  for (let i = 0; i < 3; i++) {
    const r = size * rng.uniform(0.18, 0.3);
    shapes.push({ type: 'ellipse', cx: x + (i - 1) * size * 0.22, cy: y - r * 0.7, rx: r, ry: r * 0.8, angle: 0, paint: paint(jitterRgb(leaves, 18, () => rng.next()), 0.35, 'spots', scaleRgb(leaves, 0.75), 4) });
  }
  return shapes;
}

function rock(rng: Rng, x: number, y: number, size: number): Shape[] {
  const grey = jitterRgb([125, 120, 115], 25, () => rng.next());
  const r = size * rng.uniform(0.08, 0.18);
  return [{ type: 'ellipse', cx: x, cy: y - r * 0.4, rx: r * 1.4, ry: r * 0.8, angle: rng.uniform(-0.2, 0.2), paint: paint(grey, 0.45) }];
}

function building(rng: Rng, x: number, frame: BackdropFrame): Shape[] {
  const h = frame.frameHeight;
  const width = h * rng.uniform(0.35, 0.8);
  const height = h * rng.uniform(0.5, 1.4);
  const wall = rng.pick<Rgb>([[170, 160, 150], [150, 90, 70], [200, 190, 170], [110, 115, 125], [210, 200, 180]]);
  const base = frame.horizonY;
  const shapes: Shape[] = [
    { type: 'box', cx: x, cy: base - height / 2, halfWidth: width / 2, halfHeight: height / 2, angle: 0, corner: 0, paint: paint(jitterRgb(wall, 12, () => rng.next()), 0.15) },
  ];
  const glass: Rgb = rng.pick<Rgb>([[80, 95, 120], [150, 175, 200], [60, 60, 70]]);
  const cell = h * rng.uniform(0.07, 0.11);
  for (let wy = base - cell; wy > base - height + cell * 0.5; wy -= cell) {
    for (let wx = x - width / 2 + cell * 0.7; wx < x + width / 2 - cell * 0.4; wx += cell) {
      shapes.push({ type: 'box', cx: wx, cy: wy, halfWidth: cell * 0.25, halfHeight: cell * 0.3, angle: 0, corner: 0, paint: paint(glass, 0.2) });
    }
  }
  return shapes;
}

function furniture(rng: Rng, x: number, y: number, size: number): Shape[] {
  const colour = jitterRgb(rng.pick<Rgb>([[120, 80, 50], [90, 90, 100], [150, 60, 60], [70, 100, 140], [200, 190, 170]]), 15, () => rng.next());
  switch (rng.int(0, 2)) {
    case 0: {
      // Sofa: seat, back and arms.
      const w = size * 0.9;
      return [
        { type: 'box', cx: x, cy: y - size * 0.35, halfWidth: w / 2, halfHeight: size * 0.22, angle: 0, corner: size * 0.05, paint: paint(scaleRgb(colour, 0.85), 0.2) },
        { type: 'box', cx: x, cy: y - size * 0.16, halfWidth: w / 2 + size * 0.06, halfHeight: size * 0.13, angle: 0, corner: size * 0.05, paint: paint(colour, 0.3) },
      ];
    }
    case 1: {
      // Table.
      const w = size * 0.55;
      const top = y - size * 0.42;
      return [
        { type: 'box', cx: x, cy: top, halfWidth: w / 2, halfHeight: size * 0.025, angle: 0, corner: 0, paint: paint(colour, 0.1) },
        { type: 'box', cx: x - w * 0.42, cy: (top + y) / 2, halfWidth: size * 0.02, halfHeight: (y - top) / 2, angle: 0, corner: 0, paint: paint(scaleRgb(colour, 0.8), 0.1) },
        { type: 'box', cx: x + w * 0.42, cy: (top + y) / 2, halfWidth: size * 0.02, halfHeight: (y - top) / 2, angle: 0, corner: 0, paint: paint(scaleRgb(colour, 0.8), 0.1) },
      ];
    }
    default: {
      // Shelf / cupboard with doors.
      const w = size * rng.uniform(0.3, 0.6);
      const tall = size * rng.uniform(0.6, 1.2);
      return [
        { type: 'box', cx: x, cy: y - tall / 2, halfWidth: w / 2, halfHeight: tall / 2, angle: 0, corner: 0, paint: paint(colour, 0.2, 'checks', scaleRgb(colour, 0.85), 1.5) },
      ];
    }
  }
}

function windowFrame(rng: Rng, x: number, y: number, size: number, light: boolean): Shape[] {
  const frameColour: Rgb = rng.pick<Rgb>([[240, 240, 235], [120, 80, 50], [60, 60, 60]]);
  const glass: Rgb = light ? [185, 215, 240] : jitterRgb([140, 100, 90], 40, () => rng.next());
  const w = size * rng.uniform(0.25, 0.5);
  const h = size * rng.uniform(0.25, 0.5);
  return [
    { type: 'box', cx: x, cy: y, halfWidth: w / 2 + size * 0.02, halfHeight: h / 2 + size * 0.02, angle: 0, corner: 0, paint: paint(frameColour, 0.1) },
    { type: 'box', cx: x, cy: y, halfWidth: w / 2, halfHeight: h / 2, angle: 0, corner: 0, paint: paint(glass, 0.3, light ? 'plain' : 'spots', scaleRgb(glass, 0.7), 2) },
  ];
}

/** A bowl on the ground: clutter in any scene, and the food of an eating animal. */
export function bowlShapes(rng: Rng, x: number, y: number, size: number): Shape[] {
  const bowl: Rgb = jitterRgb(rng.pick<Rgb>([[200, 60, 50], [60, 90, 180], [220, 220, 215], [150, 150, 155]]), 15, () => rng.next());
  const food: Rgb = rng.pick<Rgb>([[150, 100, 60], [190, 150, 90], [120, 70, 40]]);
  return [
    { type: 'ellipse', cx: x, cy: y - size * 0.06, rx: size * 0.42, ry: size * 0.09, angle: 0, paint: paint(food, 0.2, 'spots', scaleRgb(food, 0.7), 6) },
    { type: 'box', cx: x, cy: y - size * 0.03, halfWidth: size * 0.45, halfHeight: size * 0.06, angle: 0, corner: size * 0.05, paint: paint(bowl, 0.35) },
  ];
}

interface Palette {
  upper: [Rgb, Rgb];
  lower: [Rgb, Rgb];
  upperTexture: UpperTexture;
  lowerTexture: LowerTexture;
  farBand: { color: Rgb; height: number };
  leaves: Rgb;
}

function skyColours(rng: Rng): [Rgb, Rgb] {
  if (rng.bool(0.25)) {
    const grey = rng.uniform(0.6, 0.85);
    return [hsv(0.6, 0.08, grey), hsv(0.6, 0.05, Math.min(1, grey + 0.1))];
  }
  const hue = rng.uniform(0.55, 0.62);
  return [hsv(hue, rng.uniform(0.4, 0.65), rng.uniform(0.75, 0.95)), hsv(hue, rng.uniform(0.12, 0.3), rng.uniform(0.9, 1))];
}

function palette(rng: Rng, setting: Setting, h: number): Palette {
  const leaves = hsv(rng.uniform(0.22, 0.36), rng.uniform(0.45, 0.7), rng.uniform(0.35, 0.6));
  switch (setting) {
    case 'park': {
      const grass = hsv(rng.uniform(0.2, 0.32), rng.uniform(0.4, 0.7), rng.uniform(0.45, 0.7));
      return {
        upper: skyColours(rng),
        lower: [scaleRgb(grass, 0.85), grass],
        upperTexture: 'sky',
        lowerTexture: 'grass',
        farBand: { color: mixRgb(leaves, [150, 170, 190], rng.uniform(0.2, 0.5)), height: h * rng.uniform(0.04, 0.14) },
        leaves,
      };
    }
    case 'street': {
      const road = hsv(0.6, 0.05, rng.uniform(0.3, 0.5));
      return {
        upper: skyColours(rng),
        lower: [scaleRgb(road, 1.2), road],
        upperTexture: 'sky',
        lowerTexture: 'asphalt',
        farBand: { color: [0, 0, 0], height: 0 },
        leaves,
      };
    }
    case 'room': {
      const wall = hsv(rng.next(), rng.uniform(0.05, 0.35), rng.uniform(0.65, 0.95));
      const floorTexture = rng.pick<LowerTexture>(['planks', 'planks', 'tiles', 'carpet']);
      const floor =
        floorTexture === 'planks'
          ? hsv(rng.uniform(0.06, 0.1), rng.uniform(0.4, 0.65), rng.uniform(0.4, 0.75))
          : floorTexture === 'tiles'
            ? hsv(rng.next(), rng.uniform(0, 0.15), rng.uniform(0.6, 0.9))
            : hsv(rng.next(), rng.uniform(0.15, 0.45), rng.uniform(0.35, 0.7));
      return {
        upper: [scaleRgb(wall, 0.92), wall],
        lower: [scaleRgb(floor, 0.9), floor],
        upperTexture: rng.pick<UpperTexture>(['wall', 'wall', 'wallpaper', 'bricks']),
        lowerTexture: floorTexture,
        farBand: { color: [0, 0, 0], height: 0 },
        leaves,
      };
    }
    case 'field': {
      const earth = hsv(rng.uniform(0.08, 0.16), rng.uniform(0.3, 0.55), rng.uniform(0.5, 0.75));
      return {
        upper: skyColours(rng),
        lower: [scaleRgb(earth, 0.9), earth],
        upperTexture: 'sky',
        lowerTexture: rng.pick<LowerTexture>(['sand', 'grass']),
        farBand: { color: scaleRgb(leaves, 0.7), height: h * rng.uniform(0.03, 0.1) },
        leaves,
      };
    }
    case 'beach': {
      const sand = hsv(rng.uniform(0.1, 0.14), rng.uniform(0.2, 0.4), rng.uniform(0.75, 0.92));
      return {
        upper: skyColours(rng),
        lower: [scaleRgb(sand, 0.95), sand],
        upperTexture: 'sky',
        lowerTexture: 'sand',
        farBand: { color: hsv(rng.uniform(0.52, 0.6), rng.uniform(0.4, 0.7), rng.uniform(0.45, 0.7)), height: h * rng.uniform(0.04, 0.1) },
        leaves,
      };
    }
    case 'snow': {
      const snow = hsv(0.6, rng.uniform(0.02, 0.1), rng.uniform(0.85, 0.97));
      return {
        upper: skyColours(rng),
        lower: [scaleRgb(snow, 0.95), snow],
        upperTexture: 'sky',
        lowerTexture: 'snow',
        farBand: { color: scaleRgb(leaves, 0.45), height: h * rng.uniform(0.03, 0.1) },
        leaves: scaleRgb(leaves, 0.7),
      };
    }
  }
}

function clutter(rng: Rng, setting: Setting, frame: BackdropFrame, leaves: Rgb): Shape[] {
  const h = frame.frameHeight;
  const count = Math.round((frame.bounds.width / h) * rng.uniform(1, 3));
  const shapes: Shape[] = [];
  if (setting === 'street') {
    for (let x = frame.bounds.x0 + rng.uniform(0, h * 0.4); x < frame.bounds.x0 + frame.bounds.width + h * 0.4; x += h * rng.uniform(0.4, 0.9)) {
      shapes.push(...building(rng, x, frame));
    }
    const curb = frame.horizonY + h * rng.uniform(0.03, 0.06);
    shapes.push({ type: 'box', cx: frame.bounds.x0 + frame.bounds.width / 2, cy: (frame.horizonY + curb) / 2, halfWidth: frame.bounds.width, halfHeight: (curb - frame.horizonY) / 2, angle: 0, corner: 0, paint: paint([175, 172, 165], 0.1) });
    const laneY = rng.uniform(curb + 3, -h * 0.02);
    for (let x = frame.bounds.x0; x < frame.bounds.x0 + frame.bounds.width; x += h * 0.3) {
      shapes.push({ type: 'box', cx: x, cy: laneY, halfWidth: h * 0.07, halfHeight: 0.8, angle: 0, corner: 0, paint: paint([235, 230, 200], 0) });
    }
  }
  if (setting === 'room') {
    shapes.push({ type: 'box', cx: frame.bounds.x0 + frame.bounds.width / 2, cy: frame.horizonY - h * 0.015, halfWidth: frame.bounds.width, halfHeight: h * 0.015, angle: 0, corner: 0, paint: paint([235, 232, 225], 0.1) });
    for (let i = 0; i < Math.max(1, count - 1); i++) {
      const x = spreadX(rng, frame);
      if (rng.bool(0.5)) shapes.push(...windowFrame(rng, x, frame.horizonY - h * rng.uniform(0.3, 0.6), h, rng.bool(0.7)));
      else {
        const spot = groundSpot(rng, frame, -h * 0.02);
        shapes.push(...furniture(rng, x, spot.y, h * 0.6 * spot.scale));
      }
    }
    return shapes;
  }
  for (let i = 0; i < count; i++) {
    const x = spreadX(rng, frame);
    const spot = groundSpot(rng, frame, -h * 0.02);
    const size = h * spot.scale;
    switch (setting) {
      case 'park':
        shapes.push(...(rng.bool(0.5) ? tree(rng, x, spot.y, size * 0.8, leaves, false) : rng.bool(0.6) ? bush(rng, x, spot.y, size * 0.5, leaves) : rock(rng, x, spot.y, size)));
        break;
      case 'snow':
        shapes.push(...(rng.bool(0.6) ? tree(rng, x, spot.y, size * 0.8, leaves, true) : rock(rng, x, spot.y, size)));
        break;
      case 'street':
        shapes.push({ type: 'box', cx: x, cy: spot.y - size * 0.35, halfWidth: size * 0.012, halfHeight: size * 0.35, angle: 0, corner: 0, paint: paint([70, 70, 75], 0.1) });
        break;
      default:
        shapes.push(...(rng.bool(0.5) ? rock(rng, x, spot.y, size) : bush(rng, x, spot.y, size * 0.4, leaves)));
    }
  }
  return shapes;
}

/** Draws a random backdrop for the given frame; `extra` shapes (action props) are baked in last. */
export function sampleBackdrop(rng: Rng, frame: BackdropFrame, extra: readonly Shape[] = []): BackdropPlan {
  const setting = rng.pick(SETTINGS);
  const colours = palette(rng, setting, frame.frameHeight);
  const shapes = clutter(rng, setting, frame, colours.leaves);
  if (rng.bool(0.2)) {
    const spot = groundSpot(rng, frame, -frame.frameHeight * 0.01);
    shapes.push(...bowlShapes(rng, spreadX(rng, frame), spot.y, frame.frameHeight * 0.12 * spot.scale));
  }
  return {
    textureSeed: rng.int(0, 2 ** 31 - 1),
    horizonY: frame.horizonY,
    upper: colours.upper,
    lower: colours.lower,
    upperTexture: colours.upperTexture,
    lowerTexture: colours.lowerTexture,
    textureScale: rng.uniform(2.5, 5) * (frame.frameHeight / 160),
    farBand: colours.farBand,
    frameHeight: frame.frameHeight,
    shapes: [...shapes, ...extra],
  };
}

