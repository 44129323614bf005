/**
 * Stand-ins for ffmpeg/ffprobe for tests (this package's and others'): small real shell scripts, pointed at by
 * `FFMPEG_PATH` / `FFPROBE_PATH`, that report another version, refuse an option the way an older ffmpeg does, or
 * hang with children, plus helpers to set the variables and to see whether a process is gone.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** How a fake ffmpeg differs from the real one it runs otherwise. */
export interface FakeFfmpegOptions {
  /** What `-version` reports (`ffmpeg version <version> Copyright ...`); default: the real banner. */
  version?: string;
  /** Options (e.g. `-fps_mode`) refused as ffmpeg refuses an unknown one: two stderr lines, exit code 1. */
  refuseOptions?: readonly string[];
  /** The real binary run for everything else (default `ffmpeg` on the PATH). */
  real?: string;
}

function writeScript(file: string, body: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `#!/bin/sh\n${body}`);
  chmodSync(file, 0o755);
  return file;
}

/** Writes an executable ffmpeg stand-in at `file` (see `FakeFfmpegOptions`); returns `file`. */
export function writeFakeFfmpeg(file: string, options: FakeFfmpegOptions = {}): string {
  const real = options.real ?? 'ffmpeg';
  const lines: string[] = [];
  if (options.version !== undefined) {
    lines.push(
      'for arg in "$@"; do',
      `  if [ "$arg" = "-version" ]; then echo 'ffmpeg version ${options.version} Copyright (c) 2000-2021 the FFmpeg developers'; exit 0; fi`,
      'done',
    );
  }
  for (const option of options.refuseOptions ?? []) {
    lines.push(
      'for arg in "$@"; do',
      `  if [ "$arg" = "${option}" ]; then echo "Unrecognized option '${option.replace(/^-/, '')}'." >&2; echo 'Error splitting the argument list: Option not found' >&2; exit 1; fi`,
      'done',
    );
  }
  lines.push(`exec ${real} "$@"`);
  return writeScript(file, `${lines.join('\n')}\n`);
}

/** Pid files of a `writeHangingTool` script: its sleeping child in its group, and one that escaped the group. */
export interface HangingToolPids {
  /** A `sleep` in the script's process group (a group kill must take it). */
  childPidFile: string;
  /** A `setsid sleep` holding the script's stdout/stderr open from outside its group (only with `escape`). */
  escapedPidFile?: string;
}

/**
 * Writes a script that hangs instead of working: it starts `sleep 30` (and with `escape`, a `setsid sleep 30` that
 * keeps its stdout and stderr open from another session, as a wrapper's own helpers might), writes their pids,
 * and waits. Returns the script and the pid files.
 */
export function writeHangingTool(file: string, options: { escape?: boolean } = {}): { file: string } & HangingToolPids {
  const childPidFile = `${file}.child.pid`;
  const escapedPidFile = options.escape ? `${file}.escaped.pid` : undefined;
  const lines = [
    ...(escapedPidFile ? ['setsid sleep 30 &', `echo $! > '${escapedPidFile}'`] : []),
    'sleep 30 &',
    `echo $! > '${childPidFile}'`,
    'wait',
  ];
  writeScript(file, `${lines.join('\n')}\n`);
  return { file, childPidFile, escapedPidFile };
}

/** The pid written in `file` (by a `writeHangingTool` script). */
export function readPid(file: string): number {
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${file}: no pid in it`);
  return pid;
}

/** True when no process `pid` runs: none exists, or only its zombie waits to be reaped (it has stopped). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/** Polls `processGone(pid)` for up to `withinMs`; true when it went. */
export async function waitUntilGone(pid: number, withinMs = 2000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (!processGone(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** Runs `body` with environment variables set (undefined: unset), restoring the previous values afterwards. */
export async function withEnv<T>(vars: Readonly<Record<string, string | undefined>>, body: () => Promise<T>): Promise<T> {
  const previous = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Readonly<Record<string, string | undefined>>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await body();
  } finally {
    apply(previous);
  }
}

/**
 * Pids a describe block's tests leave behind on failure (hung fake tools and their helpers), killed after the block:
 * call at describe level, `push` each pid a test starts.
 */
export function killedAfterAll(): number[] {
  const pids: number[] = [];
  afterAll(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });
  return pids;
}
