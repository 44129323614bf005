/** The trainer's default dataset: generated when missing, refused (with the fix) when the folder holds another one. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { a2dConfigSchema, ConfigError } from '@a2d/core';
import { ensureDataset } from './train';

describe('ensureDataset', () => {
  let root: string;
  const configFor = (dataRoot: string) => a2dConfigSchema.parse({ data: { root: dataRoot } });
  const wanted = { size: 'medium', difficulty: 'easy' };
  const manifest = (fields: Record<string, unknown>) =>
    writeFileSync(path.join(root, 'synth.json'), JSON.stringify({ format: 'a2d-synth', size: 'medium', difficulty: 'easy', seed: 0, clips: 1100, ...fields }));

  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'a2d-default-root-'));
    writeFileSync(path.join(root, 'videoset.csv'), 'header only\n');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('uses a default root that holds the dataset asked for', async () => {
    manifest({});
    const lines: string[] = [];
    await expect(ensureDataset(configFor(root), wanted, (line) => lines.push(line), root)).resolves.toBeUndefined();
    expect(lines).toEqual([]);
  });

  it('refuses a default root holding another synthetic dataset, naming both and the fixes', async () => {
    manifest({ size: 'small', difficulty: 'hard' });
    const attempt = ensureDataset(configFor(root), wanted, () => undefined, root);
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(ensureDataset(configFor(root), wanted, () => undefined, root)).rejects.toThrow(
      /data\.root: .* holds the synthetic dataset small\/hard\/seed 0, not medium\/easy\/seed 0: delete the folder to regenerate it, pass --synth-size\/--synth-difficulty to match it, or --root=/,
    );
  });

  it('refuses a default root whose dataset has no synth.json (an earlier version wrote it)', async () => {
    await expect(ensureDataset(configFor(root), wanted, () => undefined, root)).rejects.toThrow(/holds a dataset without synth\.json/);
  });

  it("leaves any other root alone: it is the user's dataset", async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'a2d-user-root-'));
    try {
      await expect(ensureDataset(configFor(other), wanted, () => undefined, root)).resolves.toBeUndefined();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
