/**
 * EfficientNet B0-B4 (Tan & Le 2019): the B0 stack of MBConv blocks (inverted bottleneck, depthwise
 * convolution, squeeze-excitation, swish, stochastic depth) scaled in width, depth and resolution.
 * Block arguments, rounding and layer names follow keras.applications, so its weights match by name.
 */
import { tf } from '@a2d/engine';
import { BackboneLayers, channelsOf } from './backbone-layers';
import type { Backbone, BackboneOptions } from './backbone';
import { convBnAct, globalAveragePool, type BatchNormSettings } from './conv-bn-act';
import { DropPath, dropPathRateAt } from './drop-path';
import { squeezeExcitation } from './squeeze-excitation';

/** One stage of the B0 network before scaling. */
export interface MBConvStage {
  kernelSize: number;
  repeats: number;
  filtersIn: number;
  filtersOut: number;
  expandRatio: number;
  strides: number;
  seRatio: number;
}

/** The seven MBConv stages of EfficientNet-B0. */
export const efficientNetB0Stages: readonly MBConvStage[] = [
  { kernelSize: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expandRatio: 1, strides: 1, seRatio: 0.25 },
  { kernelSize: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expandRatio: 6, strides: 2, seRatio: 0.25 },
  { kernelSize: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expandRatio: 6, strides: 2, seRatio: 0.25 },
  { kernelSize: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expandRatio: 6, strides: 2, seRatio: 0.25 },
  { kernelSize: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expandRatio: 6, strides: 1, seRatio: 0.25 },
  { kernelSize: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expandRatio: 6, strides: 2, seRatio: 0.25 },
  { kernelSize: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expandRatio: 6, strides: 1, seRatio: 0.25 },
];

/** Compound scaling of one variant: channel and depth multipliers, and the input side it was trained at. */
export interface EfficientNetVariant {
  width: number;
  depth: number;
  resolution: number;
}

/** The registered EfficientNet variants (the paper's coefficients). */
export const efficientNetVariants = {
  'efficientnet-b0': { width: 1.0, depth: 1.0, resolution: 224 },
  'efficientnet-b1': { width: 1.0, depth: 1.1, resolution: 240 },
  'efficientnet-b2': { width: 1.1, depth: 1.2, resolution: 260 },
  'efficientnet-b3': { width: 1.2, depth: 1.4, resolution: 300 },
  'efficientnet-b4': { width: 1.4, depth: 1.8, resolution: 380 },
} as const satisfies Record<string, EfficientNetVariant>;

/** Names of the registered EfficientNet variants. */
export type EfficientNetName = keyof typeof efficientNetVariants;

const stemFilters = 32;
const topFilters = 1280;
const channelDivisor = 8;
const defaultDropPathRate = 0.2;
const batchNorm: BatchNormSettings = { epsilon: 1e-3, momentum: 0.99 };

/** Scales a channel count by `width` and rounds to a multiple of 8, never going more than 10% below the scaled value. */
export function roundFilters(filters: number, width: number, divisor = channelDivisor): number {
  const scaled = filters * width;
  let rounded = Math.max(divisor, Math.floor((scaled + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * scaled) rounded += divisor;
  return rounded;
}

/** Scales a stage's block count by `depth` (rounded up, as keras does in floating point). */
export function roundRepeats(repeats: number, depth: number): number {
  return Math.ceil(depth * repeats);
}

/** Builds an EfficientNet variant; `dropPathRate` (default 0.2, the paper's) applies to the MBConv skip blocks. */
export function createEfficientNet(name: EfficientNetName, options: BackboneOptions = {}): Backbone {
  const variant: EfficientNetVariant = efficientNetVariants[name];
  const layers = new BackboneLayers(options.namePrefix ?? '', options.seed ?? 0);
  const maxRate = options.dropPathRate ?? defaultDropPathRate;
  const blockCount = efficientNetB0Stages.reduce((sum, stage) => sum + roundRepeats(stage.repeats, variant.depth), 0);
  const featureDim = roundFilters(topFilters, variant.width);

  function mbConv(x: tf.SymbolicTensor, block: string, stage: MBConvStage, filtersIn: number, filtersOut: number, strides: number, rate: number): tf.SymbolicTensor {
    const expanded = filtersIn * stage.expandRatio;
    let y = x;
    if (stage.expandRatio !== 1) {
      y = convBnAct(layers, y, {
        filters: expanded,
        kernelSize: 1,
        strides: 1,
        activation: 'swish',
        names: { conv: `${block}expand_conv`, bn: `${block}expand_bn`, activation: `${block}expand_activation` },
        batchNorm,
      });
    }
    y = convBnAct(layers, y, {
      filters: expanded,
      kernelSize: stage.kernelSize,
      strides,
      depthwise: true,
      activation: 'swish',
      names: { conv: `${block}dwconv`, bn: `${block}bn`, activation: `${block}activation` },
      batchNorm,
    });
    y = squeezeExcitation(layers, y, Math.max(1, Math.floor(filtersIn * stage.seRatio)), block);
    y = convBnAct(layers, y, {
      filters: filtersOut,
      kernelSize: 1,
      strides: 1,
      names: { conv: `${block}project_conv`, bn: `${block}project_bn` },
      batchNorm,
    });
    if (strides !== 1 || channelsOf(x) !== filtersOut) return y;
    if (rate > 0) {
      y = layers.apply(`${block}drop`, (layerName, layerSeed) => new DropPath({ name: layerName, rate, seed: layerSeed }), y);
    }
    return layers.apply(`${block}add`, (layerName) => tf.layers.add({ name: layerName }), [y, x]);
  }

  return {
    name,
    featureDim,
    defaultResolution: variant.resolution,
    apply(input) {
      let x = convBnAct(layers, input, {
        filters: roundFilters(stemFilters, variant.width),
        kernelSize: 3,
        strides: 2,
        activation: 'swish',
        names: { conv: 'stem_conv', bn: 'stem_bn', activation: 'stem_activation' },
        batchNorm,
      });
      let blockIndex = 0;
      efficientNetB0Stages.forEach((stage, s) => {
        const filtersOut = roundFilters(stage.filtersOut, variant.width);
        const repeats = roundRepeats(stage.repeats, variant.depth);
        for (let j = 0; j < repeats; j++) {
          const filtersIn = j === 0 ? roundFilters(stage.filtersIn, variant.width) : filtersOut;
          const rate = dropPathRateAt(maxRate, blockIndex++, blockCount);
          x = mbConv(x, `block${s + 1}${String.fromCharCode(97 + j)}_`, stage, filtersIn, filtersOut, j === 0 ? stage.strides : 1, rate);
        }
      });
      x = convBnAct(layers, x, {
        filters: featureDim,
        kernelSize: 1,
        strides: 1,
        activation: 'swish',
        names: { conv: 'top_conv', bn: 'top_bn', activation: 'top_activation' },
        batchNorm,
      });
      return { featureMap: x, pooled: globalAveragePool(layers, x, 'avg_pool') };
    },
  };
}
