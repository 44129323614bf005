/**
 * The one font every plot is drawn with, registered from a TTF file so text renders the same on every
 * machine instead of whatever fontconfig picks. DejaVu Sans comes with Debian's `fonts-dejavu-core`.
 */
import { existsSync } from 'node:fs';
import { registerFont } from 'canvas';
import { A2dError } from '@a2d/core';

/** The family name plots ask for; it resolves only to the files registered below. */
export const REPORT_FONT_FAMILY = 'A2D Sans';

/** Where the regular and bold faces are looked up (Debian/Ubuntu `fonts-dejavu-core` paths). */
export const REPORT_FONT_FILES = {
  regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
} as const;

/** The report font file is missing: plots would silently fall back to another font. */
export class ReportFontError extends A2dError {
  constructor(readonly file: string) {
    super(`${file}: font file not found (install the Debian package fonts-dejavu-core: apt-get install fonts-dejavu-core)`);
  }
}

let registered = false;

/** Registers the report font with canvas once per process (before any canvas is created); returns its family name. */
export function registerReportFont(): string {
  if (registered) return REPORT_FONT_FAMILY;
  for (const file of Object.values(REPORT_FONT_FILES)) if (!existsSync(file)) throw new ReportFontError(file);
  registerFont(REPORT_FONT_FILES.regular, { family: REPORT_FONT_FAMILY, weight: 'normal' });
  registerFont(REPORT_FONT_FILES.bold, { family: REPORT_FONT_FAMILY, weight: 'bold' });
  registered = true;
  return REPORT_FONT_FAMILY;
}
