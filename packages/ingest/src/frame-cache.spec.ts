import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FrameCache, frameCacheKeyHash, type CachedFrameSet, type FrameCacheKey } from './frame-cache';

const key: FrameCacheKey = { videoId: 'vid/01', width: 4, height: 3, cacheFrames: 8 };
const stamp = { size: 1234, mtimeMs: 1700000000123.456 };

function frameSet(fill: number, frames = 3): CachedFrameSet {
  const data = Uint8Array.from({ length: frames * 4 * 3 * 3 }, (_, i) => (fill + i) % 256);
  return {
    indices: Array.from({ length: frames }, (_, i) => i * 5 + 2),
    totalFrames: frames * 5,
    missingIndices: [],
    clip: { data, numFrames: frames, width: 4, height: 3 },
  };
}

describe('FrameCache', () => {
  it('stores and returns an entry, keyed by the decode settings', async () => {
    const cache = new FrameCache(mkdtempSync(path.join(os.tmpdir(), 'a2d-cache-')));
    expect(await cache.lookup(key, stamp)).toBe('absent');
    await cache.store(key, stamp, frameSet(7));
    const hit = await cache.lookup(key, stamp);
    expect(hit).toEqual(frameSet(7));
    expect(await cache.lookup({ ...key, width: 5 }, stamp)).toBe('absent');
    expect(frameCacheKeyHash({ ...key, cacheFrames: 16 })).not.toBe(frameCacheKeyHash(key));
    expect(path.basename(cache.entryPath(key))).toMatch(/^vid_01\.[0-9a-f]{16}\.frames$/);
    expect(cache.stats).toEqual({ hits: 1, absent: 2, stale: 0, corrupt: 0, writes: 1 });
  });

  it('treats an entry of a changed source as stale', async () => {
    const cache = new FrameCache(mkdtempSync(path.join(os.tmpdir(), 'a2d-cache-')));
    await cache.store(key, stamp, frameSet(1));
    expect(await cache.lookup(key, { ...stamp, size: 1235 })).toBe('stale');
    expect(await cache.lookup(key, { ...stamp, mtimeMs: stamp.mtimeMs + 1 })).toBe('stale');
  });

  it('never returns a truncated or garbled entry, and a rewrite repairs it', async () => {
    const cache = new FrameCache(mkdtempSync(path.join(os.tmpdir(), 'a2d-cache-')));
    await cache.store(key, stamp, frameSet(3));
    const file = cache.entryPath(key);
    const good = readFileSync(file);
    const damaged: [string, Buffer][] = [
      ['truncated data', good.subarray(0, good.length - 5)],
      ['truncated header', good.subarray(0, 20)],
      ['empty', Buffer.alloc(0)],
      ['flipped pixel', Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good[good.length - 1] ^ 1])])],
      ['bad magic', Buffer.concat([Buffer.from('XXXXXXXX'), good.subarray(8)])],
      ['extra bytes', Buffer.concat([good, Buffer.from([0])])],
    ];
    const headerEnd = 12 + good.readUInt32LE(8);
    const header = good.subarray(12, headerEnd).toString('utf8');
    const otherCount = Buffer.from(header.replace('"totalFrames":15', '"totalFrames":"x"'));
    damaged.push(['bad header field', Buffer.concat([good.subarray(0, 8), lengthOf(otherCount), otherCount, good.subarray(headerEnd)])]);
    for (const [, bytes] of damaged) {
      writeFileSync(file, bytes);
      expect(await cache.lookup(key, stamp)).toBe('corrupt');
    }
    await cache.store(key, stamp, frameSet(3));
    expect(await cache.lookup(key, stamp)).toEqual(frameSet(3));
  });

  it('keeps one whole entry when writers race', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-cache-'));
    const writers = Array.from({ length: 6 }, () => new FrameCache(dir));
    await Promise.all(writers.map((cache, i) => cache.store(key, stamp, frameSet(i * 40, 20))));
    const result = await new FrameCache(dir).lookup(key, stamp);
    expect(typeof result).not.toBe('string');
    const fills = Array.from({ length: 6 }, (_, i) => frameSet(i * 40, 20));
    expect(fills).toContainEqual(result);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('refuses to store a clip that does not match its key', async () => {
    const cache = new FrameCache(mkdtempSync(path.join(os.tmpdir(), 'a2d-cache-')));
    await expect(cache.store({ ...key, width: 8 }, stamp, frameSet(0))).rejects.toThrow(/does not match/);
  });
});

function lengthOf(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32LE(bytes.length);
  return length;
}
