/**
 * The one module that starts ffmpeg and ffprobe (through `node:child_process`): probing, decoding, encoding and
 * the tool check all run their process through `startTool`, so how a tool is run and supervised can be changed by
 * editing this file alone. fluent-ffmpeg builds the encoder's command (`command.ts`, the only module that imports
 * it) and this file runs it: fluent-ffmpeg's own `run()` cannot start a child in its own process group and settles
 * when the pipes close, not when the child exits. Probes and decodes build their arguments by hand, as they did when
 * fluent-ffmpeg ran the encoder: its per-run preparation cost 10-18 ms of CPU per clip on the decode hot path.
 *
 * Supervision, the same for every run: the child gets its own process group (a Ctrl-C meant for the trainer, which
 * saves a checkpoint and stops cleanly, must not kill decodes in flight and make their videos look broken), a time
 * limit or an abort kills the whole group (a wrapper script and whatever it started), and the call settles when
 * the child exits, not when its pipes close (a descendant that escaped the group may hold them open for as long as
 * it lives). Binaries: `FFMPEG_PATH` / `FFPROBE_PATH` when set, else `ffmpeg` / `ffprobe` on the PATH.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { decodeConfigSchema } from '@a2d/core';
import { FfmpegToolsError, type FfmpegTool } from './tools-error';

/** ffmpeg or ffprobe ran past its time limit; its process group was killed. */
export class FfmpegTimeout extends Error {}

/** Time limit of a run when the caller gives none: `data.decode.timeoutSeconds`' default (120 s). */
export const DEFAULT_TOOL_TIMEOUT_SECONDS = decodeConfigSchema.parse({}).timeoutSeconds;

/** After the child exits, how long its pipes may take to deliver what is left before they are cut. */
const PIPE_DRAIN_GRACE_MS = 1000;

/** The binary run for `tool`: `FFMPEG_PATH` / `FFPROBE_PATH` when set, else the name looked up on the PATH. */
export function toolBinary(tool: FfmpegTool): string {
  return (tool === 'ffmpeg' ? process.env.FFMPEG_PATH : process.env.FFPROBE_PATH) || tool;
}

/** How a child process ended. */
export interface ToolExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last 4000 characters it wrote to stderr. */
  stderr: string;
}

/** How to start a child: what its stdout and extra pipes are, what it reads, when it is killed. */
export interface ToolStartOptions {
  /** fd 1: a pipe the caller reads, or nothing. */
  stdout: 'pipe' | 'ignore';
  /** Pipes on fds 3, 4, ... (read or written by the caller through `child.stdio[3 + k]`). */
  extraPipes?: number;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: Uint8Array;
  /** Kill the process group and reject with `FfmpegTimeout` after this many seconds. */
  timeoutSeconds?: number;
  /** Kill the process group on abort (the exit then resolves as a SIGKILL). */
  signal?: AbortSignal;
}

/** A started child and its end. */
export interface StartedTool {
  child: ChildProcess;
  /**
   * Resolves with the exit (any code) once the child has exited and its pipes have delivered what they hold (or
   * after `PIPE_DRAIN_GRACE_MS`, when a descendant keeps them open: the group is killed again and they are cut).
   * Rejects with `FfmpegTimeout` on timeout, with `FfmpegToolsError` when the binary cannot be started.
   */
  exited: Promise<ToolExit>;
}

