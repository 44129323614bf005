/**
 * trainer:train as a user runs it: a real process on the tiny synthetic dataset, interrupted with SIGINT (saves,
 * says how to continue and exits 130, also when the one Ctrl-C arrives twice), resumed with no flag but its name,
 * killed with SIGKILL mid-epoch and mid-checkpoint-write (resumes from the last intact one, TensorBoard shows each
 * step once), a second trainer on the same experiment refused, and a resume on another dataset refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEpochRecords, readEventDir, tensorBoardScalars } from '@a2d/training';
import { trainingFixtures } from '@a2d/training/testing';

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

/** Starts the trainer with the tiny config (`withConfig` false: only `args`, e.g. a bare resume). */
function start(args: string[], withConfig = true): { child: ChildProcess; output: () => string; done: Promise<Finished> } {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), script, ...(withConfig ? [`--config=${configFile}`] : []), '--skip-test', ...args], {
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
  it('one Ctrl-C (delivered twice, as npx and Nx forward it) saves, says how to continue, exits 130; --resume alone finishes the run', async () => {
    const run = start(['--experiment-name=interrupted']);
    await waitFor(() => /epoch 1\/3/.test(run.output()), 120_000, 'epoch 1 to finish');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sent = Date.now();
    run.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 50));
    run.child.kill('SIGINT');
    const stopped = await run.done;
    expect(stopped.code).toBe(130);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(stopped.out).not.toMatch(/exiting now/);
    expect(stopped.out).toMatch(/interrupted: saved a resumable checkpoint at epoch 2/);
    expect(stopped.out).toMatch(new RegExp(`continue with: npx nx run trainer:train --experiment-name=interrupted --experiments-dir=${experiments} --resume`));
    expect(existsSync(path.join(experiments, 'interrupted', 'train.lock'))).toBe(false);

    // The hint as printed, and nothing else: the saved config (dataset, model, epochs) is used.
    const resumed = await start(['--experiment-name=interrupted', `--experiments-dir=${experiments}`, '--resume'], false).done;
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/resumed from checkpoint last: epoch 2/);
    expect(resumed.out).toMatch(/done: 3 epochs/);
    const metricsFile = path.join(experiments, 'interrupted', 'metrics.jsonl');
    expect(parseEpochRecords(readFileSync(metricsFile, 'utf8'), metricsFile).map((r) => r.epoch)).toEqual([1, 2, 3]);
  }, 300_000);

  it('refuses a second trainer on a running experiment, naming the holder; the first goes on undisturbed', async () => {
    const first = start(['--experiment-name=locked', '--epochs=40']);
    await waitFor(() => /epoch 1\/40/.test(first.output()), 120_000, 'epoch 1 to finish');
    const second = await start(['--experiment-name=locked', '--resume']).done;
    expect(second.code).toBe(1);
    expect(second.out).toMatch(new RegExp(`locked is in use by another trainer: pid ${first.child.pid} on `));
    const third = await start(['--experiment-name=locked', '--epochs=40']).done;
    expect(third.code).toBe(1);
    expect(third.out).toMatch(/in use by another trainer/);
    expect(first.child.exitCode).toBeNull();
    first.child.kill('SIGINT');
    const finished = await first.done;
    expect(finished.code).toBe(130);
    expect(finished.out).toMatch(/interrupted( during validation)?: saved a resumable checkpoint/);
    expect(existsSync(path.join(experiments, 'locked', 'train.lock'))).toBe(false);
    const config = JSON.parse(readFileSync(path.join(experiments, 'locked', 'config.json'), 'utf8')) as { dataset: { rows: number; sha256: string } };
    expect(config.dataset.rows).toBe(72);
    expect(config.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 300_000);

  it('refuses to resume a run that does not exist, or on another dataset', async () => {
    const typo = await start(['--experiment-name=no-such-run', '--resume']).done;
    expect(typo.code).toBe(1);
    expect(typo.out).toMatch(/no-such-run: no experiment to resume here \(no config.json\); experiments in .*: .*interrupted/);
    expect(existsSync(path.join(experiments, 'no-such-run'))).toBe(false);

    // Another dataset under the same flags: a copy of the tiny one with one video fewer.
    const other = path.join(path.dirname(root), 'other-data');
    cpSync(root, other, { recursive: true });
    const rows = readFileSync(path.join(other, 'videoset-val.csv'), 'utf8').trim().split('\n');
    writeFileSync(path.join(other, 'videoset-val.csv'), `${rows.slice(0, -1).join('\n')}\n`);
    const run = start(['--experiment-name=moved', '--epochs=1']);
    expect((await run.done).code).toBe(0);
    const moved = await start(['--experiment-name=moved', '--resume', `--root=${other}`, '--epochs=2']).done;
    expect(moved.code).toBe(1);
    expect(moved.out).toMatch(new RegExp(`cannot resume .*moved: it differs from the saved run in .*data.root \\(saved ${root}, now ${other}\\); videoset-val.csv \\(saved 72 videos, sha256 [0-9a-f]{12}; now 71 videos`));
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

    // TensorBoard shows each step once, with the values of the uninterrupted run (the killed sessions' orphaned
    // points are dropped by the resumed sessions' SessionLog.START), in TensorBoard's Python loader and in RustBoard.
    const scalarsOf = (name: string, loader: 'python' | 'rust') =>
      tensorBoardScalars(readEventDir(path.join(experiments, name, 'tensorboard'), { allowTruncatedTail: true }), { loader });
    for (const loader of ['python', 'rust'] as const) {
      const killed = scalarsOf('killed', loader);
      const straight = scalarsOf('reference', loader);
      for (const tag of ['train/step_loss', 'loss/train_total', 'accuracy/val_combined', 'epoch']) {
        const points = killed.get(tag) ?? [];
        expect(points.map((p) => p.step)).toEqual((straight.get(tag) ?? []).map((p) => p.step));
        expect(points.map((p) => p.value)).toEqual((straight.get(tag) ?? []).map((p) => p.value));
      }
    }
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
