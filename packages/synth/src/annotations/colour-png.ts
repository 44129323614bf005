/**
 * A frame's colour annotation (`Annotations/col/<videoId>/<frame>.png`), as A2D ships beside its MATLAB files: each
 * instance's pixels painted in the colour of its label, the background black. The palette is ours (one hue per
 * actor, brightness by action, the none-action pale), not A2D's; the `.mat` file is the source of truth. Encoded
 * here with node:zlib rather than canvas so generating a dataset needs no native module.
 */
import { crc32, deflateSync } from 'node:zlib';
import { hsv } from '../colour';
import type { Rgb } from '../raster';
import type { MaskSize } from './actor-masks';

/** An instance to paint: its label code and row-major 0/1 mask. */
export interface ColouredInstance {
  id: number;
  mask: Uint8Array;
}

/** The colour of an A2D label code (10 * actor + action) in the colour PNGs; never black. */
export function labelColour(id: number): Rgb {
  const actor = Math.floor(id / 10);
  const action = id % 10;
  return hsv((actor - 1) / 7, action === 9 ? 0.35 : 0.9, 0.55 + 0.05 * action);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * PNG bytes of `size` with each instance painted over the black background, later instances on top: an indexed
 * image (palette entry 0 black, entry i + 1 the colour of instance i), a third of the bytes of RGB to compress.
 */
export function encodeColourPng(instances: readonly ColouredInstance[], size: MaskSize): Buffer {
  const { width, height } = size;
  if (instances.length > 255) throw new RangeError(`${instances.length} instances do not fit an 8-bit palette`);
  const rowBytes = 1 + width;
  const raw = Buffer.alloc(rowBytes * height); // each row: filter type 0, then palette indices
  const palette = Buffer.alloc(3 * (instances.length + 1));
  instances.forEach(({ id, mask }, i) => {
    if (mask.length !== width * height) throw new RangeError(`mask has ${mask.length} pixels, expected ${width}x${height}`);
    palette.set(labelColour(id), 3 * (i + 1));
    for (let y = 0, p = 0; y < height; y++) {
      const row = y * rowBytes + 1;
      for (let x = 0; x < width; x++, p++) if (mask[p] !== 0) raw[row + x] = i + 1;
    }
  });
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 3, 0, 0, 0], 8); // 8 bits, indexed colour, deflate, filter method 0, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('PLTE', palette),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
