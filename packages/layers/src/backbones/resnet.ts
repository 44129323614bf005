/**
 * ResNet (He et al. 2016) exactly as torchvision builds it, so torchvision weights compute what they computed
 * there: the stride of a bottleneck sits on its 3x3 convolution ("v1.5"), convolutions have no bias, batch norm
 * uses epsilon 1e-5, and every convolution and the stem's max pool pad symmetrically with (k-1)/2 zeros
 * (TensorFlow's 'same' would pad a stride-2 convolution on an even input unevenly). Variants are config
 * entries; layer names follow keras.applications (`conv2_block1_1_conv`), `pretrained/torchvision-resnet.ts`
 * maps torchvision's names onto them.
 */
import { tf } from '@a2d/engine';
import { BackboneLayers, channelsOf } from './backbone-layers';
import type { Backbone, BackboneOptions } from './backbone';
import { convBnAct, globalAveragePool, symmetricZeroPad, type BatchNormSettings } from './conv-bn-act';
import { DropPath, dropPathRateAt } from './drop-path';

/** The residual block kinds: two 3x3 convolutions, or 1x1 -> 3x3 -> 1x1 with 4x expansion. */
export type ResNetBlock = 'basic' | 'bottleneck';

/** One ResNet variant: block kind and number of blocks in each of the four stages. */
export interface ResNetVariant {
  block: ResNetBlock;
  layers: readonly [number, number, number, number];
}

/** The registered ResNet variants. */
export const resNetVariants = {
  resnet18: { block: 'basic', layers: [2, 2, 2, 2] },
  resnet34: { block: 'basic', layers: [3, 4, 6, 3] },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6, 3] },
  resnet101: { block: 'bottleneck', layers: [3, 4, 23, 3] },
} as const satisfies Record<string, ResNetVariant>;

/** Names of the registered ResNet variants. */
export type ResNetName = keyof typeof resNetVariants;

const stageWidths = [64, 128, 256, 512] as const;
const expansion: Record<ResNetBlock, number> = { basic: 1, bottleneck: 4 };
const batchNorm: BatchNormSettings = { epsilon: 1e-5, momentum: 0.9 };
/** ImageNet training resolution of every ResNet. */
const resNetResolution = 224;

/** Builds a ResNet variant; `dropPathRate` (default 0) applies to the residual branches, rising linearly with depth. */
export function createResNet(name: ResNetName, options: BackboneOptions = {}): Backbone {
  const variant: ResNetVariant = resNetVariants[name];
  const layers = new BackboneLayers(options.namePrefix ?? '', options.seed ?? 0);
  const maxRate = options.dropPathRate ?? 0;
  const blockCount = variant.layers.reduce((a, b) => a + b, 0);

  function residualBlock(x: tf.SymbolicTensor, block: string, width: number, strides: number, rate: number): tf.SymbolicTensor {
    const outChannels = width * expansion[variant.block];
    const unit = (index: number, filters: number, kernelSize: number, unitStrides: number, relu: boolean) => ({
      filters,
      kernelSize,
      strides: unitStrides,
      ...(relu ? { activation: 'relu' as const } : {}),
      names: { conv: `${block}_${index}_conv`, bn: `${block}_${index}_bn`, activation: `${block}_${index}_relu` },
      batchNorm,
      padding: 'symmetric' as const,
    });
    let branch: tf.SymbolicTensor;
    if (variant.block === 'basic') {
      branch = convBnAct(layers, x, unit(1, width, 3, strides, true));
      branch = convBnAct(layers, branch, unit(2, width, 3, 1, false));
    } else {
      branch = convBnAct(layers, x, unit(1, width, 1, 1, true));
      branch = convBnAct(layers, branch, unit(2, width, 3, strides, true));
      branch = convBnAct(layers, branch, unit(3, outChannels, 1, 1, false));
    }
    const shortcut = strides !== 1 || channelsOf(x) !== outChannels ? convBnAct(layers, x, unit(0, outChannels, 1, strides, false)) : x;
    if (rate > 0) {
      branch = layers.apply(`${block}_drop`, (layerName, layerSeed) => new DropPath({ name: layerName, rate, seed: layerSeed }), branch);
    }
    const sum = layers.apply(`${block}_add`, (layerName) => tf.layers.add({ name: layerName }), [shortcut, branch]);
    return layers.apply(`${block}_out`, (layerName) => tf.layers.activation({ name: layerName, activation: 'relu' }), sum);
  }

  return {
    name,
    featureDim: stageWidths[3] * expansion[variant.block],
    defaultResolution: resNetResolution,
    apply(input) {
      let x = convBnAct(layers, input, {
        filters: 64,
        kernelSize: 7,
        strides: 2,
        activation: 'relu',
        names: { conv: 'conv1_conv', bn: 'conv1_bn', activation: 'conv1_relu' },
        batchNorm,
        padding: 'symmetric',
      });
      x = symmetricZeroPad(layers, x, 1, 'pool1_pad');
      x = layers.apply('pool1_pool', (layerName) => tf.layers.maxPooling2d({ name: layerName, poolSize: 3, strides: 2, padding: 'valid' }), x);
      let blockIndex = 0;
      variant.layers.forEach((blocks, stage) => {
        for (let b = 0; b < blocks; b++) {
          const strides = b === 0 && stage > 0 ? 2 : 1;
          const rate = dropPathRateAt(maxRate, blockIndex++, blockCount);
          x = residualBlock(x, `conv${stage + 2}_block${b + 1}`, stageWidths[stage] ?? 0, strides, rate);
        }
      });
      return { featureMap: x, pooled: globalAveragePool(layers, x, 'avg_pool') };
    },
  };
}
