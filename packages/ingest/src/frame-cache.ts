/**
 * Decoded-frame cache on disk: one file per (video, decode settings) holding a "denser set" of frames.
 *
 * Why a denser set: caching exactly the frames one epoch sampled would make every later jittered draw a miss.
 * Instead an entry keeps `decode.cacheFrames` (default 32) evenly spaced frames of the whole video (all frames
 * of a shorter one) at the decode size, with their source frame numbers. Train-time sampling (with jitter) and
 * test-time sampling map their indices onto the nearest cached frame, so after the first epoch nothing is decoded.
 *
 * Safety: an entry records the source file's size and mtime and is ignored when they change; its key includes the
 * frame count the set was spread over and where that came from (videoset.csv or ffprobe), so a corrected CSV count
 * is a miss. Entries are written whole to a temp file and renamed, so two writers never interleave; a truncated or
 * garbled entry (bad magic, length, header or frames: one CRC-32 covers everything after the magic, header
 * included, so any single flipped bit is caught) is reported as a miss, never returned, and the caller rewrites it.
 *
 * Orphaned temp files (a writer killed between write and rename) are removed when a cache is first used: only this
 * cache's own temp names (`.<entry>.frames.<pid>.<hex>.tmp`), and only those last modified more than
 * `staleTempSeconds` ago (default 1 hour). A live writer holds its temp for milliseconds (one write, then rename)
 * and touches it while writing, so an hour-old temp has no writer, whichever process or host shares the folder;
 * pids are not used, since a shared (network) folder sees other hosts' pids.
 *
 * Layout: 8-byte magic `A2DFRM02`, uint32 LE header length, uint32 LE CRC-32 of (the 4 length bytes, header,
 * frames), UTF-8 JSON header, then `indices.length` rgb24 frames.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import type { Clip } from '@a2d/core';

// Uint8Array, not Buffer: this module is also bundled into the browser viewer (for its sampling helpers' package).
const MAGIC = new TextEncoder().encode('A2DFRM02');
const FORMAT_VERSION = 2;
/** Bytes before the JSON header: magic, header length, CRC-32. */
const PREFIX_BYTES = MAGIC.length + 8;

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
});

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

/** Reads the size and mtime of a source video (throws the fs error when it is missing). */
export async function sourceStamp(file: string): Promise<SourceStamp> {
  const stat = await fs.stat(file);
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

  /** The entry for `key` made from a source with stamp `source`, or why there is none usable. */
  async lookup(key: FrameCacheKey, source: SourceStamp): Promise<CachedFrameSet | FrameCacheMiss> {
    await this.open();
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(this.entryPath(key));
    } catch {
      this.stats.absent++;
      return 'absent';
    }
    const entry = parseEntry(bytes, key);
    if (entry === undefined) {
      this.stats.corrupt++;
      return 'corrupt';
    }
    if (entry.source.size !== source.size || entry.source.mtimeMs !== source.mtimeMs) {
      this.stats.stale++;
      return 'stale';
    }
    this.stats.hits++;
    return entry.set;
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
    const header = Buffer.from(
      JSON.stringify({
        version: FORMAT_VERSION,
        key,
        source,
        totalFrames: set.totalFrames,
        indices: set.indices,
        missingIndices: set.missingIndices,
        dataBytes: clip.data.length,
      } satisfies z.input<typeof headerSchema>),
      'utf8',
    );
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32LE(crc32(clip.data, crc32(header, crc32(length))));
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

/** Decodes an entry file; undefined when anything about it is off (the caller treats that as a miss). */
function parseEntry(bytes: Buffer, key: FrameCacheKey): { source: SourceStamp; set: CachedFrameSet } | undefined {
  if (bytes.length < PREFIX_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  // The checksum first: a flipped bit may leave the JSON valid (a frame number 21 -> 23), so nothing is trusted unchecked.
  const lengthBytes = bytes.subarray(MAGIC.length, MAGIC.length + 4);
  if (crc32(bytes.subarray(PREFIX_BYTES), crc32(lengthBytes)) !== bytes.readUInt32LE(MAGIC.length + 4)) return undefined;
  const headerLength = lengthBytes.readUInt32LE(0);
  const dataStart = PREFIX_BYTES + headerLength;
  if (dataStart > bytes.length) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(bytes.subarray(PREFIX_BYTES, dataStart).toString('utf8'));
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
    header.dataBytes !== header.indices.length * frameSize ||
    bytes.length !== dataStart + header.dataBytes
  ) {
    return undefined;
  }
  // readFile gives this entry its own buffer, so a view (no copy) is safe to hand out.
  const data = new Uint8Array(bytes.buffer, bytes.byteOffset + dataStart, header.dataBytes);
  return {
    source: header.source,
    set: {
      indices: header.indices,
      totalFrames: header.totalFrames,
      missingIndices: header.missingIndices,
      clip: { data, numFrames: header.indices.length, width: key.width, height: key.height },
    },
  };
}
