/**
 * Output paths that cannot be written: a file where a folder is expected (or the reverse), a parent that is a file,
 * a full disk, a read-only or forbidden folder. Node reports these as errno errors (`ENOSPC: no space left on
 * device, write`) that a command would print with a stack; `outputPathError` turns one into an `OutputPathError`:
 * one line naming the path and what was expected, or for a full disk the folder, the bytes needed and the bytes
 * free. `runCommandLine` prints it like every other typed error, with exit code 1.
 */
import { statfsSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { A2dError } from './errors';

/** What an output path must be. */
export type OutputKind = 'file' | 'folder';

/** An output being written: where, what it must be, and what a disk-full message says about it. */
export interface OutputTarget {
  /** The file or folder written (as the user gave it: messages name it so). */
  path: string;
  /** Whether `path` is a file or a folder. */
  kind: OutputKind;
  /** Bytes the whole write needs, when known (a disk-full message states them). */
  bytes?: number;
  /** What is written, for a disk-full message, e.g. `checkpoint last` (default: the file's name, or `the output`). */
  what?: string;
  /** The folder a disk-full message names (default: the file's folder, or the folder itself). */
  folder?: string;
}

/** The errno codes an output path (not the program) is to blame for. */
export const OUTPUT_PATH_ERROR_CODES = ['ENOSPC', 'EDQUOT', 'ENOTDIR', 'EEXIST', 'EISDIR', 'EACCES', 'EPERM', 'EROFS'] as const;

/** An output path that cannot be written; `path` is the file or folder at fault, `code` the errno code behind it. */
export class OutputPathError extends A2dError {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly code?: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** `1048576 bytes (1.0 MiB)`; sizes under 1 KiB in bytes only. */
export function formatByteCount(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = '';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return unit ? `${bytes} bytes (${value.toFixed(1)} ${unit})` : `${bytes} byte${bytes === 1 ? '' : 's'}`;
}

function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** `file` and the folders above it, outermost first (`a/b/c` -> `a`, `a/b`, `a/b/c`). */
function pathChain(file: string): string[] {
  const chain = [file];
  for (let dir = path.dirname(file); dir !== chain[0]; dir = path.dirname(dir)) chain.unshift(dir);
  return chain;
}

/** The deepest existing folder at or above `file` (for free space and permissions). */
function nearestExistingFolder(file: string): string {
  for (let dir = file; ; dir = path.dirname(dir)) {
    if (statOrUndefined(dir)?.isDirectory()) return dir;
    if (path.dirname(dir) === dir) return dir;
  }
}

/** Bytes free to this user on the file system holding `folder` (undefined where `statfs` cannot tell). */
export function freeBytesAt(folder: string): number | undefined {
  try {
    const stats = statfsSync(nearestExistingFolder(folder));
    return Number(stats.bavail) * Number(stats.bsize);
  } catch {
    return undefined;
  }
}

/**
 * What is in the way of writing `target` as a `kind`: a parent that is a file, a file where a folder is expected,
 * or a folder where a file is expected. Undefined when nothing is (a missing path is fine: writers create it).
 */
export function blockedOutputPath(target: string, kind: OutputKind): OutputPathError | undefined {
  const chain = pathChain(target);
  for (const [index, step] of chain.entries()) {
    const stats = statOrUndefined(step);
    if (!stats) return undefined;
    const last = index === chain.length - 1;
    if (!last && !stats.isDirectory()) return new OutputPathError(step, `is a file, expected a folder (a parent of ${target})`, 'ENOTDIR');
    if (last && kind === 'folder' && !stats.isDirectory()) return new OutputPathError(step, 'is a file, expected a folder', 'ENOTDIR');
    if (last && kind === 'file' && stats.isDirectory()) return new OutputPathError(step, 'is a folder, expected a file', 'EISDIR');
  }
  return undefined;
}

/** Throws the `OutputPathError` of `blockedOutputPath`: a cheap check before long work whose output goes there. */
export function checkOutputPath(target: string, kind: OutputKind): void {
  const blocked = blockedOutputPath(target, kind);
  if (blocked) throw blocked;
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** The folder a message about `target` names (see `OutputTarget.folder`). */
function folderOf(target: OutputTarget): string {
  return target.folder ?? (target.kind === 'folder' ? target.path : path.dirname(target.path));
}

/** What a message about `target` says is written (see `OutputTarget.what`). */
function whatOf(target: OutputTarget): string {
  return target.what ?? (target.kind === 'file' ? path.basename(target.path) : 'the output');
}

/**
 * The disk-full `OutputPathError` of `target`: the folder, what needed how many bytes, and the bytes free now. For
 * writers that learn of a full disk other than by an errno error (ffmpeg's "No space left on device").
 */
export function diskFullError(target: OutputTarget, code: 'ENOSPC' | 'EDQUOT' = 'ENOSPC'): OutputPathError {
  const folder = folderOf(target);
  const what = whatOf(target);
  const full = code === 'EDQUOT' ? 'disk quota exceeded' : 'disk full';
  const free = freeBytesAt(folder);
  const freeText = free === undefined ? '' : `${formatByteCount(free)} free`;
  if (target.bytes === undefined) return new OutputPathError(folder, `${full} while writing ${what}${freeText ? ` (${freeText})` : ''}`, code);
  return new OutputPathError(folder, `${full}: ${what} needs ${formatByteCount(target.bytes)}${freeText ? `, ${freeText}` : ''}`, code);
}

/**
 * The `OutputPathError` for `error`, a failure while writing `target`, when the output path is to blame (see
 * `OUTPUT_PATH_ERROR_CODES`); undefined for anything else, which stays a bug to report. It looks at the file
 * system as it is now: call it after removing temp files, so a disk-full message states the space really free.
 */
export function outputPathError(error: unknown, target: OutputTarget): OutputPathError | undefined {
  if (error instanceof OutputPathError) return error;
  const code = errnoCode(error);
  if (!code || !(OUTPUT_PATH_ERROR_CODES as readonly string[]).includes(code)) return undefined;
  const folder = folderOf(target);
  const what = whatOf(target);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return diskFullError(target, code);
    case 'EROFS':
      return new OutputPathError(nearestExistingFolder(folder), `read-only file system, cannot write ${what}`, code);
    case 'EACCES':
    case 'EPERM':
      return new OutputPathError(nearestExistingFolder(folder), `permission denied, cannot write ${what}`, code);
    default: {
      // ENOTDIR, EEXIST, EISDIR: something of the wrong kind is in the way; name it.
      const blocked = blockedOutputPath(target.path, target.kind);
      return new OutputPathError(blocked?.path ?? target.path, blocked?.reason ?? `cannot be written (${firstLine(error)})`, code);
    }
  }
}

/** Runs `body`, which writes `target`; a failure the output path is to blame for becomes an `OutputPathError`. */
export async function writingOutput<T>(target: OutputTarget, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw outputPathError(error, target) ?? error;
  }
}

/** Synchronous variant of `writingOutput`. */
export function writingOutputSync<T>(target: OutputTarget, body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw outputPathError(error, target) ?? error;
  }
}
