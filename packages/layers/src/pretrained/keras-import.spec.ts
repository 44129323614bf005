import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IMAGENET_INPUT_NORMALIZATION } from '@a2d/core';
import { initEngine, tf } from '@a2d/engine';
import { createBackbone } from '../backbones/backbone';
import { runImportWeightsCommand } from '../cli/import-weights';
import { describeWithPython, featureDifference, runReferenceScript } from '../testing/python-reference';
import { efficientNetB0Stages } from '../backbones/efficientnet';
import { keras3LayerPaths } from './import-weights';
import { openHdf5 } from './hdf5-file';
import { readPretrainedManifest } from './pretrained-manifest';

/** The four HDF5 layouts the reference script writes: Keras 2 save_weights / save, Keras 3.0-3.9 and >= 3.10. */
const LAYOUTS = [
  ['keras_legacy.weights.h5', 'Keras 2 weights (.h5)'],
  ['keras_full_model.h5', 'Keras 2 model (.h5, model_weights)'],
  ['keras3.weights.h5', 'Keras 3 weights (.weights.h5)'],
  ['keras3_compact.weights.h5', 'Keras 3 weights (.weights.h5)'],
] as const;

interface Imported {
  out: string;
  printed: string;
}

async function importFile(dir: string, file: string, out: string): Promise<Imported> {
  let printed = '';
  await runImportWeightsCommand([`--from=${path.join(dir, file)}`, '--backbone=efficientnet-b0', `--out=${path.join(dir, out)}`, '--backend=cpu'], (text) => (printed += text));
  return { out: path.join(dir, out), printed };
}

