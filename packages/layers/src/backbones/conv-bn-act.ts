/**
 * The convolution -> batch norm -> activation unit every backbone family is made of. Convolutions
 * carry no bias (the batch norm's offset replaces it), as in torchvision and keras.applications.
 */
import { tf } from '@a2d/engine';
import type { BackboneLayers } from './backbone-layers';
import { ChannelBatchNorm } from './channel-batch-norm';
import { PlainConv2D } from './plain-conv2d';

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
  /**
   * `same` (default): TensorFlow's rule, which pads a strided convolution on an even input less at the top/left
   * (what Keras networks were trained with). `symmetric`: (k-1)/2 zeros on every side, then a 'valid' convolution
   * (PyTorch's `padding=k//2`, what torchvision networks were trained with); the pad layer is `<conv>_pad`.
   */
  padding?: 'same' | 'symmetric';
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
  const symmetric = spec.padding === 'symmetric';
  const convArgs = { kernelSize: spec.kernelSize, strides: spec.strides, padding: symmetric ? ('valid' as const) : ('same' as const), useBias: false };
  const input = symmetric ? symmetricZeroPad(layers, x, (spec.kernelSize - 1) / 2, `${spec.names.conv}_pad`) : x;
  let y = layers.apply(
    spec.names.conv,
    (name, seed) =>
      spec.depthwise
        ? tf.layers.depthwiseConv2d({ ...convArgs, name, depthMultiplier: 1, depthwiseInitializer: convInitializer(seed) })
        : new PlainConv2D({ name, filters: spec.filters, kernelSize: spec.kernelSize, strides: spec.strides, padding: convArgs.padding, kernelInitializer: convInitializer(seed) }),
    input,
  );
  y = layers.apply(spec.names.bn, (name) => new ChannelBatchNorm({ name, ...spec.batchNorm }), y);
  const activation = spec.activation;
  if (activation !== undefined) {
    const activationName = spec.names.activation ?? `${spec.names.bn}_${activation}`;
    y = layers.apply(activationName, (name) => tf.layers.activation({ name, activation }), y);
  }
  return y;
}

/**
 * `pad` zeros on every side of the spatial axes (none when `pad` is 0). Also right in front of a max pool that
 * follows a ReLU: every value is >= 0 there, so zero padding picks the same maxima as PyTorch's -inf padding.
 */
export function symmetricZeroPad(layers: BackboneLayers, x: tf.SymbolicTensor, pad: number, name: string): tf.SymbolicTensor {
  if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`${name}: symmetric padding needs an odd kernel size, got a pad of ${pad}`);
  if (pad === 0) return x;
  return layers.apply(name, (layerName) => tf.layers.zeroPadding2d({ name: layerName, padding: [[pad, pad], [pad, pad]] }), x);
}

/** Global average pooling to [N, C] (the `pooled` output of every backbone). */
export function globalAveragePool(layers: BackboneLayers, x: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return layers.apply(name, (layerName) => tf.layers.globalAveragePooling2d({ name: layerName }), x);
}
