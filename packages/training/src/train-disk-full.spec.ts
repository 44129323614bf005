import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OutputPathError } from '@a2d/core';
import { describeWithTinyFilesystem } from '@a2d/core/testing';
import { makeTinyDataset, trainTinyExperiment } from './testing/tiny-experiment';

// A disk that fills up during training: the run stops at its first checkpoint with one OutputPathError line naming
// the checkpoints folder and the bytes the checkpoint needs (runCommandLine prints it with exit code 1, no stack),
// and leaves no unfinished checkpoint folder behind.

describeWithTinyFilesystem('training on a full disk (a real 256 KiB tmpfs for the experiments)', 256 * 1024, (disk) => {
  let root: string;
  beforeAll(async () => {
    root = path.join(mkdtempSync(path.join(os.tmpdir(), 'a2d-train-full-')), 'data');
    await makeTinyDataset(root);
  }, 120_000);

  it('stops with one line naming the checkpoints folder, the bytes of the checkpoint and the bytes free', async () => {
    const error = await trainTinyExperiment(root, disk().dir, { overrides: { train: { epochs: 1 } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputPathError);
    const checkpoints = path.join(disk().dir, 'tiny', 'checkpoints');
    expect((error as Error).message).toMatch(new RegExp(`^${checkpoints}: disk full: checkpoint last needs \\d+ bytes \\([\\d.]+ MiB\\), \\d+ bytes \\([\\d.]+ KiB\\) free$`));
    expect(readdirSync(checkpoints)).toEqual([]);
  }, 300_000);
});
