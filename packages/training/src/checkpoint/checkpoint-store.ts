/**
 * Checkpoint folders under `<experiment>/checkpoints/`: `last` (every epoch end and on interrupt), `best` (by
 * validation combined accuracy), `epoch-N` (every `checkpoint.every` epochs, the last `keep` kept).
 *
 * A checkpoint is written whole into `.tmp-<tag>-<pid>-<n>/`, its `manifest.json` (size and SHA-256 of every file)
 * last, then renamed into place; an existing folder of that tag is first renamed aside and removed after. So a
 * kill at any moment leaves the previous checkpoint or the new one, never a mix: a folder without a valid manifest
 * is not a checkpoint, and leftovers of killed writers are cleaned (or restored) on the next start.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { outputPathError, type OutputTarget } from '@a2d/core';
import { CheckpointError } from './checkpoint-error';
import { systemProcessProbe } from '../experiment-lock';

/** Format of `manifest.json`. */
export const checkpointManifestSchema = z.object({
  format: z.literal('a2d-checkpoint'),
  version: z.literal(1),
  tag: z.string(),
  createdAt: z.string(),
  /** Optimizer updates done when it was written (the most advanced intact checkpoint is the one to resume). */
  globalStep: z.number().int().nonnegative(),
  files: z.record(z.string(), z.object({ bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
});

/** A checkpoint's manifest. */
export type CheckpointManifest = z.infer<typeof checkpointManifestSchema>;

/** File contents by relative path (forward slashes; sub-folders allowed). */
export type CheckpointFiles = Record<string, Uint8Array | string>;

let counter = 0;

/** Whether process `pid` runs on this machine (the experiment lock's liveness check). */
function processIsRunning(pid: number): boolean {
  return systemProcessProbe.processStart(pid) !== undefined;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(dir, relative)));
    else files.push(relative);
  }
  return files;
}

/** The checkpoints folder of one experiment. */
export class CheckpointStore {
  constructor(readonly dir: string) {}

  /** Folder of `tag`. */
  pathOf(tag: string): string {
    return path.join(this.dir, tag);
  }

  /**
   * Removes leftovers of killed writers: `.tmp-*` folders, and `.old-<tag>-*` folders whose tag is in place (a writer
   * killed between its two renames leaves only the old one: that is put back). Only provable orphans are touched:
   * the writer's pid is in the folder's name, and a folder whose writer still runs (another process than this one)
   * is left alone with a note. Call it while holding the experiment's lock (`acquireExperimentLock`), so no other
   * trainer can be writing here.
   */
  async recover(isRunning: (pid: number) => boolean = processIsRunning): Promise<string[]> {
    if (!existsSync(this.dir)) return [];
    const notes: string[] = [];
    for (const name of await readdir(this.dir)) {
      if (!name.startsWith('.tmp-') && !name.startsWith('.old-')) continue;
      const full = path.join(this.dir, name);
      const writer = /-(\d+)-\d+$/.exec(name);
      const pid = writer ? Number(writer[1]) : undefined;
      if (pid !== undefined && pid !== process.pid && isRunning(pid)) {
        notes.push(`left ${full} in place: its writer (pid ${pid}) is still running`);
        continue;
      }
      if (name.startsWith('.tmp-')) {
        await rm(full, { recursive: true, force: true });
        notes.push(`removed the unfinished checkpoint ${full}`);
      } else {
        const tag = name.slice(5).replace(/-\d+-\d+$/, '');
        if (existsSync(this.pathOf(tag))) {
          await rm(full, { recursive: true, force: true });
        } else {
          await rename(full, this.pathOf(tag));
          notes.push(`restored checkpoint ${tag} from ${full} (its replacement was never completed)`);
        }
      }
    }
    return notes;
  }

