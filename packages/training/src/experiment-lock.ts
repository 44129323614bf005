/**
 * The lock that lets one trainer at a time write an experiment folder: `<experiment>/train.lock`, a small JSON file
 * naming its holder (pid, host, the process's start time, when the run started, the command). It is created whole
 * (written to a temporary file, then hard-linked into place: `link` fails if the lock exists, on local disks and
 * NFS alike), held for the run's life and removed at its end. A lock whose holder is gone (the pid is not running
 * on this host, or runs another process that started later: a recycled pid) is stale and taken over; a lock held
 * from another host cannot be checked from here and is respected until the user removes it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { A2dError, checkOutputPath, outputPathError } from '@a2d/core';

/** The lock file's name inside an experiment folder. */
export const EXPERIMENT_LOCK_FILE = 'train.lock';

/** `train.lock`'s contents. */
export const experimentLockSchema = z.object({
  format: z.literal('a2d-experiment-lock'),
  version: z.literal(1),
  pid: z.number().int().positive(),
  host: z.string(),
  /** The holder process's start time (Linux: clock ticks since boot, `/proc/<pid>/stat` field 22), to tell a recycled pid. */
  processStart: z.string().nullable(),
  /** When the holder took the lock (ISO time). */
  startedAt: z.string(),
  command: z.string(),
});

/** Who holds an experiment. */
export type ExperimentLockHolder = z.infer<typeof experimentLockSchema>;

/** Another process holds the experiment: names it and how to tell whether it is still running. */
export class ExperimentLockedError extends A2dError {
  constructor(
    readonly lockFile: string,
    readonly holder: ExperimentLockHolder,
    readonly sameHost: boolean,
  ) {
    super(
      `${path.dirname(lockFile)} is in use by another trainer: pid ${holder.pid} on ${holder.host}, since ${holder.startedAt} (${holder.command}). ` +
        (sameHost
          ? 'Wait for it to finish or stop it (Ctrl-C saves a checkpoint), or choose another --experiment-name.'
          : `It runs on another host, so it cannot be checked from here: if it is gone, delete ${lockFile}.`),
    );
  }
}

/** How the lock tells whether a process lives (tests pass their own). */
export interface ProcessProbe {
  hostname(): string;
  /** The start time of process `pid` on this host (null where unknown), or undefined when no such process runs. */
  processStart(pid: number): string | null | undefined;
}

/** Start time of a process from `/proc/<pid>/stat` (field 22); `kill(pid, 0)` where there is no /proc. */
function processStartOf(pid: number): string | null | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    if (existsSync('/proc/self/stat')) return undefined; // /proc exists and has no such process
  }
  try {
    process.kill(pid, 0);
    return null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? null : undefined;
  }
}

/** This machine's processes. */
export const systemProcessProbe: ProcessProbe = { hostname: () => os.hostname(), processStart: processStartOf };

/** Options of `acquireExperimentLock`. */
export interface ExperimentLockOptions {
  /** What is recorded as the holder's command (default this process's arguments). */
  command?: string;
  probe?: ProcessProbe;
  pid?: number;
  /** Called when a stale lock is taken over. */
  warn?: (line: string) => void;
}

/** A held lock; `release()` removes it (only if it is still this holder's). */
export interface ExperimentLock {
  readonly file: string;
  readonly holder: ExperimentLockHolder;
  release(): void;
}

function readHolder(file: string): ExperimentLockHolder | 'unreadable' | 'absent' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unreadable';
  }
  try {
    return experimentLockSchema.parse(JSON.parse(text));
  } catch {
    return 'unreadable';
  }
}

function sameHolder(a: ExperimentLockHolder, b: ExperimentLockHolder): boolean {
  return a.pid === b.pid && a.host === b.host && a.processStart === b.processStart && a.startedAt === b.startedAt;
}

/** Whether `holder` is still running; undefined when that cannot be known (another host). */
export function holderIsAlive(holder: ExperimentLockHolder, probe: ProcessProbe = systemProcessProbe): boolean | undefined {
  if (holder.host !== probe.hostname()) return undefined;
  const start = probe.processStart(holder.pid);
  if (start === undefined) return false;
  // A pid running a process that started at another time is a recycled pid, not the holder.
  return holder.processStart === null || start === null || start === holder.processStart;
}

/**
 * Takes the lock of experiment folder `dir` (created if missing) for this process, or throws
 * `ExperimentLockedError` naming the live holder. A stale lock (its holder is gone) is replaced, with a warning.
 */
export async function acquireExperimentLock(dir: string, options: ExperimentLockOptions = {}): Promise<ExperimentLock> {
  const probe = options.probe ?? systemProcessProbe;
  const pid = options.pid ?? process.pid;
  checkOutputPath(dir, 'folder');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, EXPERIMENT_LOCK_FILE);
  const holder: ExperimentLockHolder = {
    format: 'a2d-experiment-lock',
    version: 1,
    pid,
    host: probe.hostname(),
    processStart: probe.processStart(pid) ?? null,
    startedAt: new Date().toISOString(),
    command: options.command ?? process.argv.slice(1).join(' '),
  };
  const temp = path.join(dir, `.${EXPERIMENT_LOCK_FILE}.${pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, `${JSON.stringify(holder, null, 2)}\n`);
  } catch (error) {
    throw outputPathError(error, { path: dir, kind: 'folder', what: EXPERIMENT_LOCK_FILE }) ?? error;
  }
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        linkSync(temp, file);
        const release = () => {
          process.off('exit', release);
          const current = readHolder(file);
          if (typeof current === 'object' && sameHolder(current, holder)) unlinkSync(file);
        };
        // Also on an exit that skips the run's own clean-up (a second Ctrl-C exits at once).
        process.on('exit', release);
        return { file, holder, release };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = readHolder(file);
      if (current === 'absent') continue; // released meanwhile
      if (current === 'unreadable') {
        // Created whole by link, so a lock that does not parse was damaged (or written by hand): stale once it is old.
        const age = Date.now() - statSync(file).mtimeMs;
        if (age < 10_000) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        options.warn?.(`${file} is unreadable and ${Math.round(age / 1000)} s old: replacing it`);
        removeIfUnchanged(file, undefined);
        continue;
      }
      const alive = holderIsAlive(current, probe);
      if (alive !== false) throw new ExperimentLockedError(file, current, alive === true);
      options.warn?.(`${file}: its holder (pid ${current.pid} on ${current.host}, since ${current.startedAt}) is no longer running; taking the experiment over`);
      removeIfUnchanged(file, current);
    }
    throw new A2dError(`${file}: could not take the lock (it kept changing hands)`);
  } finally {
    unlinkSync(temp);
  }
}

/**
 * Removes a stale lock unless another process replaced it meanwhile: the lock is renamed aside (atomic: of two
 * contenders only one moves a given file), then checked; a live lock moved by mistake is put back.
 */
function removeIfUnchanged(file: string, stale: ExperimentLockHolder | undefined): void {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch {
    return; // gone already (another contender moved it)
  }
  const moved = readHolder(aside);
  const wasStale = stale === undefined ? moved === 'unreadable' : typeof moved === 'object' && sameHolder(moved, stale);
  if (!wasStale) {
    try {
      linkSync(aside, file);
    } catch {
      // a third process took the lock meanwhile; it holds the experiment now
    }
  }
  unlinkSync(aside);
}
