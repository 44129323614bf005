import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng } from '@a2d/core';
import { crc32 } from './crc32';
import { encodePng, type PngFilter } from './png-encoder';

/** Decodes a PNG with ffmpeg to raw RGB bytes. */
function decodeWithFfmpeg(png: Buffer, folder: string, name: string): Buffer {
  const file = path.join(folder, `${name}.png`);
  writeFileSync(file, png);
  return execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 24 });
}

/** Noise in the left half, smooth gradients in the right, so every filter type gets chosen by the heuristic. */
function testImage(width: number, height: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (x < width / 2) {
        rgb[o] = rng.int(0, 255);
        rgb[o + 1] = rng.int(0, 255);
        rgb[o + 2] = rng.int(0, 255);
      } else {
        rgb[o] = (x * 3 + y) & 0xff;
        rgb[o + 1] = (y * 5) & 0xff;
        rgb[o + 2] = (x * y) & 0xff;
      }
    }
  }
  return rgb;
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('1234'), Buffer.from('56789'))).toBe(0xcbf43926);
  });
});

describe('encodePng', () => {
  let folder: string;
  beforeAll(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'augment-png-'));
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const filters: PngFilter[] = ['adaptive', 'none', 'sub', 'up', 'average', 'paeth'];
  it.each(filters)('round-trips exactly through ffmpeg with the %s filter', (filter) => {
    for (const [width, height] of [
      [1, 1],
      [7, 5],
      [64, 33],
    ]) {
      const rgb = testImage(width, height, width + height);
      const decoded = decodeWithFfmpeg(encodePng(rgb, width, height, { filter }), folder, `${filter}-${width}x${height}`);
      expect(decoded.equals(Buffer.from(rgb))).toBe(true);
    }
  });

  it('writes the signature, an IHDR with size, depth 8 and colour type 2, and ends with IEND', () => {
    const png = encodePng(new Uint8Array(4 * 2 * 3), 4, 2);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.toString('latin1', 12, 16)).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]]).toEqual([4, 2, 8, 2]);
    expect(png.readUInt32BE(29)).toBe(crc32(png.subarray(12, 29)));
    expect(png.toString('latin1', png.length - 8, png.length - 4)).toBe('IEND');
  });

  it('rejects data that does not match the size', () => {
    expect(() => encodePng(new Uint8Array(10), 2, 2)).toThrow(/expected 12 bytes for 2x2 RGB, got 10/);
    expect(() => encodePng(new Uint8Array(0), 0, 2)).toThrow(/positive integer/);
  });
});
