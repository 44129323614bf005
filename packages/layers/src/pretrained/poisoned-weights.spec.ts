import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@a2d/engine';
import { runImportWeightsCommand } from '../cli/import-weights';
import { describeWithPython, referencePython, runReferenceScript } from '../testing/python-reference';
import { PretrainedImportError } from './pretrained-import-error';
import { parseSafetensors } from './safetensors-file';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** One tensor as the test writes it: dtype, shape, row-major values, and optionally forced byte offsets. */
interface TestTensor {
  dtype: 'F32' | 'F64' | 'I64' | 'I32' | 'BOOL';
  shape: number[];
  values: number[];
  offsets?: [number, number];
}

function tensorBytes({ dtype, values }: TestTensor): Uint8Array {
  const typed =
    dtype === 'F32'
      ? Float32Array.from(values)
      : dtype === 'F64'
        ? Float64Array.from(values)
        : dtype === 'I64'
          ? BigInt64Array.from(values.map((v) => BigInt(v)))
          : dtype === 'I32'
            ? Int32Array.from(values)
            : Uint8Array.from(values);
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/**
 * A safetensors file as the format's documentation lays it out: tensors back to back in the given order, unless a
 * tensor forces its `offsets` (its bytes are still appended, so the data length stays the sum of all tensors).
 */
function writeSafetensors(file: string, tensors: Record<string, TestTensor>): string {
  const header: Record<string, unknown> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const bytes = tensorBytes(tensor);
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: tensor.offsets ?? [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  const text = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  let at = 8 + text.length;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  writeFileSync(file, out);
  return file;
}

/** torchvision's `bn1` (64 channels): the four BatchNorm tensors and the step counter, all well-formed. */
function bn1(overrides: Record<string, Partial<TestTensor>> = {}): Record<string, TestTensor> {
  const channels = (value: number) => Array.from({ length: 64 }, (_, i) => value + i / 64);
  const tensors: Record<string, TestTensor> = {
    'bn1.weight': { dtype: 'F32', shape: [64], values: channels(1) },
    'bn1.bias': { dtype: 'F32', shape: [64], values: channels(0) },
    'bn1.running_mean': { dtype: 'F32', shape: [64], values: channels(0.1) },
    'bn1.running_var': { dtype: 'F32', shape: [64], values: channels(0.5) },
    'bn1.num_batches_tracked': { dtype: 'I64', shape: [], values: [1234] },
  };
  for (const [name, override] of Object.entries(overrides)) tensors[name] = { ...(tensors[name] ?? { dtype: 'F32', shape: [], values: [] }), ...override };
  return tensors;
}

function tempDir(): string {
  return mkdtempSync(path.join(process.env.JEST_A2D_TMPDIR ?? os.tmpdir(), 'a2d-poisoned-'));
}

/**
 * Imports `from` with --force (a partial load would be written, so only the poison check can stop it) and returns
 * the error; checks that it is a PretrainedImportError and that --out was not created.
 */
async function refusal(from: string, backbone: string): Promise<PretrainedImportError> {
  const out = path.join(path.dirname(from), 'out');
  let caught: unknown;
  try {
    await runImportWeightsCommand([`--from=${from}`, `--backbone=${backbone}`, `--out=${out}`, '--backend=cpu', '--force'], () => undefined);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PretrainedImportError);
  expect(existsSync(out)).toBe(false);
  expect(existsSync(`${out}.partial-${process.pid}`)).toBe(false);
  return caught as PretrainedImportError;
}

describe('poisoned torchvision (safetensors) files are refused with the tensor and the reason, and nothing is written', () => {
  it('refuses NaN in a weight: names the tensor, the count and the first bad index', async () => {
    const values = Array.from({ length: 64 }, (_, i) => 1 + i / 64);
    values[5] = NaN;
    values[9] = NaN;
    const from = writeSafetensors(path.join(tempDir(), 'w.safetensors'), bn1({ 'bn1.weight': { values } }));
    const error = await refusal(from, 'resnet18');
    expect(error.message).toBe(`${from}: tensor "bn1.weight": 2 of 64 values are not finite in float32 (the first is NaN, at index 5); nothing was written`);
    expect(error.tensor).toBe('bn1.weight');
  });

  it('refuses +-Infinity, also where an F64 value overflows float32', async () => {
    const dir = tempDir();
    const infinite = Array.from({ length: 64 }, (_, i) => (i === 63 ? -Infinity : 0));
    await expect(refusal(writeSafetensors(path.join(dir, 'inf.safetensors'), bn1({ 'bn1.bias': { values: infinite } })), 'resnet18')).resolves.toMatchObject({
      reason: '1 of 64 values are not finite in float32 (the first is -Infinity, at index 63); nothing was written',
      tensor: 'bn1.bias',
    });
    const huge = Array.from({ length: 64 }, (_, i) => (i === 2 ? 1e300 : 0));
    await expect(refusal(writeSafetensors(path.join(dir, 'f64.safetensors'), bn1({ 'bn1.running_mean': { dtype: 'F64', values: huge } })), 'resnet18')).resolves.toMatchObject({
      reason: '1 of 64 values are not finite in float32 (the first is Infinity, at index 2); nothing was written',
      tensor: 'bn1.running_mean',
    });
  });

  it('refuses a negative running_var (a variance is never negative); zero is fine', async () => {
    const values = Array.from({ length: 64 }, (_, i) => (i === 7 ? -0.25 : i === 8 ? -1 : i === 0 ? 0 : 0.5));
    const from = writeSafetensors(path.join(tempDir(), 'w.safetensors'), bn1({ 'bn1.running_var': { values } }));
    const error = await refusal(from, 'resnet18');
    expect(error.message).toBe(
      `${from}: tensor "bn1.running_var": 2 of 64 batch-norm variances are negative (the first is -0.25, at index 7); a variance is never below 0, nothing was written`,
    );
  });

  it.each([
    ['I64', 'conv1.weight'],
    ['I32', 'bn1.running_var'],
    ['BOOL', 'bn1.weight'],
  ] as const)('refuses %s for %s, a tensor that becomes a float weight', async (dtype, name) => {
    const tensors = bn1();
    tensors['conv1.weight'] = { dtype: 'F32', shape: [64, 3, 1, 1], values: Array.from({ length: 192 }, (_, i) => i / 192) };
    const target = tensors[name];
    if (target) tensors[name] = { ...target, dtype, values: target.values.map((v) => Math.round(v) % 2) };
    const from = writeSafetensors(path.join(tempDir(), 'w.safetensors'), tensors);
    const error = await refusal(from, 'resnet18');
    expect(error.message).toBe(`${from}: tensor "${name}": dtype ${dtype}, expected a float dtype (F32, F16, BF16 or F64) for a weight; nothing was written`);
  });

  it("keeps accepting the I64 num_batches_tracked counters (and ignores them): a clean partial file only meets the partial-load refusal", async () => {
    const dir = tempDir();
    const from = writeSafetensors(path.join(dir, 'w.safetensors'), bn1());
    const out = path.join(dir, 'out');
    await expect(runImportWeightsCommand([`--from=${from}`, '--backbone=resnet18', `--out=${out}`, '--backend=cpu'], () => undefined)).rejects.toThrow(
      /partial load refused: 4 of 100 resnet18 weights loaded/,
    );
    let printed = '';
    await runImportWeightsCommand([`--from=${from}`, '--backbone=resnet18', `--out=${out}`, '--backend=cpu', '--force'], (text) => (printed += text));
    expect(printed).toMatch(/ignored: 1 \(BatchNorm step counter/);
    expect(existsSync(path.join(out, 'pretrained.json'))).toBe(true);
  });

  it('refuses tensors whose byte ranges overlap (two names reading the same bytes)', async () => {
    const tensors = bn1();
    delete tensors['bn1.num_batches_tracked'];
    // running_var reads running_mean's bytes; its own 256 bytes are left over at the end of the data.
    tensors['bn1.running_var'] = { dtype: 'F32', shape: [64], values: Array.from({ length: 64 }, () => 1), offsets: [512, 768] };
    const from = writeSafetensors(path.join(tempDir(), 'w.safetensors'), tensors);
    const error = await refusal(from, 'resnet18');
    expect(error.message).toBe(
      `${from}: tensor "bn1.running_var": bytes 512-768 overlap tensor "bn1.running_mean" (bytes 512-768); safetensors tensors must cover the data bytes back to back, without overlaps or holes`,
    );
  });
});

describeWithPython('a complete torchvision file with one poisoned value', () => {
  it('is refused although every weight would load (it used to load as complete)', async () => {
    const dir = runReferenceScript('torch_resnet_reference.py', ['--model', 'resnet18', '--size', '32', '--images', '1', '--seed', '0']);
    const parsed = parseSafetensors(readFileSync(path.join(dir, 'weights.safetensors')), 'weights.safetensors');
    const tensors: Record<string, TestTensor> = {};
    for (const [name, tensor] of parsed.tensors) {
      tensors[name] = { dtype: tensor.dtype === 'I64' ? 'I64' : 'F32', shape: tensor.shape, values: Array.from(tensor.values) };
    }
    const target = tensors['layer3.1.conv2.weight'];
    if (target) target.values[1000] = Infinity;
    const from = writeSafetensors(path.join(dir, 'poisoned.safetensors'), tensors);
    const out = path.join(dir, 'out');
    await expect(runImportWeightsCommand([`--from=${from}`, '--backbone=resnet18', `--out=${out}`, '--backend=cpu'], () => undefined)).rejects.toThrow(
      `${from}: tensor "layer3.1.conv2.weight": 1 of 589824 values are not finite in float32 (the first is Infinity, at index 1000); nothing was written`,
    );
    expect(existsSync(out)).toBe(false);
  });
});

/** One Keras weight as the test writes it: numpy dtype and values ('nan', 'inf', '-inf' as strings). */
type KerasTestWeight = [dtype: string, values: (number | string)[]];

/**
 * Writes a small Keras weights file with h5py: Keras 2 `save_weights` (root `layer_names`, `<layer>/<layer>/<w>:0`)
 * or Keras 3 (`layers/<path>/vars/<i>`, the weights in the given order).
 */
function writeKerasFile(file: string, layout: 'keras2' | 'keras3', layers: Record<string, Record<string, KerasTestWeight>>): string {
  const { python, why } = referencePython();
  if (python === null) throw new Error(why);
  const script = `
import json, sys
import h5py, numpy as np
path, layout, layers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with h5py.File(path, "w") as f:
    if layout == "keras2":
        f.attrs["layer_names"] = [name.encode() for name in layers]
    for layer, weights in layers.items():
        if layout == "keras2":
            group = f.create_group(layer)
            group.attrs["weight_names"] = [f"{layer}/{w}:0".encode() for w in weights]
        for i, (weight, (dtype, values)) in enumerate(weights.items()):
            data = np.array([float(v) for v in values]).astype(dtype)
            where = f"{layer}/{layer}/{weight}:0" if layout == "keras2" else f"layers/{layer}/vars/{i}"
            f.create_dataset(where, data=data)
`;
  execFileSync(python, ['-c', script, file, layout, JSON.stringify(layers)], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  return file;
}

/** keras.applications' `stem_bn` of EfficientNet-B0 (32 channels), well-formed unless overridden. */
function stemBn(overrides: Record<string, KerasTestWeight> = {}): Record<string, KerasTestWeight> {
  const channels = (value: number) => Array.from({ length: 32 }, (_, i) => value + i / 32);
  return {
    gamma: ['float32', channels(1)],
    beta: ['float32', channels(0)],
    moving_mean: ['float32', channels(0.1)],
    moving_variance: ['float32', channels(0.5)],
    ...overrides,
  };
}

describeWithPython('poisoned Keras (.h5) files are refused with the dataset and the reason, and nothing is written', () => {
  it('refuses NaN in a weight', async () => {
    const gamma = stemBn().gamma[1].slice();
    gamma[3] = 'nan';
    const from = writeKerasFile(path.join(tempDir(), 'w.h5'), 'keras2', { stem_bn: stemBn({ gamma: ['float32', gamma] }) });
    const error = await refusal(from, 'efficientnet-b0');
    expect(error.message).toBe(`${from}: tensor "stem_bn/stem_bn/gamma:0": 1 of 32 values are not finite in float32 (the first is NaN, at index 3); nothing was written`);
  });

  it('refuses an integer dataset for a float weight', async () => {
    const from = writeKerasFile(path.join(tempDir(), 'w.h5'), 'keras2', { stem_bn: stemBn({ beta: ['int64', Array.from({ length: 32 }, () => 0)] }) });
    const error = await refusal(from, 'efficientnet-b0');
    expect(error.message).toBe(`${from}: tensor "stem_bn/stem_bn/beta:0": dtype <i8, expected a float dtype (f2, f4 or f8) for a weight; nothing was written`);
  });

  it('refuses a negative moving_variance, by name (Keras 2) and by its resolved index (Keras 3)', async () => {
    const variance = stemBn().moving_variance[1].slice();
    variance[31] = -2;
    const dir = tempDir();
    const keras2 = writeKerasFile(path.join(dir, 'k2.h5'), 'keras2', { stem_bn: stemBn({ moving_variance: ['float32', variance] }) });
    expect((await refusal(keras2, 'efficientnet-b0')).message).toBe(
      `${keras2}: tensor "stem_bn/stem_bn/moving_variance:0": 1 of 32 batch-norm variances are negative (the first is -2, at index 31); a variance is never below 0, nothing was written`,
    );
    const keras3Dir = tempDir();
    const keras3 = writeKerasFile(path.join(keras3Dir, 'k3.weights.h5'), 'keras3', { batch_normalization: stemBn({ moving_variance: ['float32', variance] }) });
    expect((await refusal(keras3, 'efficientnet-b0')).message).toBe(
      `${keras3}: tensor "layers/batch_normalization/vars/3": 1 of 32 batch-norm variances are negative (the first is -2, at index 31); a variance is never below 0, nothing was written`,
    );
  });

  it("refuses a negative variance in the input normalization layer (it would make the preprocessing's std NaN)", async () => {
    const from = writeKerasFile(path.join(tempDir(), 'w.h5'), 'keras2', {
      normalization: { mean: ['float32', [0.4, 0.4, 0.4]], variance: ['float32', [0.05, -0.05, 0.05]], count: ['int64', [0]] },
      stem_bn: stemBn(),
    });
    const error = await refusal(from, 'efficientnet-b0');
    expect(error.message).toBe(
      `${from}: tensor "normalization/normalization/variance:0": 1 of 3 input normalization variances are negative (the first is -0.05, at index 1); a variance is never below 0, nothing was written`,
    );
  });
});
