/**
 * Atomic file writes: write a temp file beside the target, flush it, then rename over the target.
 * A crash mid-write leaves the old file intact; two writers never interleave bytes.
 */
import { promises as fs, writeFileSync, renameSync, openSync, fsyncSync, closeSync, unlinkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `data` to `target` atomically (creates the parent folder). */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

/** Synchronous variant of `writeFileAtomic`. */
export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  writeFileSync(temp, data);
  const fd = openSync(temp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, target);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}

/** Writes pretty-printed JSON atomically. */
export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}
