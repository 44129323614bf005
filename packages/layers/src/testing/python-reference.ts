/**
 * Test helper: reference outputs computed in Python (Debian's python3-torch / python3-torchvision / python3-h5py,
 * which tools/test.sh installs where it can). Where no interpreter has them, the tests that need them skip and
 * say why, once.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@a2d/engine';
import { fileSystemIO } from '../backbones/file-system-io';
import { readPretrainedManifest } from '../pretrained/pretrained-manifest';
import { readSafetensors, type SafetensorsTensor } from '../pretrained/safetensors-file';

/** Folder of the Python reference scripts. */
export const TEST_SUPPORT_DIR = path.resolve(__dirname, '../../test-support');

const CANDIDATES = [process.env.A2D_TEST_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => typeof c === 'string' && c.length > 0);

let found: { python: string | null; why: string } | undefined;

/** An interpreter that imports torch, torchvision, h5py and numpy, or null with the reason. */
export function referencePython(): { python: string | null; why: string } {
  if (found) return found;
  const tried: string[] = [];
  for (const python of CANDIDATES) {
    const result = spawnSync(python, ['-c', 'import torch, torchvision, h5py, numpy'], { encoding: 'utf8', timeout: 60_000 });
    if (result.status === 0) return (found = { python, why: '' });
    tried.push(`${python}: ${(result.stderr || String(result.error ?? 'failed')).trim().split('\n').pop()}`);
  }
  found = {
    python: null,
    why: `no Python with torch, torchvision and h5py (${tried.join('; ')}); install python3-torch python3-torchvision python3-h5py (tools/test.sh does where it can)`,
  };
  return found;
}

/** `describe` where the reference interpreter exists, else `describe.skip` after printing why. */
export function describeWithPython(name: string, body: () => void): void {
  const { python, why } = referencePython();
  if (python === null) {
    console.warn(`skipping "${name}": ${why}`);
    describe.skip(name, body);
  } else describe(name, body);
}

/** Runs `script` (a file in test-support/) with `args` and returns the folder it wrote to (`--out-dir`). */
export function runReferenceScript(script: string, args: string[]): string {
  const { python, why } = referencePython();
  if (python === null) throw new Error(why);
  const root = process.env.JEST_A2D_TMPDIR ?? os.tmpdir();
  const outDir = mkdtempSync(path.join(root, 'a2d-pyref-'));
  execFileSync(python, [path.join(TEST_SUPPORT_DIR, script), ...args, '--out-dir', outDir], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  return outDir;
}

/** The tensors of `<dir>/reference.safetensors` (images as bytes, features as float32). */
export async function readReference(dir: string): Promise<Map<string, SafetensorsTensor>> {
  return (await readSafetensors(path.join(dir, 'reference.safetensors'))).tensors;
}

/**
 * The reference images of `<dir>` as a pretrained folder's model input, `(byte / 255 - mean) / std` with the
 * normalization of `<pretrainedDir>/pretrained.json`, [N, H, W, 3]; and the reference features.
 */
export async function referenceInput(dir: string, pretrainedDir: string): Promise<{ images: tf.Tensor4D; features: Float32Array; featureShape: number[] }> {
  const reference = await readReference(dir);
  const images = reference.get('images');
  const features = reference.get('features');
  if (!images || !features) throw new Error(`${dir}/reference.safetensors lacks images or features`);
  const { mean, std } = (await readPretrainedManifest(pretrainedDir)).inputNormalization;
  const bytes = images.values as Uint8Array;
  const floats = Float32Array.from(bytes, (byte, i) => (byte / 255 - (mean[i % 3] ?? 0)) / (std[i % 3] ?? 1));
  const [n = 0, h = 0, w = 0] = images.shape;
  return { images: tf.tensor4d(floats, [n, h, w, 3]), features: features.values as Float32Array, featureShape: features.shape };
}

/**
 * max |difference| / max |feature| between the features a pretrained folder's backbone computes on `<dir>`'s reference
 * images (normalised as its manifest says) and the reference features; checks the call leaks no tensor.
 */
export async function featureDifference(dir: string, out: string): Promise<number> {
  const { images: input, features, featureShape } = await referenceInput(dir, out);
  const model = await tf.loadLayersModel(fileSystemIO(out));
  const before = tf.memory().numTensors;
  const output = model.predict(input) as tf.Tensor;
  expect(output.shape).toEqual(featureShape);
  const difference = relativeMaxDifference(output.dataSync(), features);
  output.dispose();
  expect(tf.memory().numTensors).toBe(before);
  input.dispose();
  model.dispose();
  return difference;
}

/** max |a - b| / max |b|: the difference relative to the reference's scale. */
export function relativeMaxDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`);
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    difference = Math.max(difference, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return difference / scale;
}
