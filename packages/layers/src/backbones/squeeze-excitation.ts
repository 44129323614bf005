/**
 * Squeeze-and-excitation (Hu et al. 2018) as in MBConv: global-average-pool the channels, squeeze
 * through a small swish bottleneck, and rescale every channel by a sigmoid gate.
 */
import { tf } from '@a2d/engine';
import { channelsOf, type BackboneLayers } from './backbone-layers';
import { convInitializer } from './conv-bn-act';

/** Gates the channels of `x` ([N, H, W, C]) by an SE bottleneck of `squeezeChannels`; `block` prefixes the layer names. */
export function squeezeExcitation(layers: BackboneLayers, x: tf.SymbolicTensor, squeezeChannels: number, block: string): tf.SymbolicTensor {
  const channels = channelsOf(x);
  let gate = layers.apply(`${block}se_squeeze`, (name) => tf.layers.globalAveragePooling2d({ name }), x);
  gate = layers.apply(`${block}se_reshape`, (name) => tf.layers.reshape({ name, targetShape: [1, 1, channels] }), gate);
  gate = layers.apply(
    `${block}se_reduce`,
    (name, seed) => tf.layers.conv2d({ name, filters: squeezeChannels, kernelSize: 1, padding: 'same', activation: 'swish', kernelInitializer: convInitializer(seed) }),
    gate,
  );
  gate = layers.apply(
    `${block}se_expand`,
    (name, seed) => tf.layers.conv2d({ name, filters: channels, kernelSize: 1, padding: 'same', activation: 'sigmoid', kernelInitializer: convInitializer(seed) }),
    gate,
  );
  return layers.apply(`${block}se_excite`, (name) => tf.layers.multiply({ name }), [x, gate]);
}
