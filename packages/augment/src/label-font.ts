/**
 * The project's one text face, for contact-sheet captions and for @a2d/reporting's plots: DejaVu Sans (regular and
 * bold) from Debian's `fonts-dejavu-core`, registered with canvas from its TTF files so text renders the same on
 * every machine, and never silently replaced by another font.
 */
import { existsSync } from 'node:fs';
import { registerFont } from 'canvas';
import { A2dError } from '@a2d/core';

/** The family name text asks for; it resolves only to the files registered below. */
export const LABEL_FONT_FAMILY = 'A2D Sans';

/** Where the faces are looked up (Debian/Ubuntu `fonts-dejavu-core` paths). */
export const LABEL_FONT_FILES = {
  regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
} as const;

/** A font file is missing: text would silently fall back to another font. */
export class LabelFontError extends A2dError {
  constructor(readonly file: string) {
    super(`${file}: font file not found (install the Debian package fonts-dejavu-core: apt-get install fonts-dejavu-core)`);
  }
}

let registered = false;

/** Registers both faces with canvas once per process (before any canvas is created); returns the family. */
export function registerLabelFont(): string {
  if (registered) return LABEL_FONT_FAMILY;
  for (const file of Object.values(LABEL_FONT_FILES)) if (!existsSync(file)) throw new LabelFontError(file);
  registerFont(LABEL_FONT_FILES.regular, { family: LABEL_FONT_FAMILY, weight: 'normal' });
  registerFont(LABEL_FONT_FILES.bold, { family: LABEL_FONT_FAMILY, weight: 'bold' });
  registered = true;
  return LABEL_FONT_FAMILY;
}
