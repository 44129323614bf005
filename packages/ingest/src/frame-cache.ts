/**
 * Decoded-frame cache on disk: one file per (video, decode settings) holding a "denser set" of frames.
 *
 * Why a denser set: caching exactly the frames one epoch sampled would make every later jittered draw a miss.
 * Instead an entry keeps `decode.cacheFrames` (default 32) evenly spaced frames of the whole video (all frames
 * of a shorter one) at the decode size, with their source frame numbers. Train-time sampling (with jitter) and
 * test-time sampling map their indices onto the nearest cached frame, so after the first epoch nothing is decoded.
 *
 * Reading: a clip needs a few of an entry's frames (8 of 32 by default), so a lookup reads the header, lets the
 * caller choose frames from it (`readFrames`), and reads and checks only those: about a quarter of the bytes and
 * checksum work of reading the whole entry, which was most of a warm test run's data path.
 *
 * Safety: an entry records the source file's size and mtime and is ignored when they change; its key includes the
 * frame count the set was spread over and where that came from (videoset.csv or ffprobe), so a corrected CSV count
 * is a miss. Entries are written whole to a temp file and renamed, so two writers never interleave; a truncated or
 * garbled entry is reported as a miss, never returned, and the caller rewrites it. One CRC-32 covers the header
 * (with its length), and the header holds one CRC-32 per frame; the file's size must be exactly what the header
 * says. So a truncated entry is caught at any read, and any single flipped bit in the header or in a frame that is
 * read is caught (a flipped bit in a frame not read does no harm until a read of that frame finds it).
 *
 * Orphaned temp files (a writer killed between write and rename) are removed when a cache is first used: only this
 * cache's own temp names (`.<entry>.frames.<pid>.<hex>.tmp`), and only those last modified more than
 * `staleTempSeconds` ago (default 1 hour). A live writer holds its temp for milliseconds (one write, then rename)
 * and touches it while writing, so an hour-old temp has no writer, whichever process or host shares the folder;
 * pids are not used, since a shared (network) folder sees other hosts' pids.
 *
 * Layout: 8-byte magic `A2DFRM03`, uint32 LE header length, uint32 LE CRC-32 of (the 4 length bytes, header),
 * UTF-8 JSON header (with `frameCrcs`), then `indices.length` rgb24 frames. Entries of format 2 (`A2DFRM02`, one
 * CRC over everything) have other file names (the format is part of the key hash) and are decoded again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, promises as fs, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import type { Clip } from '@a2d/core';

// Uint8Array, not Buffer: this module is also bundled into the browser viewer (for its sampling helpers' package).
const MAGIC = new TextEncoder().encode('A2DFRM03');
const FORMAT_VERSION = 3;
/** Bytes before the JSON header: magic, header length, CRC-32. */
const PREFIX_BYTES = MAGIC.length + 8;
/** Bytes read at once from the start of an entry: the prefix and, in practice, the whole header. */
const HEAD_READ_BYTES = 4096;

/**
 * Where the frame count an entry was spread over came from: videoset.csv's `numFrames` for the video (part of the
 * key, so correcting the CSV invalidates the entry), or ffprobe (a property of the file, covered by its stamp).
 */
export type FrameCountOrigin = { from: 'record'; numFrames: number } | { from: 'probe' };

/** What an entry depends on besides the source file: the video, the decode settings and the frame count's origin. */
export interface FrameCacheKey {
  videoId: string;
  width: number;
  height: number;
  cacheFrames: number;
  frameCount: FrameCountOrigin;
}

/** Settings of a `FrameCache`. */
export interface FrameCacheOptions {
  /** Temp files of this cache older than this are orphans of killed writers and are removed on first use (default 3600). */
  staleTempSeconds?: number;
}

/** Identity of the source file when the entry was made (a change invalidates it). */
export interface SourceStamp {
  size: number;
  mtimeMs: number;
}

/** A cached denser set: frame `i` of `clip` is source frame `indices[i]`. */
export interface CachedFrameSet {
  /** Source frame numbers, sorted and distinct. */
  indices: number[];
  /** Frame count of the source video the set was spread over. */
  totalFrames: number;
  /** Requested frames the decoder could not deliver (copies of the last decoded one), kept for reporting. */
  missingIndices: number[];
  clip: Clip;
}

