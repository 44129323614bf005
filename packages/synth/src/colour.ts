/** Colour arithmetic for palettes: every result is clamped to valid 0..255 channels. */
import type { Rgb } from './raster';

function channel(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}

/** An RGB colour from hue (turns, 0..1), saturation and value (0..1). */
export function hsv(hue: number, saturation: number, value: number): Rgb {
  const h = ((hue % 1) + 1) % 1;
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = value * (1 - saturation);
  const q = value * (1 - f * saturation);
  const t = value * (1 - (1 - f) * saturation);
  const table: [number, number, number][] = [
    [value, t, p],
    [q, value, p],
    [p, value, t],
    [p, q, value],
    [t, p, value],
    [value, p, q],
  ];
  const [r, g, b] = table[i % 6];
  return [channel(r * 255), channel(g * 255), channel(b * 255)];
}

/** Linear blend `a * (1 - t) + b * t`. */
export function mixRgb(a: Rgb, b: Rgb, t: number): Rgb {
  return [channel(a[0] + (b[0] - a[0]) * t), channel(a[1] + (b[1] - a[1]) * t), channel(a[2] + (b[2] - a[2]) * t)];
}

/** The colour scaled by `factor` (below 1 darkens, above 1 brightens). */
export function scaleRgb(color: Rgb, factor: number): Rgb {
  return [channel(color[0] * factor), channel(color[1] * factor), channel(color[2] * factor)];
}

/** The colour with each channel moved by up to `amount` (a per-instance variation of a palette entry). */
export function jitterRgb(color: Rgb, amount: number, draw: () => number): Rgb {
  return [
    channel(color[0] + (draw() * 2 - 1) * amount),
    channel(color[1] + (draw() * 2 - 1) * amount),
    channel(color[2] + (draw() * 2 - 1) * amount),
  ];
}
