/**
 * Colour jitter with torchvision `ColorJitter` semantics on float images: brightness scales, contrast
 * blends with the frame's mean grey, saturation blends with each pixel's grey, hue rotates in HSV; each
 * result is clamped to the valid range before the next adjustment, in a (optionally random) order.
 */
import { createClip, type Clip, type Rng } from '@a2d/core';
import type { ClipStep } from './clip-transform';

/** One of the four adjustments. */
export type ColorAdjustment = 'brightness' | 'contrast' | 'saturation' | 'hue';

/** Drawn factors; an adjustment missing from `order` is skipped. */
export interface ColorJitterParams {
  /** Adjustments in the order they are applied. */
  order: ColorAdjustment[];
  /** Multiplier (1 = unchanged). */
  brightness: number;
  /** Blend weight of the image against its mean grey (1 = unchanged, 0 = flat grey). */
  contrast: number;
  /** Blend weight of the image against its per-pixel grey (1 = unchanged, 0 = greyscale). */
  saturation: number;
  /** Hue rotation in turns, in [-0.5, 0.5] (0 = unchanged). */
  hue: number;
}

/** Options of the random colour jitter; a strength of 0 disables that adjustment. */
export interface ColorJitterOptions {
  /** Probability that the clip is jittered at all. */
  prob: number;
  /** Factor drawn from [max(0, 1 - x), 1 + x]. */
  brightness: number;
  /** Factor drawn from [max(0, 1 - x), 1 + x]. */
  contrast: number;
  /** Factor drawn from [max(0, 1 - x), 1 + x]. */
  saturation: number;
  /** Shift drawn from [-x, x] turns. */
  hue: number;
  /** Shuffle the order of the adjustments per clip. */
  randomOrder: boolean;
}

// ITU-R 601 luma weights, as torchvision's rgb_to_grayscale.
const RED_LUMA = 0.2989;
const GREEN_LUMA = 0.587;
const BLUE_LUMA = 0.114;

