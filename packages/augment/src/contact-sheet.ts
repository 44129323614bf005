/**
 * Contact sheets: one labelled row per clip, its frames left to right, so a person can check at a
 * glance what the decoder and the augmentations actually produce. Drawn on a canvas (captions in a real
 * font) and encoded as PNG by canvas, the project's one image route.
 */
import { createCanvas, type CanvasRenderingContext2D } from 'canvas';
import type { Clip } from '@a2d/core';
import { AugmentInputError, assertClipShape } from './augment-input-error';
import { registerLabelFont } from './label-font';

/** An RGB colour, 0..255 per channel. */
export type RgbColor = readonly [number, number, number];

/** One row of a contact sheet. */
export interface ContactSheetRow {
  /** Caption drawn above the frames (any text). */
  label: string;
  clip: Clip;
}

/** Layout and colours of a contact sheet. */
export interface ContactSheetOptions {
  /** Caption font size in px; the caption band is this plus twice the padding (default 14). */
  fontSize?: number;
  /** Thickness of the lines between frames and rows (default 2). */
  separator?: number;
  /** Margin around captions and frames (default 4). */
  padding?: number;
  /** Draw at most this many frames per row (default: all). */
  maxFrames?: number;
  background?: RgbColor;
  separatorColor?: RgbColor;
  textColor?: RgbColor;
}

/** A rendered sheet: the PNG bytes and their size. */
export interface ContactSheet {
  png: Buffer;
  width: number;
  height: number;
}

/** Canvases larger than this are refused (cairo's own limit is 32767 px a side). */
const MAX_SIDE = 32767;

function css([r, g, b]: RgbColor): string {
  return `rgb(${r}, ${g}, ${b})`;
}

/** Copies one RGB frame into the canvas with its top-left corner at (x, y). */
function putRgbFrame(context: CanvasRenderingContext2D, rgb: Uint8Array, width: number, height: number, x: number, y: number): void {
  const image = context.createImageData(width, height);
  for (let source = 0, target = 0; source < width * height * 3; source += 3, target += 4) {
    image.data[target] = rgb[source];
    image.data[target + 1] = rgb[source + 1];
    image.data[target + 2] = rgb[source + 2];
    image.data[target + 3] = 255;
  }
  context.putImageData(image, x, y);
}

/** Lays the rows out top to bottom and encodes the sheet as PNG; it is as wide as the widest row or caption. */
export function renderContactSheet(rows: readonly ContactSheetRow[], options: ContactSheetOptions = {}): ContactSheet {
  const fontSize = options.fontSize ?? 14;
  const separator = options.separator ?? 2;
  const padding = options.padding ?? 4;
  const background = options.background ?? [24, 24, 24];
  const separatorColor = options.separatorColor ?? [110, 110, 110];
  const textColor = options.textColor ?? [245, 245, 245];
  const captionHeight = fontSize + 2 * padding;
  const font = `${fontSize}px "${registerLabelFont()}"`;

  // Captions are measured on a scratch canvas before the sheet's size is known.
  const measure = createCanvas(1, 1).getContext('2d');
  measure.font = font;
  const layout = rows.map((row, index) => {
    assertClipShape(row.clip, `rows[${index}].clip`);
    const frames = Math.min(row.clip.numFrames, options.maxFrames ?? row.clip.numFrames);
    const framesWidth = frames * row.clip.width + (frames - 1) * separator;
    const captionWidth = Math.ceil(measure.measureText(row.label).width);
    return { row, frames, width: 2 * padding + Math.max(framesWidth, captionWidth) };
  });
  const width = Math.max(1, ...layout.map((entry) => entry.width));
  const height = Math.max(
    1,
    layout.reduce((sum, entry) => sum + captionHeight + entry.row.clip.height + padding, 0) +
      Math.max(0, rows.length - 1) * separator,
  );
  if (width > MAX_SIDE || height > MAX_SIDE) {
    throw new AugmentInputError('rows', `a ${width}x${height} sheet exceeds ${MAX_SIDE} px a side; use fewer rows or maxFrames`);
  }

  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d');
  context.fillStyle = css(background);
  context.fillRect(0, 0, width, height);
  context.font = font;
  context.textBaseline = 'top';

  let y = 0;
  layout.forEach(({ row, frames }, index) => {
    if (index > 0) {
      context.fillStyle = css(separatorColor);
      context.fillRect(0, y, width, separator);
      y += separator;
    }
    context.fillStyle = css(textColor);
    context.fillText(row.label, padding, y + padding);
    y += captionHeight;
    const { width: frameWidth, height: frameHeight } = row.clip;
    const frameBytes = frameWidth * frameHeight * 3;
    for (let t = 0; t < frames; t++) {
      const x = padding + t * (frameWidth + separator);
      if (t > 0) {
        context.fillStyle = css(separatorColor);
        context.fillRect(x - separator, y, separator, frameHeight);
      }
      putRgbFrame(context, row.clip.data.subarray(t * frameBytes, (t + 1) * frameBytes), frameWidth, frameHeight, x, y);
    }
    y += frameHeight + padding;
  });
  return { png: canvas.toBuffer('image/png'), width, height };
}
