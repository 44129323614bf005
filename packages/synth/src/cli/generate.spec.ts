import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@a2d/core';
import { GenerationAbortedError } from '../clip-writer';
import { parseGenerateCommandLine, runGenerateCommand } from './generate';

describe('synth:generate command line', () => {
  it('fills the defaults and keeps a numeric-looking output path a string', () => {
    expect(parseGenerateCommandLine([])).toEqual({ size: 'medium', difficulty: 'easy', out: 'data/a2d-synth', seed: 0, workers: 2 });
    expect(parseGenerateCommandLine(['--size=tiny', '--difficulty=hard', '--out', '42', '--seed=7', '--workers=3'])).toEqual({
      size: 'tiny',
      difficulty: 'hard',
      out: '42',
      seed: 7,
      workers: 3,
    });
  });

  it.each([
    [['--size=huge'], /--size: .*got "huge"/],
    [['--difficulty=medium'], /--difficulty: .*got "medium"/],
    [['--seed=-1'], /--seed: .*got -1/],
    [['--workers=two'], /--workers: expected a number/],
    [['--sizes=tiny'], /--sizes: unknown option \(did you mean --size\?\)/],
    [['--data.root=x'], /--data\.root: synth:generate takes no config keys; use --out=<dir> for the dataset folder/],
    [['tiny'], /tiny: unexpected argument/],
  ])('rejects %j as a command-line ConfigError naming the flag', (argv, message) => {
    let error: unknown;
    try {
      parseGenerateCommandLine(argv);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).source).toBe('command line');
    expect((error as Error).message).toMatch(message);
  });

  it('stops when interrupted, keeping no partial clip', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'a2d-synth-cli-'));
    try {
      const lines: string[] = [];
      const controller = new AbortController();
      controller.abort();
      await expect(runGenerateCommand(['--size=tiny', `--out=${out}`], (line) => lines.push(line), controller.signal)).rejects.toThrow(
        GenerationAbortedError,
      );
      expect(lines[0]).toMatch(/^\[synth\] generating 'tiny' .* into .* with seed 0, 2 workers$/);
      expect(readdirSync(path.join(out, 'clips320H'))).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