/** SIGKILL to the child's whole process group (it is the group leader); to the child alone if that fails. */
function killProcessGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Starts ffmpeg or ffprobe in its own process group, supervised as the file comment says (see `StartedTool`). */
export function startTool(tool: FfmpegTool, args: readonly string[], options: ToolStartOptions): StartedTool {
  const binary = toolBinary(tool);
  const extra = Array.from({ length: options.extraPipes ?? 0 }, () => 'pipe' as const);
  const child = spawn(binary, args, {
    stdio: [options.input ? 'pipe' : 'ignore', options.stdout, 'pipe', ...extra],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  if (options.input && child.stdin) {
    // A child that exits without reading all of it closes the pipe: that is its exit's story, told by its code.
    child.stdin.on('error', () => undefined);
    child.stdin.end(Buffer.from(options.input.buffer, options.input.byteOffset, options.input.byteLength));
  }
  const exited = new Promise<ToolExit>((resolve, reject) => {
    let settled = false;
    let timedOut = false;
    const { timeoutSeconds, signal } = options;
    const timer =
      timeoutSeconds === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            killProcessGroup(child);
          }, timeoutSeconds * 1000);
    const onAbort = () => killProcessGroup(child);
    signal?.addEventListener('abort', onAbort);
    if (signal?.aborted) onAbort();
    const stop = () => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const streams = child.stdio.filter((stream): stream is NonNullable<typeof stream> => stream !== null && stream !== child.stdin);
    const cutPipes = () => streams.forEach((stream) => stream.destroy());
    child.on('error', (error) => {
      // Errors after a successful start (a failed kill) are followed by the exit, which settles.
      if (settled || child.pid !== undefined) return;
      stop();
      cutPipes();
      reject(new FfmpegToolsError(tool, binary, `cannot run it: ${error.message} (install ffmpeg 5.1 or newer, or set ${tool === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'})`));
    });
    child.on('exit', (code, exitSignal) => {
      if (settled) return;
      stop();
      if (timedOut) {
        cutPipes();
        reject(new FfmpegTimeout(`timed out after ${timeoutSeconds}s`));
        return;
      }
      const open = streams.filter((stream) => !stream.destroyed && !(stream as Readable & { closed?: boolean }).closed);
      const drained = Promise.all(open.map((stream) => new Promise<void>((done) => stream.once('close', () => done()))));
      let graceTimer: NodeJS.Timeout | undefined;
      const grace = new Promise<'cut'>((done) => {
        graceTimer = setTimeout(() => done('cut'), PIPE_DRAIN_GRACE_MS);
      });
      void Promise.race([drained, grace]).then((outcome) => {
        clearTimeout(graceTimer);
        if (outcome === 'cut') {
          // Something the child started still holds its pipes: kill what is left of its group, stop listening.
          killProcessGroup(child);
          cutPipes();
        }
        resolve({ code, signal: exitSignal, stderr });
      });
    });
  });
  return { child, exited };
}

/** Runs a tool to completion, collecting up to `maxBytes` of stdout (see `startTool` for how it settles). */
export async function runToolForOutput(
  tool: FfmpegTool,
  args: readonly string[],
  options: { timeoutSeconds: number; input?: Uint8Array; maxBytes?: number },
): Promise<ToolExit & { stdout: Buffer }> {
  const maxBytes = options.maxBytes ?? 16 * 2 ** 20;
  const { child, exited } = startTool(tool, args, { stdout: 'pipe', input: options.input, timeoutSeconds: options.timeoutSeconds });
  const chunks: Buffer[] = [];
  let size = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    if (size >= maxBytes) return;
    chunks.push(chunk);
    size += chunk.length;
  });
  const exit = await exited;
  return { ...exit, stdout: Buffer.concat(chunks) };
}

/** A failed exit as an error whose message is `<tool> exited with <code or signal>` and then stderr. */
export function exitError(tool: FfmpegTool, exit: ToolExit): Error {
  return new Error(`${tool} exited with ${exit.signal ?? `code ${exit.code}`}\n${exit.stderr}`);
}

/**
 * A failed exit in one line: `exited with <code or signal>` and the last three lines of stderr, where ffmpeg puts
 * the cause (`No space left on device`, an unknown option) and the step that failed with it.
 */
export function exitSummary(exit: ToolExit): string {
  const lines = exit.stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return `exited with ${exit.signal ?? `code ${exit.code}`}${lines.length > 0 ? `: ${lines.slice(-3).join('; ')}` : ''}`;
}

/** The first and last meaningful lines of a tool failure (its stderr follows the exit line, see `exitError`). */
export function ffmpegReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return lines.length > 1 ? `${lines[0]} (${lines[lines.length - 1]})` : (lines[0] ?? 'unknown ffmpeg error');
}
