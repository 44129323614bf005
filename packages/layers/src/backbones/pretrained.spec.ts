import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tf } from '@a2d/engine';
import { createBackbone } from './backbone';
import { fileSystemIO } from './file-system-io';
import { loadPretrainedWeights } from './pretrained';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A tiny backbone with a classifier `head` of `classes` units (and optionally one more dense layer). */
function classifier(prefix: string, classes: number, extra: string | undefined): tf.LayersModel {
  const input = tf.input({ shape: [32, 32, 3] });
  const { pooled } = createBackbone('tiny', { namePrefix: prefix }).apply(input);
  let output = tf.layers.dense({ units: classes, name: 'head' }).apply(pooled) as tf.SymbolicTensor;
  if (extra !== undefined) output = tf.layers.dense({ units: 2, name: extra }).apply(output) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

describe('loadPretrainedWeights', () => {
  it('copies weights by name and reports loaded, missing, mismatched and unused ones', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-pretrained-'));
    const source = classifier('', 10, 'source_only');
    // Make the batch-norm statistics non-trivial so copying them is visible.
    tf.tidy(() => {
      source.apply(tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 1), { training: true });
    });
    await source.save(fileSystemIO(dir));
    const target = classifier('action_backbone/', 7, 'target_only');

    const before = tf.memory().numTensors;
    const report = await loadPretrainedWeights(target, `file://${dir}`, { prefixMap: { '': 'action_backbone/', head: 'head' } });
    expect(tf.memory().numTensors).toBe(before);

    const backboneWeights = target.weights.map((w) => w.originalName).filter((name) => name.startsWith('action_backbone/'));
    expect(backboneWeights).toHaveLength(4 * 5); // 4 stages x (kernel, gamma, beta, moving mean, moving variance)
    expect(report.loaded).toEqual(backboneWeights);
    expect(report.mismatched).toEqual([
      { name: 'head/kernel', expected: [128, 7], got: [128, 10] },
      { name: 'head/bias', expected: [7], got: [10] },
    ]);
    expect(report.missing).toEqual(['target_only/kernel', 'target_only/bias']);
    expect(report.unused.sort()).toEqual(['action_backbone/source_only/bias', 'action_backbone/source_only/kernel']);

    const sourceValues = new Map(source.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
    for (const weight of target.weights.filter((w) => report.loaded.includes(w.originalName))) {
      expect(Array.from(weight.read().dataSync())).toEqual(sourceValues.get(weight.originalName.slice('action_backbone/'.length)));
    }
    // Same backbone weights, same features: compare the two models' pooled outputs.
    const features = (model: tf.LayersModel, layer: string) => tf.model({ inputs: model.inputs, outputs: model.getLayer(layer).output as tf.SymbolicTensor });
    tf.tidy(() => {
      const frames = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 2);
      const expected = features(source, 'avg_pool').predict(frames) as tf.Tensor;
      const actual = features(target, 'action_backbone/avg_pool').predict(frames) as tf.Tensor;
      expect(Array.from(actual.dataSync())).toEqual(Array.from(expected.dataSync()));
    });
    source.dispose();
    target.dispose();
  });
});
