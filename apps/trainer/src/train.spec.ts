/**
 * trainer:train as a user runs it: a real process on the tiny synthetic dataset, interrupted with SIGINT (saves
 * and exits 0) and killed with SIGKILL mid-epoch and mid-checkpoint-write (resumes from the last intact one).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEpochRecords, trainingFixtures } from '@a2d/training';

const script = path.join(__dirname, 'train.ts');
const workspace = path.resolve(__dirname, '../../..');
let root: string;
let experiments: string;
let configFile: string;

beforeAll(async () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'a2d-trainer-cli-'));
  root = path.join(base, 'data');
  experiments = path.join(base, 'experiments');
  await trainingFixtures.makeTinyDataset(root);
  configFile = path.join(base, 'tiny.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      seed: 5,
      data: {
        root,
        videosetFile: 'videoset-val.csv',
        valFraction: 0.25,
        decode: { height: 60, width: 80, cacheFrames: 8 },
        sampling: { numFrames: 4 },
        loader: { batchSize: 4 },
      },
      augment: { cropSize: 48 },
      model: { hiddenDim: 16, numHeads: 2, numLayers: 1, actionEmbeddingDim: 8 },
      train: { epochs: 3, workers: 2 },
      experiment: { dir: experiments },
    }),
  );
}, 180_000);

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

function start(args: string[]): { child: ChildProcess; output: () => string; done: Promise<Finished> } {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), script, `--config=${configFile}`, '--skip-test', ...args], {
    cwd: workspace,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const done = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, out })));
  return { child, output: () => out, done };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function finalWeights(name: string): Buffer {
  return readFileSync(path.join(experiments, name, 'checkpoints', 'last', 'model', 'weights.bin'));
}

describe('trainer:train (a real process)', () => {
  it('SIGINT saves a resumable checkpoint and exits 0 within seconds; --resume finishes the run', async () => {
    const run = start(['--experiment-name=interrupted']);
    await waitFor(() => /epoch 1\/3/.test(run.output()), 120_000, 'epoch 1 to finish');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sent = Date.now();
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code).toBe(0);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(stopped.out).toMatch(/interrupted: saved a resumable checkpoint at epoch 2/);
    expect(stopped.out).toMatch(/--experiment-name=interrupted --resume/);

    const resumed = await start(['--experiment-name=interrupted', '--resume']).done;
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/resumed from checkpoint last: epoch 2/);
    expect(resumed.out).toMatch(/done: 3 epochs/);
    const metricsFile = path.join(experiments, 'interrupted', 'metrics.jsonl');
    expect(parseEpochRecords(readFileSync(metricsFile, 'utf8'), metricsFile).map((r) => r.epoch)).toEqual([1, 2, 3]);
  }, 300_000);

  it('SIGKILL mid-epoch and mid-checkpoint-write: resumes from the last intact checkpoint to the same weights', async () => {
    const reference = await start(['--experiment-name=reference']).done;
    expect(reference.code).toBe(0);

    // Killed in the middle of epoch 2: the last intact checkpoint is the end of epoch 1.
    const first = start(['--experiment-name=killed']);
    await waitFor(() => /epoch 1\/3/.test(first.output()), 120_000, 'epoch 1 to finish');
    await new Promise((resolve) => setTimeout(resolve, 200));
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');

    // Resumed, then killed the moment it starts writing its next checkpoint (the end of epoch 2).
    const checkpoints = path.join(experiments, 'killed', 'checkpoints');
    const second = start(['--experiment-name=killed', '--resume']);
    let killedDuringWrite = false;
    const watcher = watch(checkpoints, (_event, file) => {
      if (!killedDuringWrite && typeof file === 'string' && file.startsWith('.tmp-')) {
        killedDuringWrite = true;
        second.child.kill('SIGKILL');
      }
    });
    const secondEnd = await second.done;
    watcher.close();
    expect(secondEnd.out).toMatch(/resumed from checkpoint last: epoch 2, 0 videos into it/);
    expect(killedDuringWrite).toBe(true);
    const leftovers = readdirSync(checkpoints).filter((name) => name.startsWith('.tmp-'));

    const third = await start(['--experiment-name=killed', '--resume']).done;
    expect(third.code).toBe(0);
    if (leftovers.length > 0) expect(third.out).toMatch(/removed the unfinished checkpoint/);
    expect(readdirSync(checkpoints).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(third.out).toMatch(/done: 3 epochs/);
    expect(finalWeights('killed').equals(finalWeights('reference'))).toBe(true);
  }, 400_000);

  it('prints one line and the usage for a command-line mistake, and refuses --resume without a name', async () => {
    const typo = await start(['--epocs=3']).done;
    expect(typo.code).toBe(1);
    expect(typo.out).toMatch(/--epocs: unknown option \(did you mean --epochs\?\)/);
    expect(typo.out).toMatch(/usage: npx nx run trainer:train/);
    const noName = await start(['--resume']).done;
    expect(noName.code).toBe(1);
    expect(noName.out).toMatch(/--resume: needs --experiment-name/);
    expect(existsSync(path.join(experiments, 'typo'))).toBe(false);
  }, 60_000);
});