/** Why a lookup missed (for counters and tests). */
export type FrameCacheMiss = 'absent' | 'stale' | 'corrupt';

/** Counters of one cache's lookups and writes. */
export interface FrameCacheStats {
  hits: number;
  absent: number;
  stale: number;
  corrupt: number;
  writes: number;
}

const frameCountSchema = z.discriminatedUnion('from', [
  z.object({ from: z.literal('record'), numFrames: z.number().int().positive() }),
  z.object({ from: z.literal('probe') }),
]);

const headerSchema = z.object({
  version: z.literal(FORMAT_VERSION),
  key: z.object({
    videoId: z.string(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    cacheFrames: z.number().int().positive(),
    frameCount: frameCountSchema,
  }),
  source: z.object({ size: z.number().nonnegative(), mtimeMs: z.number() }),
  totalFrames: z.number().int().positive(),
  indices: z.array(z.number().int().nonnegative()).min(1),
  missingIndices: z.array(z.number().int().nonnegative()),
  dataBytes: z.number().int().nonnegative(),
  /** CRC-32 of each frame, in order. */
  frameCrcs: z.array(z.number().int().nonnegative()),
});
type EntryHeader = z.infer<typeof headerSchema>;

/** What an entry says about its frames before any is read: the caller chooses frames from it. */
export interface CachedFrameIndex {
  /** Source frame numbers of the cached frames, sorted and distinct. */
  indices: number[];
  /** Frame count of the source video the set was spread over. */
  totalFrames: number;
  /** Requested frames the decoder could not deliver (copies of the last decoded one). */
  missingIndices: number[];
}

/** Frames read from an entry: `clip` holds the cached frames at `positions`, in that order. */
export interface CachedFrames {
  index: CachedFrameIndex;
  positions: number[];
  clip: Clip;
}

/** The frame-count origin as one canonical string (`record:120`, `probe`). */
function frameCountTag(origin: FrameCountOrigin): string {
  return origin.from === 'record' ? `record:${origin.numFrames}` : 'probe';
}

/** Stable short hash of the settings an entry depends on (part of its file name). */
export function frameCacheKeyHash(key: FrameCacheKey): string {
  const canonical = JSON.stringify([FORMAT_VERSION, key.videoId, key.width, key.height, key.cacheFrames, frameCountTag(key.frameCount)]);
  return createHash('sha1').update(canonical).digest('hex').slice(0, 16);
}

/** Temp names `writeEntryAtomic` gives: `.<entry file>.<pid>.<8 hex>.tmp`. */
const TEMP_NAME = /^\..+\.frames\.\d+\.[0-9a-f]{8}\.tmp$/;

/**
 * Reads the size and mtime of a source video (throws the fs error when it is missing). Synchronous for the same
 * reason as the entry reads (`readAt`): one stat per clip, cheaper than the promise around it.
 */
export function sourceStamp(file: string): SourceStamp {
  const stat = statSync(file);
  return { size: stat.size, mtimeMs: stat.mtimeMs };
}

/** A folder of decoded denser sets. */
export class FrameCache {
  /** Lookup and write counters since construction. */
  readonly stats: FrameCacheStats = { hits: 0, absent: 0, stale: 0, corrupt: 0, writes: 0 };
  private readonly staleTempSeconds: number;
  private opened: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    options: FrameCacheOptions = {},
  ) {
    this.staleTempSeconds = options.staleTempSeconds ?? 3600;
  }

  /**
   * Removes this cache's temp files last modified more than `staleTempSeconds` ago (see the file comment);
   * returns their paths. A missing or unreadable folder, or a file another process removed first, is no error.
   */
  async removeStaleTemps(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return [];
    }
    const cutoff = Date.now() - this.staleTempSeconds * 1000;
    const removed: string[] = [];
    for (const name of names.filter((entry) => TEMP_NAME.test(entry))) {
      const file = path.join(this.dir, name);
      try {
        const stat = await fs.stat(file);
        if (!stat.isFile() || stat.mtimeMs > cutoff) continue;
        await fs.rm(file);
        removed.push(file);
      } catch {
        // Renamed or removed meanwhile by its writer or another cleaner, or not ours to remove: leave it.
      }
    }
    return removed;
  }

  /** The first lookup or store sweeps orphaned temps once (the cache "opens"). */
  private open(): Promise<void> {
    this.opened ??= this.removeStaleTemps().then(() => undefined);
    return this.opened;
  }

  /** File of an entry: a readable prefix of the video id plus the settings hash. */
  entryPath(key: FrameCacheKey): string {
    const readable = key.videoId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
    return path.join(this.dir, `${readable}.${frameCacheKeyHash(key)}.frames`);
  }

  /** The whole entry for `key` made from a source with stamp `source` (every frame read and checked), or why there is none usable. */
  async lookup(key: FrameCacheKey, source: SourceStamp): Promise<CachedFrameSet | FrameCacheMiss> {
    const read = await this.readFrames(key, source, (index) => index.indices.map((_, position) => position));
    if (typeof read === 'string') return read;
    return { ...read.index, clip: read.clip };
  }

  /**
   * Reads the frames `choose` picks (positions in the entry, any order, repeats allowed) from the entry for `key`,
   * checking the header and each frame read against their CRC-32s; or why there is none usable. `choose` is called
   * at most once, and only for an entry whose header is intact and current.
   */
  async readFrames(key: FrameCacheKey, source: SourceStamp, choose: (index: CachedFrameIndex) => readonly number[]): Promise<CachedFrames | FrameCacheMiss> {
    await this.open();
    let fd: number;
    try {
      fd = openSync(this.entryPath(key), 'r');
    } catch {
      this.stats.absent++;
      return 'absent';
    }
    try {
      const result = readEntryFrames(fd, key, source, choose);
      this.stats[typeof result === 'string' ? result : 'hits']++;
      return result;
    } finally {
      closeSync(fd);
    }
  }

  /** Writes (or replaces) the entry atomically. */
  async store(key: FrameCacheKey, source: SourceStamp, set: CachedFrameSet): Promise<void> {
    await this.open();
    const { clip } = set;
    if (clip.width !== key.width || clip.height !== key.height || clip.numFrames !== set.indices.length) {
      throw new RangeError(
        `frame cache ${key.videoId}: clip ${clip.numFrames}x${clip.height}x${clip.width} does not match ` +
          `${set.indices.length} frames of ${key.height}x${key.width}`,
      );
    }
    const frameBytes = clip.width * clip.height * 3;
    const header = Buffer.from(
      JSON.stringify({
        version: FORMAT_VERSION,
        key,
        source,
        totalFrames: set.totalFrames,
        indices: set.indices,
        missingIndices: set.missingIndices,
        dataBytes: clip.data.length,
        frameCrcs: Array.from({ length: set.indices.length }, (_, i) => crc32(clip.data.subarray(i * frameBytes, (i + 1) * frameBytes))),
      } satisfies z.input<typeof headerSchema>),
      'utf8',
    );
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32LE(crc32(header, crc32(length)));
    await writeEntryAtomic(this.entryPath(key), [MAGIC, length, checksum, header, clip.data]);
    this.stats.writes++;
  }
}