  /** Writes `files` as checkpoint `tag` atomically (see the file comment). */
  async write(tag: string, files: CheckpointFiles, globalStep: number): Promise<string> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(tag)) throw new RangeError(`checkpoint tag must be a plain folder name, got ${JSON.stringify(tag)}`);
    // A full disk or a file in the way is one line naming the checkpoints folder and the bytes of this checkpoint.
    const bytes = Object.values(files).reduce((sum, content) => sum + (typeof content === 'string' ? Buffer.byteLength(content, 'utf8') : content.byteLength), 0);
    const output: OutputTarget = { path: this.dir, kind: 'folder', what: `checkpoint ${tag}`, bytes };
    const unique = `${process.pid}-${counter++}`;
    const temp = path.join(this.dir, `.tmp-${tag}-${unique}`);
    try {
      await mkdir(this.dir, { recursive: true });
      await mkdir(temp, { recursive: true });
    } catch (error) {
      throw outputPathError(error, output) ?? error;
    }
    const manifest: CheckpointManifest = { format: 'a2d-checkpoint', version: 1, tag, createdAt: new Date().toISOString(), globalStep, files: {} };
    try {
      for (const [relative, content] of Object.entries(files)) {
        if (relative === 'manifest.json' || relative.split('/').some((part) => part === '..' || part === '')) {
          throw new RangeError(`checkpoint file name not allowed: ${relative}`);
        }
        const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
        const target = path.join(temp, relative);
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, data);
        manifest.files[relative] = { bytes: data.length, sha256: sha256(data) };
      }
      await writeFile(path.join(temp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      const final = this.pathOf(tag);
      const old = path.join(this.dir, `.old-${tag}-${unique}`);
      const replacing = existsSync(final);
      if (replacing) await rename(final, old);
      await rename(temp, final);
      if (replacing) await rm(old, { recursive: true, force: true });
      return final;
    } catch (error) {
      // Removed before the message is made, so it states the space really free.
      await rm(temp, { recursive: true, force: true });
      throw outputPathError(error, output) ?? error;
    }
  }

  /** Reads and verifies checkpoint `tag` (every file's size and SHA-256); a failure names the file. */
  async read(tag: string): Promise<{ manifest: CheckpointManifest; files: Map<string, Buffer> }> {
    return readCheckpointDir(this.pathOf(tag));
  }

  /** Checkpoint tags present (folders with a manifest), not verified. */
  async tags(): Promise<string[]> {
    if (!existsSync(this.dir)) return [];
    const names = await readdir(this.dir);
    return names.filter((name) => !name.startsWith('.') && existsSync(path.join(this.dir, name, 'manifest.json')));
  }

  /** `epoch-N` tags, oldest first. */
  async epochTags(): Promise<string[]> {
    const tags = (await this.tags()).filter((tag) => /^epoch-\d+$/.test(tag));
    return tags.sort((a, b) => Number(a.slice(6)) - Number(b.slice(6)));
  }

  /** Removes `epoch-N` checkpoints beyond the newest `keep`. */
  async prune(keep: number): Promise<string[]> {
    const tags = await this.epochTags();
    const removed = tags.slice(0, Math.max(0, tags.length - keep));
    for (const tag of removed) await rm(this.pathOf(tag), { recursive: true, force: true });
    return removed;
  }

  /**
   * The most advanced intact checkpoint among `last` and `epoch-N` (by global step, then newest), skipping any
   * that fails verification: each skipped one is reported through `warn` with the reason.
   */
  async latestIntact(warn: (line: string) => void): Promise<{ tag: string; manifest: CheckpointManifest; files: Map<string, Buffer> } | undefined> {
    const candidates: { tag: string; step: number; mtime: number }[] = [];
    for (const tag of await this.tags()) {
      if (tag !== 'last' && !/^epoch-\d+$/.test(tag)) continue;
      let step = -1;
      try {
        step = checkpointManifestSchema.parse(JSON.parse(await readFile(path.join(this.pathOf(tag), 'manifest.json'), 'utf8'))).globalStep;
      } catch {
        // Unreadable manifest: tried last, and its verification names the problem.
      }
      candidates.push({ tag, step, mtime: (await stat(this.pathOf(tag))).mtimeMs });
    }
    // Most updates first; on a tie `last` (the same state as an `epoch-N` written with it), then the newest.
    candidates.sort((a, b) => b.step - a.step || Number(b.tag === 'last') - Number(a.tag === 'last') || b.mtime - a.mtime);
    for (const candidate of candidates) {
      try {
        return { tag: candidate.tag, ...(await this.read(candidate.tag)) };
      } catch (error) {
        warn(`${error instanceof Error ? error.message : String(error)}; trying the previous checkpoint`);
      }
    }
    return undefined;
  }
}

/** Reads and verifies a checkpoint folder given by path. */
export async function readCheckpointDir(dir: string): Promise<{ manifest: CheckpointManifest; files: Map<string, Buffer> }> {
  const manifestPath = path.join(dir, 'manifest.json');
  let manifest: CheckpointManifest;
  try {
    manifest = checkpointManifestSchema.parse(JSON.parse(await readFile(manifestPath, 'utf8')));
  } catch (error) {
    const reason = existsSync(manifestPath) ? `invalid manifest (${error instanceof Error ? error.message.split('\n')[0] : String(error)})` : 'no manifest.json (not a checkpoint, or never completed)';
    throw new CheckpointError(dir, reason, existsSync(manifestPath) ? 'manifest.json' : undefined);
  }
  const files = new Map<string, Buffer>();
  for (const [relative, expected] of Object.entries(manifest.files)) {
    let data: Buffer;
    try {
      data = await readFile(path.join(dir, relative));
    } catch {
      throw new CheckpointError(dir, 'listed in the manifest but missing', relative);
    }
    if (data.length !== expected.bytes) throw new CheckpointError(dir, `size ${data.length} bytes, manifest says ${expected.bytes} (truncated or replaced)`, relative);
    if (sha256(data) !== expected.sha256) throw new CheckpointError(dir, 'fails its SHA-256 checksum (corrupted)', relative);
    files.set(relative, data);
  }
  const extra = (await listFiles(dir)).filter((file) => file !== 'manifest.json' && !(file in manifest.files));
  if (extra.length > 0) throw new CheckpointError(dir, `files not in the manifest: ${extra.slice(0, 3).join(', ')}`);
  return { manifest, files };
}
