import { initEngine, profileKernels, tf } from '@a2d/engine';
import { Rng } from '@a2d/core';
import { LayerNorm } from './layer-norm';

function random(shape: number[], seed: string, scale = 1, shift = 0): tf.Tensor {
  const rng = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => shift + scale * rng.normal()), shape);
}

/** max |a - b| / max(1, max |b|), read without leaving tensors behind. */
function relativeDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(1, tf.max(tf.abs(b)).dataSync()[0]));
}

/** One model per normalization class on the same input and weights: [B, T, C] -> dense -> norm -> sum of squares. */
function pairOf(width: number) {
  const build = (norm: tf.layers.Layer) => {
    const input = tf.input({ shape: [5, width] });
    const hidden = tf.layers.dense({ units: width, name: 'dense' }).apply(input) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: norm.apply(hidden) as tf.SymbolicTensor });
  };
  const ours = build(new LayerNorm({ name: 'norm', epsilon: 1e-5 }));
  const theirs = build(tf.layers.layerNormalization({ name: 'norm', epsilon: 1e-5 }));
  // Same weights, gamma and beta away from their 1/0 start so a mix-up shows.
  const weights = ours.getWeights().map((w, i) => random(w.shape, `w${i}`, 0.5, i >= 2 ? 1 : 0));
  ours.setWeights(weights);
  theirs.setWeights(weights);
  tf.dispose(weights);
  return { ours, theirs };
}

describe.each(['cpu', 'wasm'] as const)('LayerNorm on %s', (backend) => {
  beforeAll(async () => {
    await initEngine({ backend, log: () => undefined });
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it("computes tfjs-layers' LayerNormalization, gradients included, within 1e-5, with under half of its kernels", async () => {
    const { ours, theirs } = pairOf(24);
    const x = random([3, 5, 24], 'x', 2, 0.5);
    const weighting = tf.reshape(tf.range(0, 24), [1, 1, 24]);
    const before = tf.memory().numTensors;
    const outputsOf = (model: tf.LayersModel) => model.predict(x) as tf.Tensor;
    const gradsOf = (model: tf.LayersModel) =>
      tf.variableGrads(() => tf.sum(tf.square(tf.mul(model.apply(x) as tf.Tensor, weighting))) as tf.Scalar, model.trainableWeights.map((w) => w.read() as tf.Variable));
    const [a, b] = [outputsOf(ours), outputsOf(theirs)];
    expect(relativeDifference(a, b)).toBeLessThan(1e-5);
    tf.dispose([a, b]);
    const oursGrads = gradsOf(ours);
    const theirGrads = gradsOf(theirs);
    const names = ours.trainableWeights.map((w) => (w.read() as tf.Variable).name);
    const theirNames = theirs.trainableWeights.map((w) => (w.read() as tf.Variable).name);
    names.forEach((name, i) => {
      const ga = oursGrads.grads[name];
      const gb = theirGrads.grads[theirNames[i]];
      expect(relativeDifference(ga, gb)).toBeLessThan(1e-5);
    });
    tf.dispose([oursGrads.value, theirGrads.value, ...Object.values(oursGrads.grads), ...Object.values(theirGrads.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    // The kernels of one training-mode gradient: tfjs-layers tiles, and a tile's gradient is a slice + add per copy.
    const count = async (model: tf.LayersModel) =>
      (await profileKernels(() => tf.tidy(() => {
        const { value, grads } = gradsOf(model);
        tf.dispose([value, ...Object.values(grads)]);
      }))).calls.length;
    expect(await count(ours)).toBeLessThan(0.5 * (await count(theirs)));
    tf.dispose([x, weighting]);
    ours.dispose();
    theirs.dispose();
  });

  it('saves and reloads as A2dLayerNorm with the same function', async () => {
    const { ours } = pairOf(8);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await ours.save(tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    expect(JSON.stringify(artifacts?.modelTopology)).toContain('"class_name":"A2dLayerNorm"');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    const x = random([2, 5, 8], 'x2');
    const [a, b] = [ours.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b, x]);
    ours.dispose();
    loaded.dispose();
  });
});
