import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { modelConfigSchema, parseConfig, Rng, type BackboneName } from '@a2d/core';
import { tf } from '@a2d/engine';
import { runImportWeightsCommand } from '../cli/import-weights';
import { TwoStepModel } from '../two-step-model';
import { describeWithPython, featureDifference, referenceInput, relativeMaxDifference, runReferenceScript } from '../testing/python-reference';
import { applyPretrainedBackbone } from './pretrained-backbone';
import { readPretrainedManifest } from './pretrained-manifest';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SIZE = 80; // even, not a multiple of 32: the stem and every stride-2 stage see even and odd sides

async function imported(model: BackboneName): Promise<{ dir: string; out: string; printed: string }> {
  const dir = runReferenceScript('torch_resnet_reference.py', ['--model', model, '--size', String(SIZE), '--images', '2', '--seed', '3']);
  const out = path.join(dir, 'pretrained');
  let printed = '';
  await runImportWeightsCommand([`--from=${path.join(dir, 'weights.safetensors')}`, `--backbone=${model}`, `--out=${out}`, '--backend=cpu'], (text) => (printed += text));
  return { dir, out, printed };
}

describeWithPython('torchvision ResNet import (against torchvision on random weights, eval mode)', () => {
  it.each<BackboneName>(['resnet18', 'resnet50'])('%s: the imported backbone computes torchvision\'s layer4 features to 1e-4 of their scale', async (name) => {
    const { dir, out, printed } = await imported(name);
    expect(printed).toMatch(/missing: 0\nmismatched: 0\nunused: 2 \(fc\.weight, fc\.bias\)/);
    expect(printed).toMatch(/ignored: \d+ \(BatchNorm step counter/);
    expect(await featureDifference(dir, out)).toBeLessThanOrEqual(1e-4);
  });

  it('the whole TwoStepModel on an imported resnet18 computes the source features in both backbones (frame differences start at zero)', async () => {
    const { dir, out } = await imported('resnet18');
    const { images, features } = await referenceInput(dir, out);
    const model = TwoStepModel.create({
      config: parseConfig(modelConfigSchema, { backbone: 'resnet18', sharedBackbone: false, motion: { frameDifferences: true, tokenGrid: 2 } }, 'model'),
      inputSize: SIZE,
      numFrames: 2,
      rng: new Rng(5),
    });
    const report = await applyPretrainedBackbone(model.network.full, out, 'resnet18');
    expect(report.prefixes).toEqual(['action_backbone/', 'actor_backbone/']);
    expect(report.adapted).toEqual([
      { name: 'action_backbone/conv1_conv/kernel', saved: [7, 7, 3, 64], model: [7, 7, 6, 64] },
      { name: 'actor_backbone/conv1_conv/kernel', saved: [7, 7, 3, 64], model: [7, 7, 6, 64] },
    ]);
    // The two images as the two frames of one clip: frame 1's difference to frame 0 is not zero, but its kernel is.
    const clip = images.reshape([1, 2, SIZE, SIZE, 3]);
    for (const prefix of report.prefixes) {
      const featureMap = model.network.full.getLayer(`${prefix}conv5_block2_out`).output as tf.SymbolicTensor;
      const probe = tf.model({ inputs: model.network.full.inputs[0], outputs: featureMap });
      const output = probe.predict(clip) as tf.Tensor;
      expect(relativeMaxDifference(output.dataSync(), features)).toBeLessThanOrEqual(1e-4);
      output.dispose();
    }
    const before = tf.memory().numTensors;
    const prediction = model.predict(clip as tf.Tensor5D);
    expect(prediction).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(before);
    clip.dispose();
    images.dispose();
  });

  it('refuses a partial state_dict unless forced, and writes nothing when refused', async () => {
    const dir = runReferenceScript('torch_resnet_reference.py', ['--model', 'resnet18', '--size', '32', '--images', '1', '--seed', '0', '--drop', 'layer4.1.bn2.running_var']);
    const out = path.join(dir, 'partial');
    const run = (extra: string[]) => runImportWeightsCommand([`--from=${path.join(dir, 'weights.safetensors')}`, '--backbone=resnet18', `--out=${out}`, '--backend=cpu', ...extra], () => undefined);
    await expect(run([])).rejects.toThrow(/partial load refused: 99 of 100 resnet18 weights loaded, 1 missing \(conv5_block2_2_bn\/moving_variance\); nothing was written\. Pass --force/);
    expect(existsSync(out)).toBe(false);
    await run(['--force']);
    const manifest = await readPretrainedManifest(out);
    expect(manifest.report).toMatchObject({ loaded: 99, missing: ['conv5_block2_2_bn/moving_variance'], partial: true });
    // An existing, non-empty --out is never overwritten.
    await expect(run(['--force'])).rejects.toThrow(/already exists and is not empty/);
  });

  it('names the file and what was expected for wrong inputs', async () => {
    const dir = mkdtempSync(path.join(process.env.JEST_A2D_TMPDIR ?? os.tmpdir(), 'a2d-bad-weights-'));
    const text = path.join(dir, 'weights.safetensors');
    writeFileSync(text, 'not a weights file at all');
    const run = (from: string, backbone: string) => runImportWeightsCommand([`--from=${from}`, `--backbone=${backbone}`, `--out=${path.join(dir, 'out')}`, '--backend=cpu'], () => undefined);
    await expect(run(text, 'resnet18')).rejects.toThrow(`${text}: not a safetensors file`);
    await expect(run(path.join(dir, 'absent.safetensors'), 'resnet18')).rejects.toThrow(/absent\.safetensors: cannot read: ENOENT/);
    await expect(run(text, 'efficientnet-b0')).rejects.toThrow(/imports Keras weights \(\.h5 or \.weights\.h5, HDF5\); this file has no HDF5 signature/);
    await expect(run(text, 'tiny')).rejects.toThrow(/no pretrained weights for the tiny backbone/);
    const reference = runReferenceScript('torch_resnet_reference.py', ['--model', 'resnet18', '--size', '32', '--images', '1', '--seed', '0']);
    await expect(run(path.join(reference, 'weights.safetensors'), 'resnet34')).rejects.toThrow(/holds torchvision resnet18 weights \(__metadata__\.model\), not resnet34: pass --backbone=resnet18/);
  });
});
