import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, writeJsonAtomic, type A2dConfig } from '@a2d/core';
import { initEngine, tf, type EngineInfo } from '@a2d/engine';
import { createBackbone, fileSystemIO, PRETRAINED_MANIFEST_FILE, pretrainedManifestSchema, TwoStepModel } from '@a2d/layers';
import { experimentPaths, readExperimentConfig } from './experiment';
import { makeTinyDataset, tinyConfig } from './testing/tiny-experiment';
import { runTraining } from './train-run';

let base: string;
let root: string;
let experiments: string;
let engine: EngineInfo;
let pretrained: string;
/** The pretrained folder's weights by (unprefixed) name. */
let pretrainedWeights: Map<string, Float32Array>;
const NORMALIZATION = { mean: [0.5, 0.4, 0.3] as [number, number, number], std: [0.25, 0.2, 0.3] as [number, number, number] };

/** A resnet18 pretrained folder as `layers:import-weights` writes it (weights from another seed than any run's). */
async function writePretrainedFolder(dir: string): Promise<Map<string, Float32Array>> {
  const input = tf.input({ shape: [null, null, 3] });
  const model = tf.model({ inputs: input, outputs: createBackbone('resnet18', { seed: 1234 }).apply(input).featureMap });
  await model.save(fileSystemIO(dir));
  const weights = new Map(model.weights.map((w) => [w.originalName, Float32Array.from(w.read().dataSync() as Float32Array)]));
  const manifest = pretrainedManifestSchema.parse({
    format: 'a2d-pretrained-backbone',
    version: 1,
    backbone: 'resnet18',
    createdAt: new Date().toISOString(),
    source: { file: '/somewhere/resnet18.safetensors', format: 'torchvision state_dict (safetensors)', sha256: '0'.repeat(64), bytes: 1 },
    inputNormalization: NORMALIZATION,
    normalizationSource: 'a test',
    report: { loaded: model.weights.length, missing: [], mismatched: [], unused: [], ignored: 0, partial: false },
  });
  await writeJsonAtomic(path.join(dir, PRETRAINED_MANIFEST_FILE), manifest);
  model.dispose();
  return weights;
}

beforeAll(async () => {
  base = mkdtempSync(path.join(process.env.JEST_A2D_TMPDIR ?? os.tmpdir(), 'a2d-pretrained-train-'));
  root = path.join(base, 'data');
  experiments = path.join(base, 'experiments');
  await makeTinyDataset(root);
  engine = await initEngine({ backend: 'wasm', log: () => undefined });
  pretrained = path.join(base, 'pretrained-resnet18');
  pretrainedWeights = await writePretrainedFolder(pretrained);
}, 180_000);

function config(overrides: Record<string, unknown> = {}): A2dConfig {
  return tinyConfig(root, experiments, {
    model: { backbone: 'resnet18', pretrained, ...overrides },
    // A learning rate this small leaves every weight where it started, so the checkpoint shows what the replicas began from.
    train: { epochs: 1, workers: 2, optimizer: { lr: 1e-9 }, ema: { enabled: false } },
    data: { loader: { batchSize: 12 } },
  });
}

async function train(configValue: A2dConfig, name: string): Promise<string[]> {
  const logs: string[] = [];
  await runTraining({ config: configValue, name, paths: experimentPaths(experiments, name), engine, resume: false, force: false, log: (line) => logs.push(line), warn: () => undefined });
  return logs;
}

describe('training from a pretrained backbone (--model.pretrained)', () => {
  it('starts every replica from the pretrained weights and uses its input normalization everywhere', async () => {
    const logs = await train(config(), 'from-pretrained');
    expect(logs).toContainEqual(expect.stringMatching(/^model\.inputNormalization: mean \[0\.5, 0\.4, 0\.3\], std \[0\.25, 0\.2, 0\.3\] \(from .*pretrained\.json: a test\)$/));
    expect(logs).toContainEqual(
      expect.stringMatching(/^pretrained: 100 resnet18 weights into backbone\/ from .*pretrained-resnet18 .*backbone\/conv1_conv\/kernel \[7,7,3,64\] -> \[7,7,6,64\] \(extra input channels start at zero\)$/),
    );
    const saved = readExperimentConfig(path.join(experiments, 'from-pretrained', 'config.json'));
    expect(saved.config.model.inputNormalization).toEqual(NORMALIZATION);

    // The saved model (the mean of the two workers' replicas) still holds the pretrained kernels: both workers loaded them.
    const model = await TwoStepModel.load(path.join(experiments, 'from-pretrained', 'checkpoints', 'last', 'model'));
    expect(model.config.inputNormalization).toEqual(NORMALIZATION);
    const byName = new Map(model.network.full.weights.map((w) => [w.originalName, w]));
    let worst = 0;
    let checked = 0;
    for (const [name, values] of pretrainedWeights) {
      if (!name.endsWith('/kernel')) continue; // batch-norm moving statistics move in training mode
      const weight = byName.get(`backbone/${name}`);
      if (!weight) throw new Error(`no backbone/${name}`);
      const trained = weight.read().dataSync() as Float32Array;
      // The stem reads 6 channels: the first 3 are the pretrained RGB kernel, the frame-difference ones started at zero.
      const rgb = name === 'conv1_conv/kernel' ? trained.filter((_, i) => i % (6 * 64) < 3 * 64) : trained;
      for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs((rgb[i] ?? NaN) - values[i]));
      checked++;
    }
    expect(checked).toBe(20);
    expect(worst).toBeLessThan(1e-5);
    model.dispose();
  }, 600_000);

  it('refuses a folder for another backbone, and a folder that is not one, before training', async () => {
    await expect(train(config(), 'from-pretrained')).rejects.toThrow(/already has checkpoints/);
    const wrong = tinyConfig(root, experiments, { model: { backbone: 'resnet34', pretrained } });
    const error = await train(wrong, 'wrong-backbone').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/model\.backbone: .*pretrained-resnet18 holds resnet18 weights; set --model\.backbone=resnet18 \(got resnet34\)/);
    const missing = tinyConfig(root, experiments, { model: { backbone: 'resnet18', pretrained: path.join(base, 'nothing-here') } });
    await expect(train(missing, 'missing-folder')).rejects.toThrow(/nothing-here\/pretrained\.json: not found: a pretrained folder is what `npx nx run layers:import-weights/);
    expect(readFileSync(path.join(pretrained, PRETRAINED_MANIFEST_FILE), 'utf8')).toContain('a2d-pretrained-backbone');
  }, 120_000);
});
