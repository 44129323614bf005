import { mkdtempSync, readFileSync, writeFileSync, readdirSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@a2d/engine';
import { createBackbone } from './backbone';
import { fileSystemIO, readModelArtifacts } from './file-system-io';
import { ModelFileError } from './model-file-error';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'a2d-layers-io-'));
}

function smallModel(): tf.LayersModel {
  const input = tf.input({ shape: [3] });
  const output = tf.layers.dense({ units: 2, name: 'head' }).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

describe('fileSystemIO', () => {
  it('round-trips an EfficientNet backbone (DropPath, squeeze-excitation) with identical outputs', async () => {
    const backbone = createBackbone('efficientnet-b0');
    const input = tf.input({ shape: [32, 32, 3] });
    const { featureMap, pooled } = backbone.apply(input);
    const model = tf.model({ inputs: input, outputs: [featureMap, pooled] });
    const frames = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 3);
    // A training step first, so the batch-norm moving statistics differ from their initial values too.
    tf.tidy(() => {
      model.apply(frames, { training: true });
    });
    const dir = path.join(tempDir(), 'b0');
    const result = await model.save(fileSystemIO(`file://${dir}`));
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(model.countParams() * 4);

    const loaded = await tf.loadLayersModel(fileSystemIO(dir));
    expect(loaded.layers.map((layer) => layer.getClassName())).toEqual(model.layers.map((layer) => layer.getClassName()));
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const expected = model.predict(frames) as tf.Tensor[];
      const actual = loaded.predict(frames) as tf.Tensor[];
      expected.forEach((tensor, i) => expect(Array.from(actual[i]!.dataSync())).toEqual(Array.from(tensor.dataSync())));
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(frames);
    model.dispose();
    loaded.dispose();
  });

  it('reads weights split over several shards, as the tfjs converter writes them', async () => {
    const dir = tempDir();
    const model = smallModel();
    await model.save(fileSystemIO(dir));
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    const bytes = readFileSync(path.join(dir, 'weights.bin'));
    writeFileSync(path.join(dir, 'group1-shard1of2.bin'), bytes.subarray(0, 10));
    writeFileSync(path.join(dir, 'group1-shard2of2.bin'), bytes.subarray(10));
    json.weightsManifest[0]!.paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    const loaded = await tf.loadLayersModel(fileSystemIO(path.join(dir, 'model.json')));
    expect(loaded.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(model.getWeights().map((w) => Array.from(w.dataSync())));
    model.dispose();
    loaded.dispose();
  });

  it('names the file and field of a missing, invalid or short model', async () => {
    const dir = tempDir();
    await expect(readModelArtifacts(dir)).rejects.toThrow(ModelFileError);
    await expect(readModelArtifacts(dir)).rejects.toThrow(`${path.join(dir, 'model.json')}: cannot read`);

    const model = smallModel();
    await model.save(fileSystemIO(dir));
    model.dispose();
    const modelJson = path.join(dir, 'model.json');
    const good = readFileSync(modelJson, 'utf8');
    const broken = JSON.parse(good) as { weightsManifest: { weights: { shape: unknown }[] }[] };
    broken.weightsManifest[0]!.weights[0]!.shape = 'three';
    writeFileSync(modelJson, JSON.stringify(broken));
    await expect(readModelArtifacts(dir)).rejects.toThrow(`${modelJson}: weightsManifest.0.weights.0.shape: `);

    writeFileSync(modelJson, '{"modelTopology": ');
    await expect(readModelArtifacts(dir)).rejects.toThrow(`${modelJson}: not JSON`);

    writeFileSync(modelJson, good);
    truncateSync(path.join(dir, 'weights.bin'), 8);
    await expect(readModelArtifacts(dir)).rejects.toThrow(`${path.join(dir, 'weights.bin')}: weight data holds 8 bytes, the manifest lists 32`);
  });
});
