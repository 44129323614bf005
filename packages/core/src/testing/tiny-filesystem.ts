/**
 * A real full disk for tests: a tmpfs of a few hundred KiB mounted on a fresh temp folder, so a write there fails
 * with the kernel's own ENOSPC. Mounting needs root (or CAP_SYS_ADMIN); where it is not permitted,
 * `describeWithTinyFilesystem` skips its tests with the reason in the title and on stderr.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A mounted tmpfs (see the file comment). */
export interface TinyFilesystem {
  /** Its mount point. */
  dir: string;
  /** Its size in bytes. */
  bytes: number;
  /** Bytes free now. */
  free(): number;
  /**
   * Fills it with one file (`.filler` in `dir`) until about `leaveBytes` stay free (rounded to its blocks);
   * returns the filler's path.
   */
  fill(leaveBytes?: number): string;
  /** Removes everything in it. */
  clear(): void;
  /** Unmounts it and removes the mount point. */
  unmount(): void;
}

function run(command: string, args: readonly string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) return result.error.message;
  if (result.status !== 0) return `${command} ${args.join(' ')}: ${(result.stderr || result.stdout).trim() || `exit code ${result.status}`}`;
  return undefined;
}

/** Mounts a tmpfs of `bytes` on a new temp folder; a string says why it could not (not root, mount refused). */
export function mountTinyFilesystem(bytes = 256 * 1024): TinyFilesystem | string {
  if (process.platform !== 'linux') return `mounting a tmpfs needs Linux (this is ${process.platform})`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-tiny-fs-'));
  const failed = run('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0777`, 'tmpfs', dir]);
  if (failed !== undefined) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): ${failed}`;
  }
  const free = () => {
    const stats = statfsSync(dir);
    return Number(stats.bavail) * Number(stats.bsize);
  };
  return {
    dir,
    bytes,
    free,
    fill(leaveBytes = 0) {
      const filler = path.join(dir, '.filler');
      writeFileSync(filler, Buffer.alloc(Math.max(0, free() - leaveBytes)));
      return filler;
    },
    clear() {
      for (const name of readdirSync(dir)) rmSync(path.join(dir, name), { recursive: true, force: true });
    },
    unmount() {
      const failure = run('umount', [dir]);
      if (failure !== undefined) throw new Error(failure);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `describe(name, body)` with a tmpfs of `bytes` mounted before its tests and unmounted after them (`disk()` gives
 * it, emptied before each test). Where mounting is not permitted, `describe.skip` with the reason in the title and
 * on stderr.
 */
export function describeWithTinyFilesystem(name: string, bytes: number, body: (disk: () => TinyFilesystem) => void): void {
  // A probe mount decides at collection time; the real one lives only while the tests run.
  const probe = mountTinyFilesystem(bytes);
  if (typeof probe === 'string') {
    console.warn(`skipped "${name}": ${probe}`);
    describe.skip(`${name} (skipped: ${probe})`, () => body(() => {
      throw new Error(probe);
    }));
    return;
  }
  probe.unmount();
  describe(name, () => {
    let mounted: TinyFilesystem | undefined;
    beforeAll(() => {
      const disk = mountTinyFilesystem(bytes);
      if (typeof disk === 'string') throw new Error(disk);
      mounted = disk;
    });
    beforeEach(() => mounted?.clear());
    afterAll(() => mounted?.unmount());
    body(() => {
      if (!mounted) throw new Error(`${name}: the tmpfs is not mounted (used outside a test?)`);
      return mounted;
    });
  });
}
