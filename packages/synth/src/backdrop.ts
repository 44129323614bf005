/**
 * The static world behind the actors, rendered once per clip into a canvas larger than the frame; the camera
 * then pans and zooms over it. A backdrop is an upper region (sky or wall) and a lower one (ground or floor)
 * split at the horizon, each with a texture, plus baked scenery shapes (trees, furniture, a climbing
 * surface, a food bowl, ...).
 */
import { mixRgb } from './colour';
import { createCanvas, type Canvas, type Rgb } from './raster';
import { drawShape, type Shape } from './shapes';
import { latticeValue, noiseField } from './value-noise';

// Bound once: global `Math` lookups are slow inside VM contexts (jest) and these run per pixel.
const { floor, max, min } = Math;

/** Texture of the region above the horizon. */
export type UpperTexture = 'sky' | 'wallpaper' | 'wall' | 'bricks';
/** Texture of the region below the horizon. */
export type LowerTexture = 'grass' | 'planks' | 'tiles' | 'asphalt' | 'sand' | 'carpet' | 'snow';

/** Everything needed to render a backdrop over any world rectangle. */
export interface BackdropPlan {
  /** Seed of the texture noise. */
  textureSeed: number;
  /** World y of the horizon or floor line (the actors' ground line is y = 0, so this is negative). */
  horizonY: number;
  /** Upper colours: at the top of the frame and at the horizon. */
  upper: [Rgb, Rgb];
  /** Lower colours: at the horizon and near the camera. */
  lower: [Rgb, Rgb];
  upperTexture: UpperTexture;
  lowerTexture: LowerTexture;
  /** Pixels per texture element (board width, tile, brick, grass clump). */
  textureScale: number;
  /** A band just above the horizon (hills, tree line, sea), 0 height for none. */
  farBand: { color: Rgb; height: number };
  /** Frame height the gradients are scaled to. */
  frameHeight: number;
  /** Scenery baked into the backdrop, in drawing order. */
  shapes: Shape[];
}

/** A world rectangle in pixels at zoom 1. */
export interface WorldRect {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

function clampByte(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

/** Renders the backdrop over `rect`; pixel (0, 0) is world (rect.x0, rect.y0). */
export function renderBackdrop(plan: BackdropPlan, rect: WorldRect): Canvas {
  const { x0, y0, width, height } = rect;
  const canvas = createCanvas(width, height);
  const data = canvas.data;
  const seed = plan.textureSeed;
  const scale = max(2, plan.textureScale);
  const coarse = noiseField(x0, y0, width, height, scale * 6, seed);
  const broad = noiseField(x0, y0, width, height, plan.frameHeight * 0.3, seed + 3);
  const fine = noiseField(x0, y0, width, height, max(1.5, scale / 3), seed + 1);
  const bandProfile = noiseField(x0, 0, width, 1, plan.frameHeight * 0.4, seed + 2).map(
    (n) => plan.farBand.height * (0.45 + 0.55 * n),
  );
  const span = plan.frameHeight;
  const [upTop, upBottom] = plan.upper;
  const [lowFar, lowNear] = plan.lower;
  for (let y = 0; y < height; y++) {
    const wy = y0 + y;
    const above = wy < plan.horizonY;
    const t = above
      ? max(0, min(1, 1 - (plan.horizonY - wy) / span))
      : max(0, min(1, (wy - plan.horizonY) / (span * 0.6)));
    const base = above ? mixRgb(upTop, upBottom, t) : mixRgb(lowFar, lowNear, t);
    let offset = y * width * 3;
    for (let x = 0; x < width; x++, offset += 3) {
      const wx = x0 + x;
      const n = coarse[y * width + x];
      const f = fine[y * width + x];
      let r = base[0];
      let g = base[1];
      let b = base[2];
      let k = 1;
      if (above) {
        if (plan.farBand.height > 0 && plan.horizonY - wy < bandProfile[x]) {
          const band = plan.farBand.color;
          r = band[0];
          g = band[1];
          b = band[2];
          k = 0.9 + 0.2 * n;
        } else {
          switch (plan.upperTexture) {
            case 'sky': {
              const cloud = max(0, 0.65 * broad[y * width + x] + 0.35 * n - 0.5) * 2.4;
              r += (250 - r) * cloud;
              g += (250 - g) * cloud;
              b += (252 - b) * cloud;
              break;
            }
            case 'wallpaper':
              k = floor(wx / scale) % 2 === 0 ? 0.93 + 0.04 * f : 1.0 + 0.04 * f;
              break;
            case 'bricks': {
              const row = floor(wy / scale);
              const column = floor((wx + (row % 2) * scale) / (scale * 2));
              const mortar = wy - row * scale < 1 || wx + (row % 2) * scale - column * scale * 2 < 1;
              k = mortar ? 1.25 : 0.85 + 0.3 * latticeValue(column, row, seed);
              break;
            }
            default:
              k = 0.95 + 0.08 * n + 0.04 * f;
          }
        }
      } else {
        switch (plan.lowerTexture) {
          case 'grass':
            k = 0.75 + 0.35 * n + 0.3 * (latticeValue(wx, floor(wy / 3), seed) - 0.5) * f;
            break;
          case 'planks': {
            const row = floor(wy / scale);
            const board = floor((wx + latticeValue(row, 7, seed) * 200) / (scale * 8));
            const seam = wy - row * scale < 1;
            k = seam ? 0.6 : 0.85 + 0.25 * latticeValue(board, row, seed) + 0.08 * f;
            break;
          }
          case 'tiles': {
            const tile = scale * 2.5;
            const gx = wx - floor(wx / tile) * tile;
            const gy = wy - floor(wy / tile) * tile;
            const grout = gx < 1 || gy < 1;
            const parity = (floor(wx / tile) + floor(wy / tile)) & 1;
            k = grout ? 0.7 : parity ? 0.92 + 0.05 * f : 1.04 + 0.05 * f;
            break;
          }
          case 'asphalt':
            k = 0.85 + 0.15 * n + 0.25 * (f - 0.5);
            break;
          case 'carpet':
            k = 0.9 + 0.1 * n + 0.2 * (f - 0.5);
            break;
          default:
            k = 0.88 + 0.2 * n + 0.08 * f;
        }
      }
      data[offset] = clampByte(r * k);
      data[offset + 1] = clampByte(g * k);
      data[offset + 2] = clampByte(b * k);
    }
  }
  const view = { originX: x0, originY: y0, zoom: 1 };
  for (const shape of plan.shapes) drawShape(canvas, shape, view);
  return canvas;
}
