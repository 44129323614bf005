/** A plain RGB raster (what the PNG encoder takes) and the few drawing operations contact sheets need. */
import { AugmentInputError } from './augment-input-error';

/** `width * height * 3` bytes, row-major, RGB. */
export interface RgbImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** An RGB colour, 0..255 per channel. */
export type RgbColor = readonly [number, number, number];

/** A new image filled with `background`. */
export function createRgbImage(width: number, height: number, background: RgbColor): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new AugmentInputError('image size', `expected positive integers, got ${width}x${height}`);
  }
  const image = { rgb: new Uint8Array(width * height * 3), width, height };
  fillRect(image, 0, 0, width, height, background);
  return image;
}

/** Fills a rectangle, clipped to the image. */
export function fillRect(image: RgbImage, x: number, y: number, width: number, height: number, color: RgbColor): void {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(image.width, x + width);
  const y1 = Math.min(image.height, y + height);
  for (let row = y0; row < y1; row++) {
    for (let column = x0; column < x1; column++) {
      const offset = (row * image.width + column) * 3;
      image.rgb[offset] = color[0];
      image.rgb[offset + 1] = color[1];
      image.rgb[offset + 2] = color[2];
    }
  }
}

/** Copies a `width x height` RGB raster into the image with its top-left corner at (x, y); throws if it does not fit. */
export function pasteRgb(image: RgbImage, pixels: Uint8Array, width: number, height: number, x: number, y: number): void {
  if (x < 0 || y < 0 || x + width > image.width || y + height > image.height || pixels.length < width * height * 3) {
    throw new AugmentInputError('paste', `a ${width}x${height} raster at (${x}, ${y}) does not fit a ${image.width}x${image.height} image`);
  }
  const rowBytes = width * 3;
  for (let row = 0; row < height; row++) {
    image.rgb.set(pixels.subarray(row * rowBytes, (row + 1) * rowBytes), ((y + row) * image.width + x) * 3);
  }
}
