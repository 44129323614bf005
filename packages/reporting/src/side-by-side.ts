/** Places PNGs next to each other on one white canvas (the comparison plot's two panels). */
import { createCanvas, loadImage } from 'canvas';
import { CHART_COLORS } from './palette';
import { readPngSize } from './png-size';
import { ReportInputError } from './report-input-error';

/** One PNG as wide as all `panels` plus `gap` px between them, as tall as the tallest, tops aligned. */
export async function composeSideBySide(panels: readonly Uint8Array[], gap = 0): Promise<Buffer> {
  if (panels.length === 0) throw new ReportInputError('panels', 'expected at least one PNG');
  const sizes = panels.map((panel, index) => readPngSize(panel, `panels.${index}`));
  const width = sizes.reduce((sum, size) => sum + size.width, 0) + gap * (panels.length - 1);
  const height = Math.max(...sizes.map((size) => size.height));
  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d');
  context.fillStyle = CHART_COLORS.background;
  context.fillRect(0, 0, width, height);
  let x = 0;
  for (const [index, panel] of panels.entries()) {
    context.drawImage(await loadImage(Buffer.from(panel)), x, 0);
    x += sizes[index].width + gap;
  }
  return canvas.toBuffer('image/png');
}
