/**
 * `trainer:train --print-config`: the config the run would use (defaults < --config file < A2D_* environment <
 * flags; with --resume, over the run's saved config), printed as JSON, exit 0, and no trace: no dataset generated,
 * no experiment folder, no lock.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { a2dConfigSchema } from '@a2d/core';
import { runTrainCommand } from './train';

/** The environment without A2D_* variables, so only the ones a test sets apply. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('A2D_')));

function runTrainer(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(__dirname, 'train.ts'), ...args], { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('trainer:train --print-config', () => {
  it('prints the config resolved from the file, the environment and the flags, and writes nothing (a real process in an empty folder)', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'a2d-print-config-'));
    const file = path.join(cwd, 'run.json');
    writeFileSync(file, JSON.stringify({ seed: 1, train: { epochs: 9 }, data: { valFraction: 0.2 } }));
    // Without --print-config this would generate the dataset into ./data/a2d-synth and train into ./experiments.
    const run = await runTrainer(['--print-config', `--config=${file}`, '--epochs=5', '--data.sampling.numFrames=4', '--synth-size=tiny'], cwd, {
      ...cleanEnv,
      A2D_SEED: '7',
      A2D_TRAIN__EPOCHS: '3',
    });
    expect([run.code, run.stderr]).toEqual([0, '']);
    const printed = a2dConfigSchema.parse(JSON.parse(run.stdout));
    expect(printed.seed).toBe(7); // environment over the file
    expect(printed.train.epochs).toBe(5); // command line over both
    expect(printed.data.valFraction).toBe(0.2); // the file over the default
    expect(printed.data.sampling.numFrames).toBe(4);
    expect(printed.data.root).toBe('data/a2d-synth');
    expect(printed).toEqual(a2dConfigSchema.parse({ seed: 7, train: { epochs: 5 }, data: { valFraction: 0.2, sampling: { numFrames: 4 } } }));
    expect(readdirSync(cwd)).toEqual(['run.json']);
  }, 60_000);

  it('with --resume prints the saved config changed by what is given now, and leaves the run folder as it was', async () => {
    const experiments = mkdtempSync(path.join(os.tmpdir(), 'a2d-print-config-resume-'));
    const saved = a2dConfigSchema.parse({ seed: 3, train: { epochs: 2 }, model: { hiddenDim: 32 }, experiment: { dir: experiments, name: 'saved' } });
    mkdirSync(path.join(experiments, 'saved'));
    writeFileSync(
      path.join(experiments, 'saved', 'config.json'),
      JSON.stringify({ format: 'a2d-experiment', version: 1, name: 'saved', createdAt: '2026-12-01T00:00:00.000Z', configHash: 'x', config: saved, engine: {}, trainer: { workers: 1, mode: 'in-process' } }),
    );
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      const code = await runTrainCommand(['--print-config', '--resume', '--experiment-name=saved', `--experiments-dir=${experiments}`, '--epochs=4'], { A2D_SEED: '8' });
      expect(code).toBe(0);
    } finally {
      log.mockRestore();
    }
    const printed = a2dConfigSchema.parse(JSON.parse(lines.join('\n')));
    expect([printed.model.hiddenDim, printed.train.epochs, printed.seed, printed.experiment.name]).toEqual([32, 4, 8, 'saved']);
    expect(readdirSync(experiments)).toEqual(['saved']);
    expect(readdirSync(path.join(experiments, 'saved'))).toEqual(['config.json']);
  });
});
