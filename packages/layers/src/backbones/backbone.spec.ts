import { tf } from '@a2d/engine';
import { ConfigError } from '@a2d/core';
import { BACKBONE_NAMES, createBackbone, isBackboneName, type BackboneName } from './backbone';
import { DropPath } from './drop-path';
import { measureModel } from './model-cost';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function modelOf(name: BackboneName, size: number, options: Parameters<typeof createBackbone>[1] = {}): tf.LayersModel {
  const backbone = createBackbone(name, options);
  const input = tf.input({ shape: [size, size, 3] });
  const { featureMap, pooled } = backbone.apply(input);
  return tf.model({ inputs: input, outputs: [featureMap, pooled] });
}

describe('backbone registry', () => {
  it('registers every name with its feature dim and default resolution', () => {
    const surface = BACKBONE_NAMES.map((name) => {
      const backbone = createBackbone(name);
      return [backbone.name, backbone.featureDim, backbone.defaultResolution];
    });
    expect(surface).toEqual([
      ['tiny', 128, 112],
      ['resnet18', 512, 224],
      ['resnet34', 512, 224],
      ['resnet50', 2048, 224],
      ['resnet101', 2048, 224],
      ['efficientnet-b0', 1280, 224],
      ['efficientnet-b1', 1280, 240],
      ['efficientnet-b2', 1408, 260],
      ['efficientnet-b3', 1536, 300],
      ['efficientnet-b4', 1792, 380],
    ]);
  });

  it('rejects unknown names and out-of-range drop-path rates with the field', () => {
    expect(isBackboneName('resnet152')).toBe(false);
    expect(() => createBackbone('resnet152' as BackboneName)).toThrow(ConfigError);
    expect(() => createBackbone('resnet152' as BackboneName)).toThrow(/backbone: expected one of tiny, resnet18/);
    expect(() => createBackbone('tiny', { dropPathRate: 1 })).toThrow(/dropPathRate: expected a number in \[0, 1\), got 1/);
  });
});

describe('tiny', () => {
  it('maps 112x112 frames to a 7x7x128 map and its average', () => {
    const model = modelOf('tiny', 112);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const frames = tf.randomUniform([2, 112, 112, 3], -1, 1, 'float32', 5);
      const [map, pooled] = model.predict(frames) as [tf.Tensor, tf.Tensor];
      expect(map.shape).toEqual([2, 7, 7, 128]);
      expect(pooled.shape).toEqual([2, 128]);
      const average = tf.mean(map, [1, 2]);
      expect(tf.max(tf.abs(tf.sub(average, pooled))).dataSync()[0]).toBeLessThan(1e-5);
    });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('shares its weights between applications and prefixes every layer name', () => {
    const backbone = createBackbone('tiny', { namePrefix: 'action_backbone/' });
    const first = tf.input({ shape: [32, 32, 3] });
    const second = tf.input({ shape: [32, 32, 3] });
    const a = backbone.apply(first);
    const b = backbone.apply(second);
    const model = tf.model({ inputs: [first, second], outputs: [a.pooled, b.pooled] });
    const once = modelOf('tiny', 32);
    expect(model.countParams()).toBe(once.countParams());
    const names = model.layers.filter((layer) => layer.getClassName() !== 'InputLayer').map((layer) => layer.name);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !name.startsWith('action_backbone/'))).toEqual([]);
    tf.tidy(() => {
      const frames = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 9);
      const [pa, pb] = model.predict([frames, frames]) as [tf.Tensor, tf.Tensor];
      expect(Array.from(pb.dataSync())).toEqual(Array.from(pa.dataSync()));
    });
    model.dispose();
    once.dispose();
  });
});

describe('seeding', () => {
  it('builds the same weights from the same seed and other weights from another', () => {
    const weightsOf = (seed: number): Float32Array[] => {
      const model = modelOf('efficientnet-b0', 32, { seed });
      const values = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    const differing = (a: Float32Array[], b: Float32Array[]) => a.filter((values, i) => values.some((v, j) => v !== b[i]![j])).length;
    const first = weightsOf(1);
    expect(differing(weightsOf(1), first)).toBe(0);
    // Every convolution kernel differs; only the constant-initialized batch-norm and bias weights agree.
    const probe = modelOf('efficientnet-b0', 32);
    const kernels = probe.weights.filter((w) => /kernel$/.test(w.originalName)).length;
    probe.dispose();
    expect(differing(weightsOf(2), first)).toBe(kernels);
  });
});

describe('stochastic depth placement', () => {
  function dropRates(model: tf.LayersModel): number[] {
    return model.layers.filter((layer): layer is DropPath => layer instanceof DropPath).map((layer) => layer.rate);
  }

  it('puts DropPath on every residual branch but the first, with rates rising to dropPathRate', () => {
    const model = modelOf('resnet18', 32, { dropPathRate: 0.1 });
    const rates = dropRates(model);
    // 8 blocks: the first gets rate 0 (no layer), the rest 0.1 * i / 7.
    expect(rates).toHaveLength(7);
    rates.forEach((rate, i) => expect(rate).toBeCloseTo((0.1 * (i + 1)) / 7, 12));
    expect(dropRates(modelOf('resnet18', 32))).toEqual([]);
    model.dispose();
  });

  it('gives EfficientNet the paper default of 0.2 on its identity-skip MBConv blocks only', () => {
    const model = modelOf('efficientnet-b0', 32);
    const rates = dropRates(model);
    // B0 has 16 blocks, 9 of which keep shape (stride 1, same channels) and so have a skip.
    expect(rates).toHaveLength(9);
    // The rate rises over all 16 blocks (0-based index / 15); block6d is index 14, the last block 7a has no skip.
    const deepest = model.getLayer('block6d_drop');
    expect(deepest).toBeInstanceOf(DropPath);
    expect((deepest as DropPath).rate).toBeCloseTo((0.2 * 14) / 15, 12);
    expect(Math.max(...rates)).toBe((deepest as DropPath).rate);
    expect(model.layers.filter((layer) => layer.name.endsWith('_add'))).toHaveLength(9);
    model.dispose();
  });
});

describe('measureModel', () => {
  // Multiply-adds per 224x224 image as torchvision lists them ("GFLOPS", counted by fvcore), classifier included.
  it.each([
    ['resnet18' as const, 1.81e9],
    ['efficientnet-b0' as const, 0.39e9],
  ])('counts %s at its default input close to the published figure', (name, published) => {
    const model = modelOf(name, 224);
    const cost = measureModel(model);
    expect(Math.abs(cost.multiplyAdds - published) / published).toBeLessThan(0.03);
    expect(cost.totalParameters).toBe(model.countParams());
    expect(cost.byLayer.every((layer) => ['A2dConv2D', 'Conv2D', 'DepthwiseConv2D'].includes(layer.className))).toBe(true);
    model.dispose();
  });

  it('counts a dense layer and a shared layer once per call', () => {
    const input = tf.input({ shape: [5, 4] });
    const dense = tf.layers.dense({ units: 3, name: 'shared_dense' });
    const once = dense.apply(input) as tf.SymbolicTensor;
    const twice = tf.layers.dense({ units: 3, name: 'second' }).apply(once) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: twice });
    const cost = measureModel(model);
    expect(cost.byLayer).toEqual([
      { layer: 'shared_dense', className: 'Dense', multiplyAdds: 5 * 4 * 3 },
      { layer: 'second', className: 'Dense', multiplyAdds: 5 * 3 * 3 },
    ]);
    expect(cost.trainableParameters).toBe(4 * 3 + 3 + 3 * 3 + 3);
    model.dispose();
  });
});
