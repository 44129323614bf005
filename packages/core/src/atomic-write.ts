/**
 * Atomic file writes: write a temp file beside the target, flush it, then rename over the target.
 * A crash mid-write leaves the old file intact; two writers never interleave bytes. A failure removes the temp file;
 * one the output path is to blame for (a full disk, a file where the folder should be, ...) is an `OutputPathError`.
 */
import { promises as fs, writeFileSync, renameSync, openSync, fsyncSync, closeSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { outputPathError } from './output-path';

function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

function byteLength(data: string | Uint8Array): number {
  return typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
}

/** Writes `data` to `target` atomically (creates the parent folder). */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(target);
  try {
    await fs.mkdir(path.dirname(target), { recursive: true });
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (error) {
    // Removed first, so a disk-full message states the space that is really free.
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw outputPathError(error, { path: target, kind: 'file', bytes: byteLength(data) }) ?? error;
  }
}

/** Synchronous variant of `writeFileAtomic`. */
export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  const temp = tempPathFor(target);
  try {
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(temp, data);
    const fd = openSync(temp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // The temp file's folder is unusable (a file in the way): there is no temp file either.
    }
    throw outputPathError(error, { path: target, kind: 'file', bytes: byteLength(data) }) ?? error;
  }
}

/** Writes pretty-printed JSON atomically. */
export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}
