import { tf } from '@a2d/engine';
import { createBackbone, type BackboneName } from './backbone';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function bare(name: BackboneName): tf.LayersModel {
  const input = tf.input({ shape: [null, null, 3] });
  return tf.model({ inputs: input, outputs: createBackbone(name).apply(input).featureMap });
}

function sizeOf(weights: tf.LayerVariable[]): number {
  return weights.reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 0), 1), 0);
}

describe('backbones have exactly the parameters of their source networks', () => {
  // torchvision's documented parameter counts (`num_params` of the ImageNet weights) minus the 1000-way `fc`;
  // torchvision keeps BatchNorm's running statistics as buffers, not parameters: our trainable weights.
  it.each<[BackboneName, number]>([
    ['resnet18', 11_689_512 - (512 * 1000 + 1000)],
    ['resnet34', 21_797_672 - (512 * 1000 + 1000)],
    ['resnet50', 25_557_032 - (2048 * 1000 + 1000)],
    ['resnet101', 44_549_160 - (2048 * 1000 + 1000)],
  ])('%s: torchvision without fc', (name, expected) => {
    const model = bare(name);
    expect(sizeOf(model.trainableWeights)).toBe(expected);
    model.dispose();
  });

  // keras.applications' EfficientNetBx(include_top=True) totals (model.summary()) minus the 1000-way `predictions`
  // dense layer and the 7 values of the input Normalization layer (mean 3, variance 3, count 1), which our
  // pipeline applies as `model.inputNormalization` instead. Keras counts moving statistics in the total, as we do.
  it.each<[BackboneName, number, number]>([
    ['efficientnet-b0', 5_330_571, 1280],
    ['efficientnet-b1', 7_856_239, 1280],
    ['efficientnet-b2', 9_177_569, 1408],
    ['efficientnet-b3', 12_320_535, 1536],
    ['efficientnet-b4', 19_466_823, 1792],
  ])('%s: Keras without predictions and normalization', (name, kerasTotal, featureDim) => {
    const model = bare(name);
    expect(model.countParams()).toBe(kerasTotal - (featureDim * 1000 + 1000) - 7);
    model.dispose();
  });
});
