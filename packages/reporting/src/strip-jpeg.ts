/**
 * Explanation strips are photographs with heatmaps: as PNG (how `evaluator:explain` writes them, lossless) a default
 * strip of 8 frames is about 290 KB, and a report embeds up to 48 of them. The report embeds them as JPEG instead
 * (quality 0.85: about 60 KB, the overlays and box outlines still clear), drawn through canvas, the project's one
 * image route.
 */
import { createCanvas, Image } from 'canvas';
import { ReportInputError } from './report-input-error';

/** JPEG quality of embedded strips (0..1). */
export const STRIP_JPEG_QUALITY = 0.85;

/** The PNG `png` re-encoded as JPEG; an image canvas cannot decode is a `ReportInputError` naming `argument`. */
export function pngToJpeg(png: Uint8Array, argument: string, quality = STRIP_JPEG_QUALITY): Buffer {
  const image = new Image();
  let failure: unknown;
  image.onerror = (error: Error) => {
    failure = error;
  };
  image.src = Buffer.from(png);
  if (failure !== undefined || image.width === 0 || image.height === 0) {
    throw new ReportInputError(argument, `cannot decode the image: ${failure instanceof Error ? failure.message : 'no pixels'}`);
  }
  const canvas = createCanvas(image.width, image.height);
  const context = canvas.getContext('2d');
  // JPEG has no alpha: a transparent pixel would turn black.
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, image.width, image.height);
  context.drawImage(image, 0, 0);
  return canvas.toBuffer('image/jpeg', { quality });
}
