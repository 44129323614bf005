/**
 * The one surface every per-frame 2D backbone exposes (timm style: variants are config entries fed to
 * one builder per family), and the registry that builds a backbone from its name.
 */
import type { tf } from '@a2d/engine';
import { BACKBONE_NAMES, ConfigError, type BackboneName } from '@a2d/core';
import { createEfficientNet, efficientNetVariants, type EfficientNetName } from './efficientnet';
import { createResNet, resNetVariants, type ResNetName } from './resnet';
import { createTinyBackbone } from './tiny';

// The backbone names are part of the config vocabulary (`model.backbone`), so core owns the list.
export { BACKBONE_NAMES, type BackboneName } from '@a2d/core';

/** Options shared by every backbone family. */
export interface BackboneOptions {
  /** Stochastic depth rate of the deepest block (earlier blocks get linearly less); default 0 for ResNet/tiny, 0.2 for EfficientNet. */
  dropPathRate?: number;
  /** Layer name prefix, e.g. 'action_backbone/', so two backbones can live in one model. */
  namePrefix?: string;
  /** Seed of the weight initializers and stochastic-depth masks (each layer derives its own from it and its full name); default 0. */
  seed?: number;
}

/** What a backbone produces for a [N, H, W, 3] batch of frames. */
export interface BackboneOutput {
  /** [N, h, w, C] last feature map */
  featureMap: tf.SymbolicTensor;
  /** [N, featureDim] global-average-pooled */
  pooled: tf.SymbolicTensor;
}

/** A per-frame 2D backbone; its layers are created on the first `apply` and shared by later ones (same weights). */
export interface Backbone {
  name: BackboneName;
  /** Channels of the feature map (and length of the pooled vector). */
  featureDim: number;
  /** Input side the variant was designed for (square frames). */
  defaultResolution: number;
  /** builds the layers (functional API) on a [N, H, W, 3] symbolic input and returns its outputs */
  apply(input: tf.SymbolicTensor): BackboneOutput;
}

/** Whether `name` is a registered backbone (for validating names that come from outside the type system). */
export function isBackboneName(name: string): name is BackboneName {
  return (BACKBONE_NAMES as readonly string[]).includes(name);
}

/** Builds the named backbone; throws `ConfigError` for an unknown name or an out-of-range option. */
export function createBackbone(name: BackboneName, options: BackboneOptions = {}): Backbone {
  if (!isBackboneName(name)) {
    throw new ConfigError([{ path: 'backbone', message: `expected one of ${BACKBONE_NAMES.join(', ')}, got ${JSON.stringify(name)}` }]);
  }
  const rate = options.dropPathRate;
  if (rate !== undefined && !(rate >= 0 && rate < 1)) {
    throw new ConfigError([{ path: 'dropPathRate', message: `expected a number in [0, 1), got ${rate}` }]);
  }
  if (name === 'tiny') return createTinyBackbone(options);
  if (name in resNetVariants) return createResNet(name as ResNetName, options);
  if (name in efficientNetVariants) return createEfficientNet(name as EfficientNetName, options);
  throw new ConfigError([{ path: 'backbone', message: `no builder registered for ${name}` }]);
}
