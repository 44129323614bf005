/**
 * trainer:train refuses a mistyped config key before any work (no run folder is made). Every case points at a
 * dataset root that does not exist, on the cpu backend, so a regression fails on that missing dataset within
 * seconds instead of generating data or training.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CommandHelpRequest, ConfigError } from '@a2d/core';
import { runTrainCommand } from './train';

describe('trainer:train config mistakes', () => {
  let base: string;
  let safe: string[];
  beforeEach(() => {
    base = mkdtempSync(path.join(os.tmpdir(), 'a2d-trainer-config-'));
    safe = [`--root=${path.join(base, 'no-dataset')}`, `--experiments-dir=${path.join(base, 'experiments')}`, '--backend=cpu', '--skip-test', '--quiet'];
  });

  async function refusal(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
    const error = await runTrainCommand([...safe, ...argv], env).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(existsSync(path.join(base, 'experiments'))).toBe(false);
    return error as ConfigError;
  }

  it('a mistyped --data.path names the key, the closest known one and the command line', async () => {
    const error = await refusal(['--data.valFracton=0.2'], { HOME: '/home/user', PATH: '/usr/bin' });
    expect(error.source).toBe('command line');
    expect(error.issues).toEqual([{ path: 'data.valFracton', message: 'unknown key; did you mean data.valFraction?' }]);
  });

  it('a mistyped A2D_ variable names the variable and the one to set', async () => {
    const error = await refusal([], { A2D_DATA__VAL_FRACTON: '0.2' });
    expect(error.source).toBe('environment (A2D_DATA__VAL_FRACTON)');
    expect(error.issues).toEqual([{ path: 'data.valFracton', message: 'unknown key; did you mean data.valFraction (A2D_DATA__VAL_FRACTION)?' }]);
  });

  it('a mistyped key in --config names the file', async () => {
    const file = path.join(base, 'run.json');
    writeFileSync(file, JSON.stringify({ train: { optimizer: { lrr: 0.1 } } }));
    const error = await refusal([`--config=${file}`]);
    expect(error.source).toBe(file);
    expect(error.issues).toEqual([{ path: 'train.optimizer.lrr', message: 'unknown key; did you mean train.optimizer.lr?' }]);
  });

  it('trainer aliases still set their config paths (checked by the schema), and --help answers before anything runs', async () => {
    const error = await refusal(['--lr=0', '--epochs=2', '--workers=1', '--batch-size=2', '--experiment-name=x']);
    expect(error.source).toBe('command line');
    expect(error.issues.map((issue) => issue.path)).toEqual(['train.optimizer.lr']);
    const help = await runTrainCommand([...safe, '--help'], {}).catch((caught: unknown) => caught);
    expect(help).toBeInstanceOf(CommandHelpRequest);
    expect((help as CommandHelpRequest).text).toMatch(/^trainer:train: trains the two-step model/);
    expect((help as CommandHelpRequest).text).toMatch(/\n {2}--print-config +print the resolved config/);
    expect(existsSync(path.join(base, 'experiments'))).toBe(false);
  });
});
