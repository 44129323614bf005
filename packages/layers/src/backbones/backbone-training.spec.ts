// Forward + backward of every registered backbone. Runs on wasm with the engine's training kernels: the
// cpu backend's Conv2DBackpropFilter costs ~180 ns per multiply-add, which makes this suite take minutes.
import { initEngine, tf } from '@a2d/engine';
import { Rng } from '@a2d/core';
import { BACKBONE_NAMES, createBackbone, type BackboneName } from './backbone';

beforeAll(async () => {
  await initEngine({ backend: 'wasm', log: () => undefined });
});

function randomTensor(shape: number[], rng: Rng): tf.Tensor {
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()), shape);
}

// Trainable parameters without the classifier, as torchvision counts them.
const torchvisionTrainable: Partial<Record<BackboneName, number>> = {
  resnet18: 11_176_512,
  resnet34: 21_284_672,
  resnet50: 23_508_032,
  resnet101: 42_500_160,
};
// keras.applications EfficientNetB*(include_top=False).count_params(), less the 7 weights of its input Normalization layer.
const kerasTotal: Partial<Record<BackboneName, number>> = {
  'efficientnet-b0': 4_049_571 - 7,
  'efficientnet-b1': 6_575_239 - 7,
  'efficientnet-b2': 7_768_569 - 7,
  'efficientnet-b3': 10_783_535 - 7,
  'efficientnet-b4': 17_673_823 - 7,
};

describe.each(BACKBONE_NAMES.map((name) => [name]))('%s', (name) => {
  it('has the published size, the promised shapes, and a non-zero gradient for every trainable weight', () => {
    const rng = new Rng(`backbone:${name}`);
    // 32x32 is the smallest side every variant takes (ResNet and EfficientNet downsample 32x); batch 2 keeps
    // the batch statistics of the last 1x1 map non-degenerate in training mode.
    const size = 32;
    const backbone = createBackbone(name, { dropPathRate: 0 });
    const input = tf.input({ shape: [size, size, 3] });
    const { featureMap, pooled } = backbone.apply(input);
    const model = tf.model({ inputs: input, outputs: [featureMap, pooled] });
    try {
      const trainable = model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
      if (torchvisionTrainable[name] !== undefined) expect(trainable).toBe(torchvisionTrainable[name]);
      if (kerasTotal[name] !== undefined) expect(model.countParams()).toBe(kerasTotal[name]);
      expect(featureMap.shape[3]).toBe(backbone.featureDim);

      const before = tf.memory().numTensors;
      const side = name === 'tiny' ? 2 : 1;
      tf.tidy(() => {
        const frames = randomTensor([2, size, size, 3], rng);
        // Random projections, not plain sums: the sum of a batch norm's output has zero gradient by construction.
        const mapWeights = randomTensor([2, side, side, backbone.featureDim], rng);
        const pooledWeights = randomTensor([2, backbone.featureDim], rng);
        const shapes: number[][] = [];
        const { value, grads } = tf.variableGrads(() => {
          const [map, vector] = model.apply(frames, { training: true }) as [tf.Tensor, tf.Tensor];
          shapes.push(map.shape, vector.shape);
          return tf.add(tf.sum(tf.mul(map, mapWeights)), tf.sum(tf.mul(vector, pooledWeights))) as tf.Scalar;
        });
        expect(shapes).toEqual([
          [2, side, side, backbone.featureDim],
          [2, backbone.featureDim],
        ]);
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
        const silent = model.trainableWeights
          .filter((w) => {
            const grad = grads[w.name];
            return grad === undefined || !(tf.max(tf.abs(grad)).dataSync()[0]! > 0);
          })
          .map((w) => w.name);
        expect(silent).toEqual([]);
        expect(Object.keys(grads)).toHaveLength(model.trainableWeights.length);
      });
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      model.dispose();
    }
  });
});
