/**
 * Contact sheets: one labelled row per clip, its frames left to right, so a person can check at a
 * glance what the decoder and the augmentations actually produce.
 */
import type { Clip } from '@a2d/core';
import { GLYPH_HEIGHT, drawText, measureText } from './bitmap-font';
import { assertClipShape } from './augment-input-error';
import { createRgbImage, fillRect, pasteRgb, type RgbColor, type RgbImage } from './rgb-image';

/** One row of a contact sheet. */
export interface ContactSheetRow {
  /** Caption drawn above the frames (5x7 font: letters, digits, `-_:.,/=+()?` and space). */
  label: string;
  clip: Clip;
}

/** Layout and colours of a contact sheet. */
export interface ContactSheetOptions {
  /** Size of one font pixel in image pixels (default 2: 10x14 glyphs). */
  fontScale?: number;
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

/** Lays the rows out top to bottom; the sheet is as wide as the widest row or caption. */
export function renderContactSheet(rows: readonly ContactSheetRow[], options: ContactSheetOptions = {}): RgbImage {
  const scale = options.fontScale ?? 2;
  const separator = options.separator ?? 2;
  const padding = options.padding ?? 4;
  const background = options.background ?? [24, 24, 24];
  const separatorColor = options.separatorColor ?? [110, 110, 110];
  const textColor = options.textColor ?? [245, 245, 245];
  const captionHeight = GLYPH_HEIGHT * scale + 2 * padding;

  const layout = rows.map((row, index) => {
    assertClipShape(row.clip, `rows[${index}].clip`);
    const frames = Math.min(row.clip.numFrames, options.maxFrames ?? row.clip.numFrames);
    const framesWidth = frames * row.clip.width + (frames - 1) * separator;
    return { row, frames, width: 2 * padding + Math.max(framesWidth, measureText(row.label, scale)) };
  });
  const width = Math.max(1, ...layout.map((entry) => entry.width));
  const height = Math.max(
    1,
    layout.reduce((sum, entry) => sum + captionHeight + entry.row.clip.height + padding, 0) +
      Math.max(0, rows.length - 1) * separator,
  );
  const sheet = createRgbImage(width, height, background);

  let y = 0;
  layout.forEach(({ row, frames }, index) => {
    if (index > 0) {
      fillRect(sheet, 0, y, width, separator, separatorColor);
      y += separator;
    }
    drawText(sheet, row.label, padding, y + padding, scale, textColor);
    y += captionHeight;
    const { width: frameWidth, height: frameHeight } = row.clip;
    const frameBytes = frameWidth * frameHeight * 3;
    for (let t = 0; t < frames; t++) {
      const x = padding + t * (frameWidth + separator);
      if (t > 0) fillRect(sheet, x - separator, y, separator, frameHeight, separatorColor);
      pasteRgb(sheet, row.clip.data.subarray(t * frameBytes, (t + 1) * frameBytes), frameWidth, frameHeight, x, y);
    }
    y += frameHeight + padding;
  });
  return sheet;
}
