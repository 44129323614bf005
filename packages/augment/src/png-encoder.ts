/**
 * A small PNG encoder (8-bit RGB, no interlace) on node:zlib, so plots and contact sheets need no
 * native image library. Layout: signature, IHDR, one IDAT of deflated filtered scanlines, IEND.
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from './crc32';
import { AugmentInputError } from './augment-input-error';

/** Scanline filter choice: one PNG filter type for every row, or the per-row minimum-sum-of-absolute-differences heuristic. */
export type PngFilter = 'none' | 'sub' | 'up' | 'average' | 'paeth' | 'adaptive';

/** Encoder options. */
export interface PngOptions {
  /** Default `adaptive` (what libpng does for truecolour). */
  filter?: PngFilter;
  /** zlib level 0..9, default 6. */
  level?: number;
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const FILTER_TYPES: Record<Exclude<PngFilter, 'adaptive'>, number> = { none: 0, sub: 1, up: 2, average: 3, paeth: 4 };
const BYTES_PER_PIXEL = 3;

function chunk(type: string, data: Uint8Array): Buffer {
  const typeBytes = Buffer.from(type, 'latin1');
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  typeBytes.copy(out, 4);
  out.set(data, 8);
  out.writeUInt32BE(crc32(typeBytes, data), 8 + data.length);
  return out;
}

function paethPredictor(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** Writes filter byte + filtered row at `out[offset]`; `previous` is the unfiltered row above (or null). */
function filterRow(type: number, row: Uint8Array, previous: Uint8Array | null, out: Uint8Array, offset: number): void {
  out[offset] = type;
  for (let i = 0; i < row.length; i++) {
    const left = i >= BYTES_PER_PIXEL ? row[i - BYTES_PER_PIXEL] : 0;
    const up = previous ? previous[i] : 0;
    const upLeft = previous && i >= BYTES_PER_PIXEL ? previous[i - BYTES_PER_PIXEL] : 0;
    let predicted = 0;
    if (type === 1) predicted = left;
    else if (type === 2) predicted = up;
    else if (type === 3) predicted = (left + up) >>> 1;
    else if (type === 4) predicted = paethPredictor(left, up, upLeft);
    out[offset + 1 + i] = (row[i] - predicted) & 0xff;
  }
}

function absoluteSum(bytes: Uint8Array, offset: number, length: number): number {
  let sum = 0;
  for (let i = offset + 1; i < offset + 1 + length; i++) sum += bytes[i] < 128 ? bytes[i] : 256 - bytes[i];
  return sum;
}

/** Encodes `height` rows of `width` RGB pixels (`rgb.length === width * height * 3`) as a PNG file. */
export function encodePng(rgb: Uint8Array, width: number, height: number, options: PngOptions = {}): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new AugmentInputError('png size', `expected positive integer width and height, got ${width}x${height}`);
  }
  if (rgb.length !== width * height * BYTES_PER_PIXEL) {
    throw new AugmentInputError('png rgb', `expected ${width * height * BYTES_PER_PIXEL} bytes for ${width}x${height} RGB, got ${rgb.length}`);
  }
  const filter = options.filter ?? 'adaptive';
  const rowBytes = width * BYTES_PER_PIXEL;
  const filtered = new Uint8Array(height * (rowBytes + 1));
  const candidate = new Uint8Array(rowBytes + 1);
  for (let y = 0; y < height; y++) {
    const row = rgb.subarray(y * rowBytes, (y + 1) * rowBytes);
    const previous = y > 0 ? rgb.subarray((y - 1) * rowBytes, y * rowBytes) : null;
    const offset = y * (rowBytes + 1);
    if (filter !== 'adaptive') {
      filterRow(FILTER_TYPES[filter], row, previous, filtered, offset);
      continue;
    }
    let best = Infinity;
    for (let type = 0; type <= 4; type++) {
      filterRow(type, row, previous, candidate, 0);
      const score = absoluteSum(candidate, 0, rowBytes);
      if (score < best) {
        best = score;
        filtered.set(candidate, offset);
      }
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour
  header[10] = 0; // compression: deflate
  header[11] = 0; // filter method: adaptive (the only one defined)
  header[12] = 0; // no interlace
  const level = options.level ?? 6;
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(filtered, { level })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