function clamp255(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

/** Rotates the hue of the pixel in `px` by `shift` turns, keeping its HSV value and saturation. */
function rotateHue(px: Float64Array, shift: number): void {
  const r = px[0];
  const g = px[1];
  const b = px[2];
  const max = r > g ? (r > b ? r : b) : g > b ? g : b;
  const min = r < g ? (r < b ? r : b) : g < b ? g : b;
  const chroma = max - min;
  if (chroma === 0) return; // a grey pixel has no hue
  let hue: number;
  if (max === r) hue = (g - b) / chroma;
  else if (max === g) hue = 2 + (b - r) / chroma;
  else hue = 4 + (r - g) / chroma;
  hue = hue / 6 + shift;
  hue = (hue - Math.floor(hue)) * 6;
  const sector = Math.floor(hue);
  const rising = min + chroma * (hue - sector);
  const falling = max - chroma * (hue - sector);
  switch (sector) {
    case 0:
      px[0] = max; px[1] = rising; px[2] = min;
      break;
    case 1:
      px[0] = falling; px[1] = max; px[2] = min;
      break;
    case 2:
      px[0] = min; px[1] = max; px[2] = rising;
      break;
    case 3:
      px[0] = min; px[1] = falling; px[2] = max;
      break;
    case 4:
      px[0] = rising; px[1] = min; px[2] = max;
      break;
    default:
      px[0] = max; px[1] = min; px[2] = falling;
  }
}

/** Applies the per-pixel adjustments (everything but contrast) to the pixel in `px`, in order. */
function adjustPixel(px: Float64Array, adjustments: readonly ColorAdjustment[], params: ColorJitterParams): void {
  for (let k = 0; k < adjustments.length; k++) {
    const adjustment = adjustments[k];
    if (adjustment === 'brightness') {
      const f = params.brightness;
      px[0] = clamp255(px[0] * f);
      px[1] = clamp255(px[1] * f);
      px[2] = clamp255(px[2] * f);
    } else if (adjustment === 'saturation') {
      const f = params.saturation;
      const grey = (1 - f) * (RED_LUMA * px[0] + GREEN_LUMA * px[1] + BLUE_LUMA * px[2]);
      px[0] = clamp255(px[0] * f + grey);
      px[1] = clamp255(px[1] * f + grey);
      px[2] = clamp255(px[2] * f + grey);
    } else if (adjustment === 'hue') {
      rotateHue(px, params.hue);
    }
  }
}

/**
 * Applies fixed colour factors to every frame (contrast uses each frame's own mean grey, as torchvision
 * does for a `[T, C, H, W]` video tensor). Requires: clip `[T, H, W, 3]`. Produces: a new clip, same shape.
 */
export function adjustClipColor(clip: Clip, params: ColorJitterParams): Clip {
  const { numFrames, height, width, data } = clip;
  const out = createClip(numFrames, height, width);
  const target = out.data;
  const bytes = height * width * 3;
  const contrastAt = params.order.indexOf('contrast');
  // Contrast needs the frame's mean grey after the adjustments before it, so those run in a first pass.
  const beforeContrast = contrastAt < 0 ? [] : params.order.slice(0, contrastAt);
  const afterContrast = contrastAt < 0 ? params.order : params.order.slice(contrastAt + 1);
  const staged = contrastAt < 0 ? null : new Float32Array(bytes);
  const px = new Float64Array(3);
  for (let t = 0; t < numFrames; t++) {
    const start = t * bytes;
    let offset = 0;
    if (staged) {
      let greySum = 0;
      for (let i = 0; i < bytes; i += 3) {
        px[0] = data[start + i];
        px[1] = data[start + i + 1];
        px[2] = data[start + i + 2];
        adjustPixel(px, beforeContrast, params);
        staged[i] = px[0];
        staged[i + 1] = px[1];
        staged[i + 2] = px[2];
        greySum += RED_LUMA * px[0] + GREEN_LUMA * px[1] + BLUE_LUMA * px[2];
      }
      offset = (1 - params.contrast) * (greySum / (bytes / 3));
    }
    const source = staged ?? data.subarray(start, start + bytes);
    for (let i = 0; i < bytes; i += 3) {
      px[0] = source[i];
      px[1] = source[i + 1];
      px[2] = source[i + 2];
      if (staged) {
        const f = params.contrast;
        px[0] = clamp255(px[0] * f + offset);
        px[1] = clamp255(px[1] * f + offset);
        px[2] = clamp255(px[2] * f + offset);
      }
      adjustPixel(px, afterContrast, params);
      target[start + i] = (px[0] + 0.5) | 0;
      target[start + i + 1] = (px[1] + 0.5) | 0;
      target[start + i + 2] = (px[2] + 0.5) | 0;
    }
  }
  return out;
}

const ADJUSTMENTS: readonly ColorAdjustment[] = ['brightness', 'contrast', 'saturation', 'hue'];

/** Draws jitter factors (null when the clip is left alone); adjustments with strength 0 are left out. */
export function drawColorJitter(rng: Rng, options: ColorJitterOptions): ColorJitterParams | null {
  if (!rng.bool(options.prob)) return null;
  const order = ADJUSTMENTS.filter((adjustment) => options[adjustment] > 0);
  if (order.length === 0) return null;
  if (options.randomOrder) rng.shuffle(order);
  const factor = (strength: number): number =>
    strength > 0 ? rng.uniform(Math.max(0, 1 - strength), 1 + strength) : 1;
  return {
    order,
    brightness: factor(options.brightness),
    contrast: factor(options.contrast),
    saturation: factor(options.saturation),
    hue: options.hue > 0 ? rng.uniform(-options.hue, options.hue) : 0,
  };
}

/**
 * Random colour jitter, the same factors for every frame.
 * Requires: clip `[T, H, W, 3]`. Produces: same shape; params: the drawn factors (null: untouched).
 */
export function colorJitter(options: ColorJitterOptions): ClipStep<ColorJitterParams | null> {
  return {
    name: 'color-jitter',
    plan: (rng) => drawColorJitter(rng, options),
    apply: (clip, params) => (params ? adjustClipColor(clip, params) : clip),
  };
}
