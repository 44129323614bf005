/**
 * Every documented trainer flag reaches the command through `nx run trainer:train`, including those Nx's parser
 * keeps for itself (`--batch-size` is read by yargs as Nx's `--batch`): checked with Nx's own parser in-process for
 * each flag and alias, and once for real through `npx nx`.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseCommandLine } from '@a2d/core';
import { nxForwardedArgs, nxProcessArgv } from '@a2d/core/testing';
import { TRAIN_COMMAND_LINE } from './train';

/** One example of every flag the usage documents, in `--name=value` and `--name value` forms. */
const DOCUMENTED: string[][] = [
  ['--experiment-name=run1'],
  ['--resume'],
  ['--force'],
  ['--config=run.json'],
  ['--epochs=3'],
  ['--batch-size=4'],
  ['--batch-size', '4'],
  ['--batch_size=4'],
  ['--lr=0.01'],
  ['--backbone=resnet18'],
  ['--backend=wasm'],
  ['--root=data/tiny'],
  ['--workers=1'],
  ['--seed=2'],
  ['--experiments-dir=runs'],
  ['--synth-size=tiny'],
  ['--synth-difficulty=hard'],
  ['--skip-test'],
  ['--quiet'],
  ['--print-config'],
  ['--mode', 'train'],
  ['--model.kind=one-step'],
  ['--train.ema.enabled=true'],
];

describe('trainer flags through nx run', () => {
  it.each(DOCUMENTED.map((argv) => [argv.join(' '), argv]))('%s reaches the command', (_shown, argv) => {
    const direct = parseCommandLine(argv as string[], TRAIN_COMMAND_LINE, { env: {} });
    const forwarded = nxForwardedArgs('trainer', 'train', argv as string[]);
    const env = { NX_INVOCATION_ANCESTOR_PIDS: '77', NX_TASK_TARGET_PROJECT: 'trainer', NX_TASK_TARGET_TARGET: 'train' };
    const throughNx = parseCommandLine(forwarded, TRAIN_COMMAND_LINE, { env, readArgv: (pid) => (pid === 77 ? nxProcessArgv('trainer', 'train', argv as string[]) : undefined) });
    expect(throughNx.flags).toEqual(direct.flags);
    expect(throughNx.overrides).toEqual(direct.overrides);
    expect(Object.keys(direct.overrides).length + Object.values(direct.flags).filter((v) => v !== undefined && v !== false).length).toBeGreaterThan(0);
  });

  it('Nx itself swallows --batch-size (why the trainer reads it back)', () => {
    expect(nxForwardedArgs('trainer', 'train', ['--batch-size=4', '--epochs=3'])).toEqual(['--epochs=3']);
  });

  it('a real `npx nx run trainer:train --batch-size=abc` stops on the bad batch size instead of training with the default', () => {
    const workspace = path.resolve(__dirname, '../../..');
    const run = spawnSync(
      process.execPath,
      [path.join(workspace, 'node_modules', '.bin', 'nx'), 'run', 'trainer:train', '--batch-size=abc', '--root=/nonexistent-a2d-root', '--outputStyle=static'],
      { cwd: workspace, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' }, timeout: 120_000 },
    );
    const out = `${run.stdout}${run.stderr}`;
    expect(run.status).not.toBe(0);
    expect(out).toMatch(/data\.loader\.batchSize: expected number/);
  }, 150_000);
});
