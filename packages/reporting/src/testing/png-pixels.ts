/** Test support: decodes a PNG (through canvas, like a viewer would) to measure what was actually drawn. */
import { createCanvas, loadImage } from 'canvas';

/** Decoded RGBA pixels of a PNG. */
export interface DecodedPng {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

/** Decodes the PNG bytes with canvas's image loader. */
export async function decodePng(png: Buffer): Promise<DecodedPng> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  return { width: image.width, height: image.height, rgba: context.getImageData(0, 0, image.width, image.height).data };
}

/** Variance of the grey level over all pixels: about 0 for a blank image, hundreds or more for a chart. */
export function greyVariance({ rgba }: DecodedPng): number {
  let sum = 0;
  let squares = 0;
  const count = rgba.length / 4;
  for (let i = 0; i < rgba.length; i += 4) {
    const grey = (rgba[i] + rgba[i + 1] + rgba[i + 2]) / 3;
    sum += grey;
    squares += grey * grey;
  }
  const mean = sum / count;
  return squares / count - mean * mean;
}

/** Number of pixels for which `test(r, g, b)` holds. */
export function countPixels({ rgba }: DecodedPng, test: (r: number, g: number, b: number) => boolean): number {
  let count = 0;
  for (let i = 0; i < rgba.length; i += 4) if (test(rgba[i], rgba[i + 1], rgba[i + 2])) count++;
  return count;
}

/** Reads the IHDR size and checks the signature, independently of the code under test. */
export function pngHeader(png: Buffer): { signature: boolean; width: number; height: number } {
  return {
    signature: png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    width: png.readUInt32BE(16),
    height: png.readUInt32BE(20),
  };
}

/** Asserts a chart PNG: right signature and size, and not blank. */
export async function expectChartPng(png: Buffer, width: number, height: number): Promise<DecodedPng> {
  expect(pngHeader(png)).toEqual({ signature: true, width, height });
  const decoded = await decodePng(png);
  expect(decoded.width).toBe(width);
  expect(decoded.height).toBe(height);
  expect(greyVariance(decoded)).toBeGreaterThan(100);
  return decoded;
}
