import { tf } from '@a2d/engine';
import { modelConfigSchema, NUM_ACTIONS, Rng, type ModelConfig } from '@a2d/core';
import { OneStepModel } from './one-step-model';
import { TwoStepModel } from './two-step-model';
import { upgradeModelArtifacts } from './checkpoint-upgrade';
import { inMemory } from './testing/in-memory-artifacts';

const [batch, frames, size] = [2, 3, 32];

const config: ModelConfig = modelConfigSchema.parse({
  backbone: 'tiny',
  hiddenDim: 16,
  numHeads: 2,
  numLayers: 1,
  mlpRatio: 2,
  actionEmbeddingDim: 8,
  // beyond the 3-frame clips' largest distance (2): version 1 kept 9 table columns, 4 of them unreachable
  maxRelativeDistance: 4,
});

interface TopologyLayer {
  class_name: string;
  config: Record<string, unknown> & { name: string };
}

function layersOf(topology: unknown): TopologyLayer[] {
  const { config } = topology as { config: { layers: TopologyLayer[] } };
  return config.layers;
}

/**
 * `saved` as version 1 wrote it: a key bias in the middle of `qkv_bias` and in front of `key_value_bias`, a
 * relative-position table of 2 * maxRelativeDistance + 1 columns, no `max_sequence_length`. The dead parts get
 * large random values, so an upgrade that used them would change the outputs. (Checked once by hand against
 * checkpoints written by the version-1 code: same weight names, shapes and layer configs.)
 */
async function asVersionOne(saved: tf.io.ModelArtifacts, seed: string): Promise<tf.io.ModelArtifacts> {
  const rng = new Rng(seed);
  const noise = (shape: number[]) => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * rng.normal()), shape);
  const topology = JSON.parse(JSON.stringify(saved.modelTopology)) as object;
  const weights = tf.io.decodeWeights(saved.weightData as ArrayBuffer, saved.weightSpecs ?? []);
  const renamed = new Map<string, tf.Tensor | null>();
  for (const layer of layersOf(topology)) {
    const name = layer.config.name;
    if (layer.class_name === 'RelativePositionSelfAttention') {
      const maxDistance = layer.config.max_relative_distance as number;
      delete layer.config.max_sequence_length;
      const query = weights[`${name}/query_bias`];
      const value = weights[`${name}/value_bias`];
      renamed.set(`${name}/query_bias`, tf.concat([query, noise([query.size]), value]));
      renamed.set(`${name}/value_bias`, null);
      const table = weights[`${name}/relative_bias`];
      const [heads, columns] = table.shape as [number, number];
      const missing = maxDistance - (columns - 1) / 2;
      if (missing > 0) {
        renamed.set(`${name}/relative_bias`, tf.concat([noise([heads, missing]), table, noise([heads, missing])], 1));
      }
    } else if (layer.class_name === 'ActionContextCrossAttention') {
      const value = weights[`${name}/value_bias`];
      renamed.set(`${name}/value_bias`, tf.concat([noise([value.size]), value]));
    }
  }
  const oldName = (name: string) => name.replace(/attention\/query_bias$/, 'attention/qkv_bias').replace(/cross_attention\/value_bias$/, 'cross_attention/key_value_bias');
  const list = (saved.weightSpecs ?? []).flatMap(({ name }) => {
    const replacement = renamed.get(name);
    if (replacement === null) return [];
    return [{ name: replacement ? oldName(name) : name, tensor: replacement ?? weights[name] }];
  });
  const encoded = await tf.io.encodeWeights(list);
  tf.dispose([...Object.values(weights), ...list.map((entry) => entry.tensor)]);
  return {
    ...saved,
    modelTopology: topology,
    weightSpecs: encoded.specs,
    weightData: encoded.data,
    userDefinedMetadata: { ...saved.userDefinedMetadata, version: 1 } as unknown as Record<string, object>,
  };
}