describeWithPython('Keras EfficientNet import (against a PyTorch re-implementation of keras.applications, random weights)', () => {
  let size80: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    // 80 px: block6a's stride-2 convolution meets an odd side (5), the stem and block2a-4a even ones.
    size80 = runReferenceScript('keras_efficientnet_reference.py', ['--variant', 'b0', '--size', '80', '--images', '2', '--seed', '1']);
  });

  it.each(LAYOUTS)('%s: every weight loads and the features match to 1e-4 of their scale', async (file, format) => {
    const { out, printed } = await importFile(size80, file, `pretrained-${file}`);
    expect(printed).toContain(`(${format}, `);
    expect(printed).toMatch(/backbone: efficientnet-b0: 309 of 309 weights loaded\nmissing: 0\nmismatched: 0\nunused: 0\nignored: 3 \(input normalization/);
    // The file's normalization layer (random statistics here) becomes the preprocessing: (x/255 - mean) / sqrt(variance).
    const stats = JSON.parse(readFileSync(path.join(size80, 'normalization.json'), 'utf8')) as { mean: number[]; variance: number[] };
    const { inputNormalization } = await readPretrainedManifest(out);
    stats.mean.forEach((m, c) => expect(inputNormalization.mean[c]).toBeCloseTo(m, 6));
    stats.variance.forEach((v, c) => expect(inputNormalization.std[c]).toBeCloseTo(Math.sqrt(v), 6));
    expect(await featureDifference(size80, out)).toBeLessThanOrEqual(1e-4);
  });

  it("reads keras.applications' ImageNet normalization as (x/255 - mean)/std, and h5py's variable-length strings", async () => {
    const dir = runReferenceScript('keras_efficientnet_reference.py', ['--variant', 'b0', '--size', '64', '--images', '2', '--seed', '2', '--imagenet-normalization', '--h5-strings', 'vlen']);
    const { out, printed } = await importFile(dir, 'keras_legacy.weights.h5', 'pretrained');
    expect(printed).toMatch(/read as keras\.applications' ImageNet weights/);
    const { inputNormalization } = await readPretrainedManifest(out);
    IMAGENET_INPUT_NORMALIZATION.mean.forEach((m, c) => expect(inputNormalization.mean[c]).toBeCloseTo(m, 6));
    IMAGENET_INPUT_NORMALIZATION.std.forEach((s, c) => expect(inputNormalization.std[c]).toBeCloseTo(s, 6));
    expect(await featureDifference(dir, out)).toBeLessThanOrEqual(1e-4);
  });

  it("our layer names and Keras 3's class paths are the ones of the Keras file, layer for layer", async () => {
    const layers = JSON.parse(readFileSync(path.join(size80, 'layers.json'), 'utf8')) as { name: string; weights: string[]; keras3_path: string }[];
    const input = tf.input({ shape: [null, null, 3] });
    const model = tf.model({ inputs: input, outputs: createBackbone('efficientnet-b0').apply(input).featureMap });
    const weighted = layers.filter((layer) => layer.weights.length > 0 && layer.name !== 'normalization');
    expect(model.layers.filter((layer) => layer.weights.length > 0).map((layer) => layer.name)).toEqual(weighted.map((layer) => layer.name));
    const paths = keras3LayerPaths(model);
    for (const layer of weighted) expect(paths.get(layer.keras3_path.replace(/^layers\//, ''))?.name).toBe(layer.name);
    // And the root's layer_names attribute (fixed-length strings, NUL-padded as HDF5 stores them) lists the same layers.
    const root = await openHdf5(path.join(size80, 'keras_legacy.weights.h5'));
    expect((root.attrs().layer_names as string[]).map((name) => name.replace(/\0+$/, ''))).toEqual(layers.map((layer) => layer.name));
    model.dispose();
  });
});

describe("EfficientNet-B0's layer names follow keras.applications' source", () => {
  // Its own backend: this must run (and pass) where the Python reference tests above are skipped.
  beforeAll(() => tf.setBackend('cpu'));

  it('has the blocks and per-block layer names of keras/src/applications/efficientnet.py', () => {
    // From Keras's source: DEFAULT_BLOCKS_ARGS repeats (1, 2, 2, 3, 3, 4, 1) and expand ratios (1, 6, ...), blocks named
    // `block{stage}{a, b, ...}_` and, inside `block()`: expand_conv/expand_bn (expand_ratio != 1 only), dwconv, bn,
    // se_reduce, se_expand, project_conv, project_bn; the stem is stem_conv/stem_bn and the head top_conv/top_bn.
    const expected = ['stem_conv', 'stem_bn'];
    efficientNetB0Stages.forEach((stage, s) => {
      for (let j = 0; j < stage.repeats; j++) {
        const prefix = `block${s + 1}${'abcd'[j]}_`;
        if (stage.expandRatio !== 1) expected.push(`${prefix}expand_conv`, `${prefix}expand_bn`);
        expected.push(`${prefix}dwconv`, `${prefix}bn`, `${prefix}se_reduce`, `${prefix}se_expand`, `${prefix}project_conv`, `${prefix}project_bn`);
      }
    });
    expected.push('top_conv', 'top_bn');
    expect(efficientNetB0Stages.map((stage) => stage.repeats)).toEqual([1, 2, 2, 3, 3, 4, 1]);
    expect(efficientNetB0Stages.map((stage) => stage.expandRatio)).toEqual([1, 6, 6, 6, 6, 6, 6]);
    const input = tf.input({ shape: [null, null, 3] });
    const model = tf.model({ inputs: input, outputs: createBackbone('efficientnet-b0').apply(input).featureMap });
    expect(model.layers.filter((layer) => layer.weights.length > 0).map((layer) => layer.name)).toEqual(expected);
    // Weight names as Keras stores them (the `:0` suffix aside): kernel, depthwise_kernel, bias, gamma, beta, moving_*.
    expect(model.getLayer('block2a_dwconv').weights.map((w) => w.originalName)).toEqual(['block2a_dwconv/depthwise_kernel']);
    expect(model.getLayer('block2a_se_reduce').weights.map((w) => w.originalName)).toEqual(['block2a_se_reduce/kernel', 'block2a_se_reduce/bias']);
    expect(model.getLayer('top_bn').weights.map((w) => w.originalName)).toEqual(['top_bn/gamma', 'top_bn/beta', 'top_bn/moving_mean', 'top_bn/moving_variance']);
    model.dispose();
  });
});

describeWithPython('pretrained imports on wasm (the backend that trains here)', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('efficientnet-b0 (depthwise and strided "same" convolutions) and resnet18 (symmetric padding) match their sources', async () => {
    await initEngine({ backend: 'wasm', log: () => undefined });
    const keras = runReferenceScript('keras_efficientnet_reference.py', ['--variant', 'b0', '--size', '80', '--images', '1', '--seed', '4']);
    const { out } = await importFile(keras, 'keras_legacy.weights.h5', 'pretrained');
    expect(await featureDifference(keras, out)).toBeLessThanOrEqual(1e-4);
    const torch = runReferenceScript('torch_resnet_reference.py', ['--model', 'resnet18', '--size', '80', '--images', '1', '--seed', '4']);
    await runImportWeightsCommand([`--from=${path.join(torch, 'weights.safetensors')}`, '--backbone=resnet18', `--out=${path.join(torch, 'pretrained')}`, '--backend=wasm'], () => undefined);
    expect(await featureDifference(torch, path.join(torch, 'pretrained'))).toBeLessThanOrEqual(1e-4);
  });
});
