import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireExperimentLock, EXPERIMENT_LOCK_FILE, ExperimentLockedError, holderIsAlive, systemProcessProbe, type ExperimentLockHolder } from './experiment-lock';

const fresh = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'a2d-lock-')), 'experiment');

/** A lock file as another process (`pid` on `host`) wrote it. */
function lockOf(pid: number, host = os.hostname(), processStart: string | null = systemProcessProbe.processStart(pid) ?? null): ExperimentLockHolder {
  return { format: 'a2d-experiment-lock', version: 1, pid, host, processStart, startedAt: '2026-12-07T10:00:00.000Z', command: 'train.ts --experiment-name=x' };
}

describe('acquireExperimentLock', () => {
  it('takes a free experiment, records its holder, and releases it', async () => {
    const dir = fresh();
    const lock = await acquireExperimentLock(dir, { command: 'trainer:train' });
    const saved = JSON.parse(readFileSync(path.join(dir, EXPERIMENT_LOCK_FILE), 'utf8')) as ExperimentLockHolder;
    expect(saved).toMatchObject({ pid: process.pid, host: os.hostname(), command: 'trainer:train' });
    expect(saved.processStart).toBe(systemProcessProbe.processStart(process.pid) ?? null);
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
    // Free again: a second run takes it.
    (await acquireExperimentLock(dir)).release();
  });

  it('refuses a second holder while the first lives, naming pid, host, start and command', async () => {
    const dir = fresh();
    const first = await acquireExperimentLock(dir, { command: 'first' });
    const second = await acquireExperimentLock(dir, { command: 'second' }).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(ExperimentLockedError);
    expect((second as Error).message).toMatch(new RegExp(`in use by another trainer: pid ${process.pid} on ${os.hostname()}, since .* \\(first\\)`));
    first.release();
  });

  it('takes over a lock whose holder died, with a warning (a killed trainer)', async () => {
    const dir = fresh();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    const dead = lockOf(child.pid ?? 1, os.hostname(), '1');
    await acquireExperimentLock(dir).then((lock) => lock.release());
    writeFileSync(path.join(dir, EXPERIMENT_LOCK_FILE), JSON.stringify(dead));
    const warnings: string[] = [];
    const lock = await acquireExperimentLock(dir, { warn: (line) => warnings.push(line) });
    expect(warnings.join('\n')).toMatch(new RegExp(`its holder \\(pid ${dead.pid} on .*\\) is no longer running; taking the experiment over`));
    expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('treats a live pid that started at another time as a recycled pid (stale), and a live holder as alive', () => {
    expect(holderIsAlive(lockOf(process.pid))).toBe(true);
    expect(holderIsAlive({ ...lockOf(process.pid), processStart: 'not-this-start' })).toBe(false);
  });

  it('respects a lock held from another host (it cannot be checked from here) and says how to clear it', async () => {
    const dir = fresh();
    await acquireExperimentLock(dir).then((lock) => lock.release());
    const file = path.join(dir, EXPERIMENT_LOCK_FILE);
    writeFileSync(file, JSON.stringify(lockOf(4242, 'gpu-node-7', '99')));
    const error = await acquireExperimentLock(dir).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExperimentLockedError);
    expect((error as Error).message).toMatch(/pid 4242 on gpu-node-7.*another host.*if it is gone, delete .*train\.lock/);
  });

  it('replaces an unreadable lock only once it is old (a lock is always created whole)', async () => {
    const dir = fresh();
    await acquireExperimentLock(dir).then((lock) => lock.release());
    const file = path.join(dir, EXPERIMENT_LOCK_FILE);
    writeFileSync(file, '{ not json');
    const old = new Date(Date.now() - 60_000);
    utimesSync(file, old, old);
    const warnings: string[] = [];
    const lock = await acquireExperimentLock(dir, { warn: (line) => warnings.push(line) });
    expect(warnings.join('\n')).toMatch(/unreadable and \d+ s old: replacing it/);
    lock.release();
  });

  it('two processes racing for one experiment: exactly one wins', async () => {
    const dir = fresh();
    const script = `
      require('tsx/cjs');
      const { acquireExperimentLock } = require(${JSON.stringify(path.join(__dirname, 'experiment-lock.ts'))});
      acquireExperimentLock(${JSON.stringify(dir)}).then(
        () => { console.log('won'); setTimeout(() => {}, 1500); },
        (error) => { console.log(error.name); },
      );`;
    const run = () =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '../../..') });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('close', () => resolve(out.trim()));
      });
    const results = await Promise.all([run(), run(), run()]);
    expect(results.filter((r) => r === 'won')).toHaveLength(1);
    expect(results.filter((r) => r === 'ExperimentLockedError')).toHaveLength(2);
  }, 60_000);
});