function clipBatch(seed: string): tf.Tensor5D {
  const rng = new Rng(seed);
  return tf.tensor5d(Float32Array.from({ length: batch * frames * size * size * 3 }, () => rng.normal()), [batch, frames, size, size, 3]);
}

/** Puts random values in every attention weight (fresh biases are zero, which would hide a wrong slice). */
function randomizeAttention(network: tf.LayersModel, seed: string): void {
  const rng = new Rng(seed);
  for (const layer of network.layers) {
    if (!/attention$/.test(layer.name)) continue;
    layer.setWeights(layer.getWeights().map((w) => tf.tensor(Array.from({ length: w.size }, () => 0.5 * rng.normal()), w.shape)));
  }
}

const gap = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

describe('loading version-1 checkpoints (before the dead attention weights were removed)', () => {
  let clips: tf.Tensor5D;
  let condition: tf.Tensor2D;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    clips = clipBatch('upgrade-clips');
    condition = tf.tidy(() => tf.oneHot(tf.tensor1d([3, 6], 'int32'), NUM_ACTIONS).toFloat() as tf.Tensor2D);
  });

  afterAll(() => tf.dispose([clips, condition]));

  for (const numFrames of [frames, null]) {
    it(`drops the key biases${numFrames ? ' and the unreachable table columns' : ''} of a two-step model (numFrames ${numFrames}), outputs unchanged`, async () => {
      const model = TwoStepModel.create({ config, inputSize: size, numFrames, rng: new Rng('upgrade') });
      randomizeAttention(model.network.full, 'upgrade-weights');
      const old = await asVersionOne(await inMemory((handler) => model.save(handler)), 'dead-weights');
      const oldParams = (old.weightSpecs ?? []).reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1), 0);
      // per self-attention layer (2) a 16-wide key bias, in the cross-attention one more; 2 heads x 4 columns per table
      expect(oldParams - model.countParams()).toBe(3 * 16 + (numFrames === null ? 0 : 2 * 2 * 4));

      const before = tf.memory().numTensors;
      const loaded = await TwoStepModel.load(tf.io.fromMemory(old));
      expect(loaded.metadata).toEqual(model.metadata);
      expect(loaded.countParams()).toBe(model.countParams());
      const [original, upgraded] = [model, loaded].map((m) => m.forward(clips, condition));
      expect(gap(original.actionLogits, upgraded.actionLogits)).toBeLessThan(1e-5);
      expect(gap(original.actorLogits, upgraded.actorLogits)).toBeLessThan(1e-5);
      tf.dispose([original.actionLogits, original.actorLogits, upgraded.actionLogits, upgraded.actorLogits]);
      loaded.dispose();
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });
  }

  it('drops them from a one-step model too', async () => {
    const model = OneStepModel.create({ config, inputSize: size, numFrames: frames, rng: new Rng('upgrade-one') });
    randomizeAttention(model.network, 'upgrade-one-weights');
    const loaded = await OneStepModel.load(tf.io.fromMemory(await asVersionOne(await inMemory((handler) => model.save(handler)), 'dead')));
    expect(loaded.metadata).toEqual(model.metadata);
    expect(loaded.network.countParams()).toBe(model.network.countParams());
    const [original, upgraded] = [model, loaded].map((m) => m.logits(clips));
    expect(gap(original, upgraded)).toBeLessThan(1e-5);
    tf.dispose([original, upgraded]);
    loaded.dispose();
    model.dispose();
  });

  it('leaves current checkpoints and other models as they are', async () => {
    const model = TwoStepModel.create({ config, inputSize: size, numFrames: frames, rng: new Rng('current') });
    const current = await inMemory((handler) => model.save(handler));
    expect(current.userDefinedMetadata).toMatchObject({ format: 'a2d-two-step-model', version: 2 });
    expect(await upgradeModelArtifacts(current)).toBe(current);
    const plain = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    const plainArtifacts = await inMemory((handler) => plain.save(handler));
    expect(await upgradeModelArtifacts(plainArtifacts)).toBe(plainArtifacts);
    plain.dispose();
    model.dispose();
  });
});
