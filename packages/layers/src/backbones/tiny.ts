/**
 * `tiny`: a handful of stride-2 conv-bn-relu stages, for tests and the default CPU run (about 12M
 * multiply-adds per 112x112 frame, against 1.8G for resnet18 at 224).
 */
import { BackboneLayers } from './backbone-layers';
import type { Backbone, BackboneOptions } from './backbone';
import { convBnAct, globalAveragePool, type BatchNormSettings } from './conv-bn-act';

/** The tiny variant as a config entry: output channels of each stride-2 3x3 stage. */
export const tinyVariant = { stageChannels: [16, 32, 64, 128], defaultResolution: 112 } as const;

const batchNorm: BatchNormSettings = { epsilon: 1e-5, momentum: 0.9 };

/** Builds the tiny backbone (it has no residual blocks, so `dropPathRate` does not apply). */
export function createTinyBackbone(options: BackboneOptions = {}): Backbone {
  const layers = new BackboneLayers(options.namePrefix ?? '', options.seed ?? 0);
  const channels = tinyVariant.stageChannels;
  return {
    name: 'tiny',
    featureDim: channels[channels.length - 1] ?? 0,
    defaultResolution: tinyVariant.defaultResolution,
    apply(input) {
      let x = input;
      channels.forEach((filters, i) => {
        const stage = `stage${i + 1}`;
        x = convBnAct(layers, x, {
          filters,
          kernelSize: 3,
          strides: 2,
          activation: 'relu',
          names: { conv: `${stage}_conv`, bn: `${stage}_bn`, activation: `${stage}_relu` },
          batchNorm,
        });
      });
      return { featureMap: x, pooled: globalAveragePool(layers, x, 'avg_pool') };
    },
  };
}
