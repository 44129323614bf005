import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OutputPathError, runCommandLine, type CommandIo } from '@a2d/core';
import { describeWithTinyFilesystem } from '@a2d/core/testing';
import { trainingFixtures } from '@a2d/training/testing';
import { BUILD_COMMAND_LINE, runBuildCommand } from './build';
import { buildViewer } from './build-viewer';
import { MODEL_CARD_FILE } from './page/model-card';

// viewer:build --out=<dir>: a file there, or a file above it, is one line and exit code 1, before the checkpoint is
// even looked for (the experiments of the first tests have none). A full disk is one line naming the folder and
// the bytes the build needs (that one needs a trained model).

function experiment(): { experiments: string; root: string } {
  const experiments = mkdtempSync(path.join(os.tmpdir(), 'a2d-viewer-out-'));
  const root = path.join(experiments, 'tiny');
  mkdirSync(root);
  writeFileSync(path.join(root, 'config.json'), '{}');
  return { experiments, root };
}

async function build(argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const io: CommandIo = { error: (line) => lines.push(...line.split('\n')), exit: () => undefined };
  const code = await runCommandLine(BUILD_COMMAND_LINE, async () => {
    await runBuildCommand(argv, () => undefined);
  }, io);
  return { code, lines };
}

describe('viewer:build --out', () => {
  it('naming a file: one line, exit 1, the file untouched', async () => {
    const { experiments } = experiment();
    const out = path.join(experiments, 'site');
    writeFileSync(out, 'keep me');
    expect(await build([`--experiments-dir=${experiments}`, '--experiment-name=tiny', `--out=${out}`])).toEqual({
      code: 1,
      lines: [`viewer:build: ${out}: is a file, expected a folder`],
    });
    expect(readFileSync(out, 'utf8')).toBe('keep me');
  });

  it('under a parent that is a file (the default <experiment>/viewer too): one line naming the parent', async () => {
    const { experiments, root } = experiment();
    const parent = path.join(experiments, 'notes.txt');
    writeFileSync(parent, 'x');
    const out = path.join(parent, 'site');
    expect(await build([`--experiments-dir=${experiments}`, '--experiment-name=tiny', `--out=${out}`])).toEqual({
      code: 1,
      lines: [`viewer:build: ${parent}: is a file, expected a folder (a parent of ${out})`],
    });
    writeFileSync(path.join(root, 'viewer'), 'x');
    expect(await build([`--experiments-dir=${experiments}`, '--experiment-name=tiny'])).toEqual({
      code: 1,
      lines: [`viewer:build: ${path.join(root, 'viewer')}: is a file, expected a folder`],
    });
  });
});

describeWithTinyFilesystem('viewer:build on a full disk (a real 256 KiB tmpfs)', 256 * 1024, (disk) => {
  let experimentDir: string;
  beforeAll(async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'a2d-viewer-full-'));
    await trainingFixtures.makeTinyDataset(path.join(base, 'data'));
    experimentDir = await trainingFixtures.trainTinyExperiment(path.join(base, 'data'), path.join(base, 'experiments'), { overrides: { train: { epochs: 1 } } });
  }, 300_000);

  it('is one line naming the folder and the bytes the build needs; an earlier build stays whole, no staging folder is left', async () => {
    const out = path.join(disk().dir, 'site');
    mkdirSync(out);
    writeFileSync(path.join(out, MODEL_CARD_FILE), '{"earlier":true}');
    const error = await buildViewer({ experimentDir, outDir: out }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputPathError);
    expect((error as Error).message).toMatch(new RegExp(`^${disk().dir}: disk full: the viewer build needs \\d+ bytes \\([\\d.]+ MiB\\), \\d+ bytes \\([\\d.]+ KiB\\) free$`));
    expect(readdirSync(disk().dir)).toEqual(['site']);
    expect(readFileSync(path.join(out, MODEL_CARD_FILE), 'utf8')).toBe('{"earlier":true}');
  });
});
