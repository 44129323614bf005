import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { killedAfterAll, readPid, waitUntilGone, withEnv, writeHangingTool } from '../testing/fake-tools';
import { exitError, exitSummary, FfmpegTimeout, ffmpegReason, runToolForOutput, startTool } from './process';
import { FfmpegToolsError } from './tools-error';

const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-process-'));

/** An executable shell script at `dir/name`. */
function script(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}`);
  chmodSync(file, 0o755);
  return file;
}

describe('startTool', () => {
  const cleanup = killedAfterAll();

  it('runs the tool as the leader of its own process group and reports its exit, stdout, stdin and stderr', async () => {
    // Field 5 of /proc/<pid>/stat is the process group: the child leads its own when it equals its pid.
    const tool = script('report.sh', `read line\necho "$$ $(cut -d' ' -f5 /proc/$$/stat) $line"\necho "first\nlast" >&2\nexit 3\n`);
    const result = await withEnv({ FFPROBE_PATH: tool }, () =>
      runToolForOutput('ffprobe', [], { timeoutSeconds: 30, input: new TextEncoder().encode('hello\n') }),
    );
    const [pid, group, line] = result.stdout.toString('utf8').trim().split(' ');
    expect(group).toBe(pid);
    expect(line).toBe('hello');
    expect(result).toMatchObject({ code: 3, signal: null, stderr: 'first\nlast\n' });
    expect(ffmpegReason(exitError('ffprobe', result))).toBe('ffprobe exited with code 3 (last)');
    expect(exitSummary(result)).toBe('exited with code 3: first; last');
  });

  it('kills the whole group at the time limit and rejects with FfmpegTimeout', async () => {
    const hung = writeHangingTool(path.join(dir, 'hung.sh'));
    const started = Date.now();
    const { exited } = withEnvSync({ FFMPEG_PATH: hung.file }, () => startTool('ffmpeg', [], { stdout: 'ignore', timeoutSeconds: 0.3 }));
    const error = await exited.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegTimeout);
    expect((error as Error).message).toBe('timed out after 0.3s');
    expect(Date.now() - started).toBeLessThan(4000);
    const child = readPid(hung.childPidFile);
    cleanup.push(child);
    expect(await waitUntilGone(child)).toBe(true);
  }, 15_000);

  it('kills the whole group on abort; the exit resolves as SIGKILL', async () => {
    const hung = writeHangingTool(path.join(dir, 'aborted.sh'));
    const controller = new AbortController();
    const { exited } = withEnvSync({ FFMPEG_PATH: hung.file }, () => startTool('ffmpeg', [], { stdout: 'ignore', signal: controller.signal }));
    // Abort once the script has started its child, so the group kill has something to reach.
    const deadline = Date.now() + 5000;
    let child: number | undefined;
    while (child === undefined && Date.now() < deadline) {
      try {
        child = readPid(hung.childPidFile);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    expect(child).toBeDefined();
    cleanup.push(child as number);
    controller.abort();
    expect(await exited).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(await waitUntilGone(child as number)).toBe(true);
  }, 15_000);

  it('a binary that cannot start is an FfmpegToolsError naming the tool, the binary and the variable to set', async () => {
    const missing = path.join(dir, 'no-such-ffmpeg');
    const { exited } = withEnvSync({ FFMPEG_PATH: missing }, () => startTool('ffmpeg', ['-version'], { stdout: 'pipe' }));
    const error = await exited.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegToolsError);
    expect(error).toMatchObject({ tool: 'ffmpeg', binary: missing });
    expect((error as Error).message).toMatch(/cannot run it: .*ENOENT.*set FFMPEG_PATH/);
  });
});

/** Runs `body` (which starts a process, reading the variables at once) with `vars` set, then restores them. */
function withEnvSync<T>(vars: Readonly<Record<string, string>>, body: () => T): T {
  const previous = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  try {
    return body();
  } finally {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
