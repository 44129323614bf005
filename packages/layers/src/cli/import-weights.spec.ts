import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@a2d/engine';
import { PretrainedImportError } from '../pretrained/pretrained-import-error';
import { runImportWeightsCommand } from './import-weights';

const WORKSPACE = path.resolve(__dirname, '../../../..');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function tempDir(): string {
  return mkdtempSync(path.join(process.env.JEST_A2D_TMPDIR ?? os.tmpdir(), 'a2d-import-cli-'));
}

/** A safetensors file with no tensors: readable, so only --out can be what is wrong. */
function emptySafetensors(file: string): string {
  const header = new TextEncoder().encode('{}');
  const bytes = new Uint8Array(8 + header.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
  bytes.set(header, 8);
  writeFileSync(file, bytes);
  return file;
}

function run(from: string, out: string): Promise<void> {
  return runImportWeightsCommand([`--from=${from}`, '--backbone=resnet18', `--out=${out}`, '--backend=cpu'], () => undefined);
}

describe('layers:import-weights: the backend by the config rules (A2D_ENGINE__BACKEND < --backend / --engine.backend)', () => {
  const args = (dir: string) => [`--from=${path.join(dir, 'absent.safetensors')}`, '--backbone=resnet18', `--out=${path.join(dir, 'out')}`];

  it('takes the backend from the environment, the command line over it, and names a bad one with its source', async () => {
    const dir = tempDir();
    // Each run goes on to the missing --from, after the engine is set up on the backend it resolved.
    await expect(runImportWeightsCommand(args(dir), () => undefined, { A2D_ENGINE__BACKEND: 'wasm' })).rejects.toThrow(/cannot read: ENOENT/);
    expect(tf.getBackend()).toBe('wasm');
    await expect(runImportWeightsCommand([...args(dir), '--backend=cpu'], () => undefined, { A2D_ENGINE__BACKEND: 'wasm' })).rejects.toThrow(/cannot read: ENOENT/);
    expect(tf.getBackend()).toBe('cpu');
    await expect(runImportWeightsCommand(args(dir), () => undefined, { A2D_ENGINE__BACKEND: 'gpu9' })).rejects.toThrow(/invalid configuration \(environment \(A2D_ENGINE__BACKEND\)\):\n {2}engine\.backend: /);
    await expect(runImportWeightsCommand([...args(dir), '--engine.backend=gpu9'], () => undefined, {})).rejects.toThrow(/invalid configuration \(command line\):\n {2}engine\.backend: /);
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
  });

  it('refuses other config keys, naming the flags to use', async () => {
    await expect(runImportWeightsCommand([...args(tempDir()), '--model.backbone=resnet18'], () => undefined, {})).rejects.toThrow(
      '--model.backbone: not a config key of layers:import-weights; it takes engine.backend; the architecture is --backbone=<name>, the source --from=<file>',
    );
  });
});

describe('layers:import-weights: an unusable --out or --from is one typed error naming the path', () => {
  it('refuses an --out that is an existing file (and leaves the file alone)', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'taken.txt');
    writeFileSync(out, 'keep me');
    const error = run(emptySafetensors(path.join(dir, 'w.safetensors')), out);
    await expect(error).rejects.toThrow(PretrainedImportError);
    await expect(error).rejects.toThrow(`${out}: is a file, not a folder: --out names the folder to create; choose another --out (nothing was written)`);
    expect(readdirSync(dir).sort()).toEqual(['taken.txt', 'w.safetensors']);
  });

  it('refuses an --out below a file, naming that file, before reading anything', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'taken.txt');
    writeFileSync(file, 'keep me');
    const out = path.join(file, 'deeper', 'pretrained');
    await expect(run(path.join(dir, 'absent.safetensors'), out)).rejects.toThrow(
      `${out}: cannot be created: ${file} is a file, not a folder; choose another --out (nothing was written)`,
    );
    expect(readdirSync(dir)).toEqual(['taken.txt']);
  });

  it('refuses an existing non-empty --out folder, and accepts an empty one', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'keep.txt'), 'x');
    await expect(run(emptySafetensors(path.join(dir, 'w.safetensors')), out)).rejects.toThrow(`${out}: already exists and is not empty; choose another --out (nothing was written)`);
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    // An empty folder passes the --out check; the (tensorless) file is what stops this import.
    await expect(run(path.join(dir, 'w.safetensors'), empty)).rejects.toThrow(/no weight of the file fits resnet18/);
  });

  it('refuses a missing --from and a folder given as --from', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'out');
    const absent = path.join(dir, 'absent.safetensors');
    await expect(run(absent, out)).rejects.toThrow(`${absent}: cannot read: ENOENT (no such file)`);
    await expect(run(dir, out)).rejects.toThrow(`${dir}: cannot read: EISDIR (a folder; --from takes the weights file itself, .safetensors or .h5)`);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 1 with one line and no stack when run as a command', () => {
    const dir = tempDir();
    const out = path.join(dir, 'taken.txt');
    writeFileSync(out, 'keep me');
    const result = spawnSync('npx', ['tsx', 'packages/layers/src/cli/import-weights.ts', `--from=${path.join(dir, 'w.safetensors')}`, '--backbone=resnet18', `--out=${out}`, '--backend=cpu'], {
      cwd: WORKSPACE,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`layers:import-weights: ${out}: is a file, not a folder: --out names the folder to create; choose another --out (nothing was written)\n`);
    expect(result.status).toBe(1);
  });
});
