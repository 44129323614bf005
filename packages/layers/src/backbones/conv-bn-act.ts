/**
 * The convolution -> batch norm -> activation unit every backbone family is made of. Convolutions
 * carry no bias (the batch norm's offset replaces it), as in torchvision and keras.applications.
 */
import { tf } from '@a2d/engine';
import type { BackboneLayers } from './backbone-layers';
import { ChannelBatchNorm } from './channel-batch-norm';

/** Activations the backbones use (names as tfjs-layers knows them). */
export type BackboneActivation = 'relu' | 'swish' | 'sigmoid';

/** Batch-norm settings of a family (ResNet 1e-5/0.9 as torchvision trains it, EfficientNet 1e-3/0.99 as keras). */
export interface BatchNormSettings {
  epsilon: number;
  momentum: number;
}

/** One conv-bn-act unit; the names follow keras.applications so its pretrained weights match by name. */
export interface ConvBnActSpec {
  /** Output channels (ignored by depthwise convolutions, which keep the channel count). */
  filters: number;
  kernelSize: number;
  strides: number;
  /** Depthwise (per-channel) instead of a full convolution. */
  depthwise?: boolean;
  /** Activation after the batch norm; none when omitted. */
  activation?: BackboneActivation;
  names: { conv: string; bn: string; activation?: string };
  batchNorm: BatchNormSettings;
}

/**
 * He init over fan-out (torchvision's ResNet and keras' EfficientNet variance), drawn uniform rather than
 * normal: same variance, and tfjs samples a uniform several times faster, which matters at 44M weights.
 */
export function convInitializer(seed: number): ReturnType<typeof tf.initializers.varianceScaling> {
  return tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'uniform', seed });
}

/** Applies conv -> batch norm -> activation to `x` with the layers of `layers`. */
export function convBnAct(layers: BackboneLayers, x: tf.SymbolicTensor, spec: ConvBnActSpec): tf.SymbolicTensor {
  const convArgs = { kernelSize: spec.kernelSize, strides: spec.strides, padding: 'same' as const, useBias: false };
  let y = layers.apply(
    spec.names.conv,
    (name, seed) =>
      spec.depthwise
        ? tf.layers.depthwiseConv2d({ ...convArgs, name, depthMultiplier: 1, depthwiseInitializer: convInitializer(seed) })
        : tf.layers.conv2d({ ...convArgs, name, filters: spec.filters, kernelInitializer: convInitializer(seed) }),
    x,
  );
  y = layers.apply(spec.names.bn, (name) => new ChannelBatchNorm({ name, ...spec.batchNorm }), y);
  const activation = spec.activation;
  if (activation !== undefined) {
    const activationName = spec.names.activation ?? `${spec.names.bn}_${activation}`;
    y = layers.apply(activationName, (name) => tf.layers.activation({ name, activation }), y);
  }
  return y;
}

/** Global average pooling to [N, C] (the `pooled` output of every backbone). */
export function globalAveragePool(layers: BackboneLayers, x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return layers.apply(name, (layerName) => tf.layers.globalAveragePooling2d({ name: layerName }), x);
}
