/**
 * `npx nx run engine:bench`: trains the reference network (ResNet-18-style per-frame CNN over
 * [B=8, T=8, 112, 112, 3], temporal average, two linear heads, Adam) for a few steps on each
 * available tfjs backend, on wasm with 2 data-parallel workers, and on PyTorch CPU with 1 and 2
 * threads (installing Debian's python3-torch when it is missing), each in its own process. Prints
 * a table and writes it as JSON (`--out`, default bench-results/engine-train.json at the workspace root).
 *
 * Flags: --batch --frames --size --steps --warmup (the shapes and steps of every run),
 * --cpu-size (default 32: the pure-JS cpu backend is measured on one 1-frame clip of that size), --skip-cpu,
 * --no-install (never apt-get python3-torch).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs, writeJsonAtomic } from '@a2d/core';
import type { TfjsMeasurement } from './measure-tfjs';

interface Measurement {
  runner: 'tfjs' | 'pytorch';
  backend: string;
  threads: number;
  batch: number;
  frames: number;
  size: number;
  forwardClipsPerSecond: number;
  trainClipsPerSecond: number;
  trainCpuSecondsPerBatch: number;
  peakRssMiB: number;
}

interface Row extends Measurement {
  /** forward clips/s divided by PyTorch's best at the same thread count (same shapes only). */
  forwardRatio?: number;
  trainRatio?: number;
}

interface Failure {
  runner: string;
  backend: string;
  threads: number;
  reason: string;
}

const workspaceRoot = path.resolve(__dirname, '..', '..', '..');
const python = '/usr/bin/python3';

