import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { z } from 'zod';
import { runCommandLine, type CommandIo, type CommandLineSpec } from '@a2d/core';
import { describeWithTinyFilesystem } from '@a2d/core/testing';
import { PREDICTIONS_CSV_HEADER } from '@a2d/metrics';
import { runScoreCommand, SCORE_COMMAND_LINE } from './score';
import { runTestCommand, TEST_COMMAND_LINE } from './test';

// Every output path of the evaluator that cannot be written is one line and exit code 1: a file where the folder
// should be, a parent that is a file, a full disk. (evaluator:predict writes no file.)

const WORKSPACE = path.join(__dirname, '../../..');
const tempDir = (): string => mkdtempSync(path.join(os.tmpdir(), 'a2d-evaluator-out-'));

function predictionsCsv(dir: string): string {
  const file = path.join(dir, 'predictions.csv');
  writeFileSync(file, [PREDICTIONS_CSV_HEADER, 'a,climbing,climbing,adult,adult,True,True', 'b,crawling,climbing,baby,adult,False,False', ''].join('\n'));
  return file;
}

/** Runs `body` as the CLI would and returns its exit code and stderr lines. */
async function asCommand(command: CommandLineSpec<z.ZodObject>, body: () => Promise<unknown>): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const io: CommandIo = { error: (line) => lines.push(...line.split('\n')), exit: () => undefined };
  const code = await runCommandLine(command, async () => {
    await body();
  }, io);
  return { code, lines };
}

describe('evaluator:score --out', () => {
  it('naming an existing file: one line, exit 1, the file untouched', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'metrics.json');
    writeFileSync(out, 'keep me');
    const result = await asCommand(SCORE_COMMAND_LINE, () => runScoreCommand([`--predictions=${predictionsCsv(dir)}`, `--out=${out}`], () => undefined));
    expect(result).toEqual({ code: 1, lines: [`evaluator:score: ${out}: is a file, expected a folder`] });
    expect(readFileSync(out, 'utf8')).toBe('keep me');
  });

  it('under a parent that is a file: one line naming the parent', async () => {
    const dir = tempDir();
    const parent = path.join(dir, 'notes.txt');
    writeFileSync(parent, 'x');
    const out = path.join(parent, 'scores');
    const result = await asCommand(SCORE_COMMAND_LINE, () => runScoreCommand([`--predictions=${predictionsCsv(dir)}`, `--out=${out}`], () => undefined));
    expect(result).toEqual({ code: 1, lines: [`evaluator:score: ${parent}: is a file, expected a folder (a parent of ${out})`] });
  });

  it('runs as a script (tsx): an existing file as --out is one line on stderr and exit 1', () => {
    const dir = tempDir();
    const out = path.join(dir, 'taken');
    writeFileSync(out, '');
    const tsx = path.join(WORKSPACE, 'node_modules/.bin/tsx');
    const run = spawnSync(tsx, ['apps/evaluator/src/score.ts', `--predictions=${predictionsCsv(dir)}`, `--out=${out}`], { cwd: WORKSPACE, encoding: 'utf8' });
    expect(run.stderr).toBe(`evaluator:score: ${out}: is a file, expected a folder\n`);
    expect(run.status).toBe(1);
  });
});

describeWithTinyFilesystem('evaluator:score on a full disk (a real 256 KiB tmpfs)', 256 * 1024, (disk) => {
  it('is one line naming the folder, the bytes needed and the bytes free, exit 1', async () => {
    const dir = tempDir();
    disk().fill();
    const out = path.join(disk().dir, 'scores');
    const result = await asCommand(SCORE_COMMAND_LINE, () => runScoreCommand([`--predictions=${predictionsCsv(dir)}`, `--out=${out}`], () => undefined));
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([expect.stringMatching(new RegExp(`^evaluator:score: ${out}: disk full: metrics\\.json needs \\d+ bytes \\([\\d.]+ KiB\\), 0 bytes free$`))]);
  });
});

describe('evaluator:test results folder', () => {
  it('that is a file: one line before anything is evaluated, exit 1', async () => {
    const experiments = tempDir();
    const experiment = path.join(experiments, 'tiny');
    mkdirSync(experiment);
    writeFileSync(path.join(experiment, 'config.json'), '{}');
    writeFileSync(path.join(experiment, 'results'), 'not a folder');
    const result = await asCommand(TEST_COMMAND_LINE, () =>
      runTestCommand([`--experiments-dir=${experiments}`, '--experiment-name=tiny', '--backend=cpu', '--quiet'], () => undefined, { progressStream: { write: () => true } }),
    );
    expect(result).toEqual({ code: 1, lines: [`evaluator:test: ${path.join(experiment, 'results')}: is a file, expected a folder`] });
  });
});