/**
 * Temp file + rename, like core's `writeFileAtomic`, but gathering the pieces with one `writev` (no 2 MB concat)
 * and without fsync: an entry that a crash leaves half-flushed fails its length or CRC check and is re-decoded,
 * so durability buys nothing here and fsync would put the disk on every cold load's critical path.
 */
async function writeEntryAtomic(target: string, pieces: readonly Uint8Array[]): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(temp, 'w');
    try {
      const { bytesWritten } = await handle.writev(pieces);
      const expected = pieces.reduce((sum, piece) => sum + piece.length, 0);
      if (bytesWritten !== expected) throw new Error(`short write to ${temp}: ${bytesWritten} of ${expected} bytes`);
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/**
 * Reads `length` bytes at `position` (fewer only at the end of the file). Synchronous on purpose: an entry read is
 * a header and a few ~60 KB frames, normally from the page cache (tens of microseconds each), and the promise
 * machinery of an async read cost more than the read (measured: ~60 us per call); on the loader thread, where
 * training and evaluation read, blocking is free.
 */
function readAt(fd: number, length: number, position: number, into?: Uint8Array, offset = 0): Uint8Array {
  const buffer = into ?? new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const bytesRead = readSync(fd, buffer, offset + done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return into ? buffer.subarray(offset, offset + done) : buffer.subarray(0, done);
}

/** The header of an entry, checked against its CRC-32, the key and the file's size; why not when anything is off. */
function readHeader(fd: number, key: FrameCacheKey): { header: EntryHeader; dataStart: number } | undefined {
  const head = Buffer.from(readAt(fd, HEAD_READ_BYTES, 0));
  if (head.length < PREFIX_BYTES || !head.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const lengthBytes = head.subarray(MAGIC.length, MAGIC.length + 4);
  const headerLength = lengthBytes.readUInt32LE(0);
  const dataStart = PREFIX_BYTES + headerLength;
  const { size } = fstatSync(fd);
  if (dataStart > size) return undefined;
  const headerBytes = dataStart <= head.length ? head.subarray(PREFIX_BYTES, dataStart) : Buffer.from(readAt(fd, headerLength, PREFIX_BYTES));
  if (headerBytes.length !== headerLength) return undefined;
  // The checksum first: a flipped bit may leave the JSON valid (a frame number 21 -> 23), so nothing is trusted unchecked.
  if (crc32(headerBytes, crc32(lengthBytes)) !== head.readUInt32LE(MAGIC.length + 4)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(headerBytes.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const header = parsed.data;
  const frameSize = key.width * key.height * 3;
  if (
    header.key.videoId !== key.videoId ||
    header.key.width !== key.width ||
    header.key.height !== key.height ||
    header.key.cacheFrames !== key.cacheFrames ||
    frameCountTag(header.key.frameCount) !== frameCountTag(key.frameCount) ||
    header.frameCrcs.length !== header.indices.length ||
    header.dataBytes !== header.indices.length * frameSize ||
    size !== dataStart + header.dataBytes
  ) {
    return undefined;
  }
  return { header, dataStart };
}

/** `readFrames` on an open entry file. */
function readEntryFrames(fd: number, key: FrameCacheKey, source: SourceStamp, choose: (index: CachedFrameIndex) => readonly number[]): CachedFrames | FrameCacheMiss {
  const found = readHeader(fd, key);
  if (found === undefined) return 'corrupt';
  const { header, dataStart } = found;
  if (header.source.size !== source.size || header.source.mtimeMs !== source.mtimeMs) return 'stale';
  const index: CachedFrameIndex = { indices: header.indices, totalFrames: header.totalFrames, missingIndices: header.missingIndices };
  const positions = [...choose(index)];
  const count = header.indices.length;
  if (positions.some((position) => !Number.isInteger(position) || position < 0 || position >= count)) {
    throw new RangeError(`frame cache ${key.videoId}: frame positions must be integers in 0..${count - 1}, got [${positions.join(', ')}]`);
  }
  const frameSize = key.width * key.height * 3;
  // Each distinct frame is read once (runs of consecutive frames in one read) into the first slot that wants it,
  // checked there, then copied to any other slot that wants it.
  const data = new Uint8Array(positions.length * frameSize);
  const firstSlot = new Map<number, number>();
  positions.forEach((position, slot) => {
    if (!firstSlot.has(position)) firstSlot.set(position, slot);
  });
  const reads = [...firstSlot].sort(([a], [b]) => a - b);
  for (let start = 0; start < reads.length; ) {
    // A run: consecutive frames of the entry going to consecutive slots, so one read fills them in place.
    let end = start + 1;
    while (end < reads.length && reads[end][0] === reads[end - 1][0] + 1 && reads[end][1] === reads[end - 1][1] + 1) end++;
    const [firstPosition, slot] = reads[start];
    const length = (end - start) * frameSize;
    const run = readAt(fd, length, dataStart + firstPosition * frameSize, data, slot * frameSize);
    if (run.length !== length) return 'corrupt';
    for (let k = 0; k < end - start; k++) {
      if (crc32(run.subarray(k * frameSize, (k + 1) * frameSize)) !== header.frameCrcs[firstPosition + k]) return 'corrupt';
    }
    start = end;
  }
  positions.forEach((position, slot) => {
    const from = firstSlot.get(position) as number;
    if (from !== slot) data.copyWithin(slot * frameSize, from * frameSize, (from + 1) * frameSize);
  });
  return { index, positions, clip: { data, numFrames: positions.length, width: key.width, height: key.height } };
}
