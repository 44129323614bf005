/**
 * The font contact-sheet captions are drawn with, registered from a TTF file so text renders the same on
 * every machine. Same files and family as @a2d/reporting's plots: DejaVu Sans from Debian's `fonts-dejavu-core`.
 */
import { existsSync } from 'node:fs';
import { registerFont } from 'canvas';
import { A2dError } from '@a2d/core';

/** The family name captions ask for; it resolves only to the file registered below. */
export const LABEL_FONT_FAMILY = 'A2D Sans';

/** Where the caption face is looked up (Debian/Ubuntu `fonts-dejavu-core` path). */
export const LABEL_FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

/** The caption font file is missing: text would silently fall back to another font. */
export class LabelFontError extends A2dError {
  constructor(readonly file: string) {
    super(`${file}: font file not found (install the Debian package fonts-dejavu-core: apt-get install fonts-dejavu-core)`);
  }
}

let registered = false;

/** Registers the caption font with canvas once per process (before any canvas is created); returns its family. */
export function registerLabelFont(): string {
  if (registered) return LABEL_FONT_FAMILY;
  if (!existsSync(LABEL_FONT_FILE)) throw new LabelFontError(LABEL_FONT_FILE);
  registerFont(LABEL_FONT_FILE, { family: LABEL_FONT_FAMILY, weight: 'normal' });
  registered = true;
  return LABEL_FONT_FAMILY;
}
