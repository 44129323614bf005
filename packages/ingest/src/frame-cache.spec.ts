import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { FrameCache, frameCacheKeyHash, type CachedFrameSet, type FrameCacheKey } from './frame-cache';

const key: FrameCacheKey = { videoId: 'vid/01', width: 4, height: 3, cacheFrames: 8, frameCount: { from: 'record', numFrames: 15 } };
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
    // Headers rewritten with a correct checksum: the checks behind it must still refuse them.
    const header = headerOf(good);
    expect(header).toContain('"totalFrames":15');
    damaged.push(['bad header field', withHeader(good, header.replace('"totalFrames":15', '"totalFrames":"x"'))]);
    damaged.push(['other video in the header', withHeader(good, header.replace('"videoId":"vid/01"', '"videoId":"vid/02"'))]);
    damaged.push(['other frame count in the header', withHeader(good, header.replace('"numFrames":15', '"numFrames":16'))]);
    expect(await lookupOf(cache, file, withHeader(good, header))).toEqual(frameSet(3)); // the rebuild itself is faithful
    for (const [name, bytes] of damaged) {
      writeFileSync(file, bytes);
      expect([name, await cache.lookup(key, stamp)]).toEqual([name, 'corrupt']);
    }
    await cache.store(key, stamp, frameSet(3));
    expect(await cache.lookup(key, stamp)).toEqual(frameSet(3));
  });

  it('reads only the frames chosen from the header, each checked, in the order and with the repeats asked for', async () => {
    const cache = new FrameCache(mkdtempSync(path.join(os.tmpdir(), 'a2d-cache-')));
    const set = frameSet(11, 6);
    await cache.store(key, stamp, set);
    const frameBytes = 4 * 3 * 3;
    const frameOf = (position: number) => Array.from(set.clip.data.subarray(position * frameBytes, (position + 1) * frameBytes));
    const seen: unknown[] = [];
    const read = await cache.readFrames(key, stamp, (index) => {
      seen.push(index);
      return [4, 1, 2, 2, 5];
    });
    expect(seen).toEqual([{ indices: set.indices, totalFrames: set.totalFrames, missingIndices: [] }]);
    if (typeof read === 'string') throw new Error(read);
    expect(read.positions).toEqual([4, 1, 2, 2, 5]);
    expect(read.clip).toMatchObject({ numFrames: 5, width: 4, height: 3 });
    expect(Array.from(read.clip.data)).toEqual([4, 1, 2, 2, 5].flatMap(frameOf));

    // A damaged frame that is not read does no harm; reading it is a miss (and a whole lookup reads every frame).
    const file = cache.entryPath(key);
    const bytes = readFileSync(file);
    bytes[bytes.length - frameBytes * 3 + 7] ^= 0x40; // frame 3 of 6
    writeFileSync(file, bytes);
    expect(typeof (await cache.readFrames(key, stamp, () => [0, 2, 4, 5]))).not.toBe('string');
    expect(await cache.readFrames(key, stamp, () => [0, 3])).toBe('corrupt');
    expect(await cache.lookup(key, stamp)).toBe('corrupt');
    await expect(cache.readFrames(key, { ...stamp }, () => [6])).rejects.toThrow(/frame positions must be integers in 0\.\.5/);
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

  it('reads any single flipped bit anywhere in an entry (magic, length, checksum, header, frames) as a miss', async () => {
    const cache = new FrameCache(mkdtempSync(path.join(os.tmpdir(), 'a2d-cache-')));
    await cache.store(key, stamp, frameSet(5, 2));
    const file = cache.entryPath(key);
    const good = readFileSync(file);
    const hits: string[] = [];
    for (let byte = 0; byte < good.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const bytes = Buffer.from(good);
        bytes[byte] ^= 1 << bit;
        if (typeof (await lookupOf(cache, file, bytes)) !== 'string') hits.push(`byte ${byte} bit ${bit}`);
      }
    }
    expect(hits).toEqual([]);
    expect(cache.stats.corrupt).toBe(good.length * 8);
  });

  it('does not serve a header whose frame index 21 became 23 (the JSON still valid)', async () => {
    const cache = new FrameCache(mkdtempSync(path.join(os.tmpdir(), 'a2d-cache-')));
    const set = { ...frameSet(9), indices: [2, 21, 40], totalFrames: 45 };
    await cache.store(key, stamp, set);
    const file = cache.entryPath(key);
    const bytes = readFileSync(file);
    const at = bytes.indexOf('[2,21,40]') + 4; // the "1" of 21
    bytes[at] ^= 0b10; // '1' (0x31) -> '3' (0x33): one bit
    expect(bytes.subarray(at - 4, at + 5).toString()).toBe('[2,23,40]');
    writeFileSync(file, bytes);
    expect(await cache.lookup(key, stamp)).toBe('corrupt');
  });

  it('keys entries on the frame count and where it came from', async () => {
    const cache = new FrameCache(mkdtempSync(path.join(os.tmpdir(), 'a2d-cache-')));
    await cache.store(key, stamp, frameSet(4));
    const corrected: FrameCacheKey = { ...key, frameCount: { from: 'record', numFrames: 12 } };
    const probed: FrameCacheKey = { ...key, frameCount: { from: 'probe' } };
    expect(await cache.lookup(corrected, stamp)).toBe('absent');
    expect(await cache.lookup(probed, stamp)).toBe('absent');
    expect(new Set([key, corrected, probed].map(frameCacheKeyHash)).size).toBe(3);
    // An entry renamed onto another count's file is refused by the header check, not served.
    writeFileSync(cache.entryPath(corrected), readFileSync(cache.entryPath(key)));
    expect(await cache.lookup(corrected, stamp)).toBe('corrupt');
    expect(await cache.lookup(key, stamp)).toEqual(frameSet(4));
  });

  it('removes its own temp files older than staleTempSeconds when first used, and nothing else', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-cache-'));
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000);
    const make = (name: string, old: boolean) => {
      const file = path.join(dir, name);
      writeFileSync(file, 'x');
      if (old) utimesSync(file, twoHoursAgo, twoHoursAgo);
      return file;
    };
    const orphan = make('.vid_01.0123456789abcdef.frames.4242.deadbeef.tmp', true);
    const live = make('.vid_02.0123456789abcdef.frames.4243.cafef00d.tmp', false);
    const foreign = make('notes.tmp', true);
    const oldEntry = make('vid_03.0123456789abcdef.frames', true);
    const cache = new FrameCache(dir);
    expect(await cache.lookup(key, stamp)).toBe('absent');
    expect([orphan, live, foreign, oldEntry].map(existsSync)).toEqual([false, true, true, true]);

    // A shorter threshold is honoured; the sweep runs once per cache, not on every lookup.
    const eager = new FrameCache(dir, { staleTempSeconds: 0 });
    await eager.store(key, stamp, frameSet(1));
    expect(existsSync(live)).toBe(false);
    const later = make('.vid_04.0123456789abcdef.frames.4244.00000000.tmp', true);
    await eager.lookup(key, stamp);
    expect(existsSync(later)).toBe(true);
    expect(await eager.removeStaleTemps()).toEqual([later]);
  });

  it('refuses to store a clip that does not match its key', async () => {
    const cache = new FrameCache(mkdtempSync(path.join(os.tmpdir(), 'a2d-cache-')));
    await expect(cache.store({ ...key, width: 8 }, stamp, frameSet(0))).rejects.toThrow(/does not match/);
  });
});

/** Layout of an entry (see frame-cache.ts): magic (8), header length (4), CRC-32 of length + header (4), header, frames. */
const PREFIX = 16;

function headerOf(entry: Buffer): string {
  return entry.subarray(PREFIX, PREFIX + entry.readUInt32LE(8)).toString('utf8');
}

/** `entry` with its header replaced by `header` and a checksum that is right for the result. */
function withHeader(entry: Buffer, header: string): Buffer {
  const headerBytes = Buffer.from(header, 'utf8');
  const frames = entry.subarray(PREFIX + entry.readUInt32LE(8));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32LE(crc32(headerBytes, crc32(length)));
  return Buffer.concat([entry.subarray(0, 8), length, checksum, headerBytes, frames]);
}

async function lookupOf(cache: FrameCache, file: string, bytes: Buffer) {
  writeFileSync(file, bytes);
  return cache.lookup(key, stamp);
}