function run(command: string, args: string[], timeoutSeconds: number): { ok: boolean; stdout: string; stderr: string } {
  const result = spawnSync(command, args, {
    cwd: workspaceRoot,
    encoding: 'utf8',
    timeout: timeoutSeconds * 1000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return { ok: result.status === 0, stdout: result.stdout ?? '', stderr: (result.stderr ?? '') + (result.error ? String(result.error) : '') };
}

function lastJsonLine(stdout: string): unknown {
  const line = stdout.trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (!line) throw new Error('no JSON line in the output');
  return JSON.parse(line);
}

/** Makes `import torch` work for /usr/bin/python3, installing Debian's python3-torch if allowed; returns why not otherwise. */
function ensureTorch(allowInstall: boolean): string | undefined {
  if (run(python, ['-c', 'import torch'], 120).ok) return undefined;
  if (!allowInstall) return 'python3-torch is not installed (--no-install given)';
  console.error('bench: installing python3-torch with apt-get (the PyTorch peer)...');
  const aptGet = (args: string[]) => (process.getuid?.() === 0 ? run('apt-get', args, 3600) : run('sudo', ['apt-get', ...args], 3600));
  const update = aptGet(['update', '-qq']);
  if (!update.ok) return `apt-get update failed: ${update.stderr.trim().split('\n').pop()}`;
  const install = aptGet(['install', '-y', '-qq', '--no-install-recommends', 'python3-torch']);
  if (!install.ok) return `apt-get install python3-torch failed: ${install.stderr.trim().split('\n').pop()}`;
  return run(python, ['-c', 'import torch'], 120).ok ? undefined : 'python3-torch installed but `import torch` still fails';
}

function format(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const shape = {
    batch: String(flags.batch ?? 8),
    frames: String(flags.frames ?? 8),
    size: String(flags.size ?? 112),
    steps: String(flags.steps ?? 3),
    warmup: String(flags.warmup ?? 1),
  };
  const out = path.resolve(workspaceRoot, String(flags.out ?? 'bench-results/engine-train.json'));
  const measurements: Measurement[] = [];
  const failures: Failure[] = [];
  const tsx = path.join(workspaceRoot, 'node_modules', '.bin', 'tsx');
  const measure = path.join(__dirname, 'measure-tfjs.ts');

  const full = { batch: shape.batch, frames: shape.frames, size: shape.size, steps: shape.steps, warmup: shape.warmup };
  const tfjsRuns: ({ backend: string; workers: number; threads?: number } & typeof full)[] = [
    { backend: 'tensorflow-gpu', workers: 1, ...full },
    { backend: 'tensorflow', workers: 1, ...full },
    // native: oneDNN threads, so compared with PyTorch at the same count (1 thread; 2 threads in one process; 2 workers).
    { backend: 'native', workers: 1, threads: 1, ...full },
    { backend: 'native', workers: 1, threads: 2, ...full },
    { backend: 'native', workers: 2, ...full },
    { backend: 'wasm', workers: 1, ...full },
    { backend: 'wasm', workers: 2, ...full },
  ];
  // The pure-JS cpu backend trains thousands of times slower: one small step, reported with its own shape.
  if (!flags['skip-cpu']) tfjsRuns.push({ backend: 'cpu', workers: 1, batch: '1', frames: '1', size: String(flags['cpu-size'] ?? 32), steps: '1', warmup: '0' });

  for (const r of tfjsRuns) {
    console.error(`bench: tfjs ${r.backend} x${r.workers}${r.threads ? ` (${r.threads} oneDNN threads)` : ''} (batch ${r.batch})...`);
    const result = run(tsx, [measure, `--backend=${r.backend}`, `--workers=${r.workers}`, ...(r.threads ? [`--threads=${r.threads}`] : []), `--batch=${r.batch}`, `--frames=${r.frames}`, `--size=${r.size}`, `--steps=${r.steps}`, `--warmup=${r.warmup}`], 7200);
    if (!result.ok) {
      const reason = result.stderr.split('\n').find((l) => l.includes('is not available')) ?? result.stderr.trim().split('\n').slice(-3).join(' | ');
      failures.push({ runner: 'tfjs', backend: r.backend, threads: r.workers, reason });
      console.error(`bench:   skipped: ${reason}`);
      continue;
    }
    const m = lastJsonLine(result.stdout) as TfjsMeasurement;
    measurements.push(m);
  }

  const torchProblem = ensureTorch(!flags['no-install']);
  if (torchProblem) {
    failures.push({ runner: 'pytorch', backend: 'pytorch-cpu', threads: 0, reason: torchProblem });
  } else {
    for (const threads of [1, 2]) {
      for (const layout of [[], ['--channels-last']]) {
        console.error(`bench: pytorch ${threads} thread(s) ${layout.join(' ')}...`);
        const result = run(python, [path.join(__dirname, 'torch_peer.py'), '--threads', String(threads), '--batch', shape.batch, '--frames', shape.frames, '--size', shape.size, '--steps', shape.steps, '--warmup', shape.warmup, ...layout], 7200);
        if (!result.ok) failures.push({ runner: 'pytorch', backend: 'pytorch-cpu', threads, reason: result.stderr.trim().split('\n').pop() ?? 'failed' });
        else measurements.push(lastJsonLine(result.stdout) as Measurement);
      }
    }
  }

  // Ratios against the faster PyTorch layout at the same thread count.
  const peer = (threads: number, key: 'forwardClipsPerSecond' | 'trainClipsPerSecond') =>
    Math.max(...measurements.filter((m) => m.runner === 'pytorch' && m.threads === threads).map((m) => m[key]), -Infinity);
  const sameShape = (m: Measurement) => String(m.batch) === shape.batch && String(m.frames) === shape.frames && String(m.size) === shape.size;
  const rows: Row[] = measurements.map((m) => {
    const fwd = sameShape(m) ? peer(m.threads, 'forwardClipsPerSecond') : -Infinity;
    const train = sameShape(m) ? peer(m.threads, 'trainClipsPerSecond') : -Infinity;
    return { ...m, forwardRatio: fwd > 0 ? m.forwardClipsPerSecond / fwd : undefined, trainRatio: train > 0 ? m.trainClipsPerSecond / train : undefined };
  });

  const header = ['runner', 'backend', 'threads', 'B x T x size', 'fwd clips/s', 'train clips/s', 'fwd / torch', 'train / torch', 'train CPU s/step', 'peak RSS MiB'];
  const table = [
    header,
    ...rows.map((r) => [
      r.runner, r.backend, String(r.threads), `${r.batch}x${r.frames}x${r.size}`, format(r.forwardClipsPerSecond, 2), format(r.trainClipsPerSecond, 3),
      format(r.forwardRatio, 3), format(r.trainRatio, 3), format(r.trainCpuSecondsPerBatch, 2), format(r.peakRssMiB, 0),
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const lines = table.map((row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`);
  lines.splice(1, 0, `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  console.log(`Reference network: ResNet-18-style per-frame CNN, [B=${shape.batch}, T=${shape.frames}, ${shape.size}, ${shape.size}, 3], Adam; ${shape.steps} timed steps after ${shape.warmup} warm-up.`);
  console.log(lines.join('\n'));
  for (const f of failures) console.log(`not measured: ${f.runner} ${f.backend}${f.threads ? ` x${f.threads}` : ''}: ${f.reason}`);
  await writeJsonAtomic(out, { createdAt: new Date().toISOString(), shape, rows, failures });
  console.log(`written: ${path.relative(workspaceRoot, out)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
