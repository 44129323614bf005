/**
 * The layers of one backbone instance, created on first use and reused afterwards, so applying a
 * backbone to a second input shares its weights with the first (Keras layer sharing).
 */
import { tf } from '@a2d/engine';
import { layerSeed } from '../layer-seed';

/** Creates a layer given its full (prefixed) name and the seed of its initializers and random streams. */
export type LayerConstructor = (name: string, seed: number) => tf.layers.Layer;

/** Layers of one backbone keyed by their unprefixed name. */
export class BackboneLayers {
  private readonly byName = new Map<string, tf.layers.Layer>();

  /** `prefix` goes in front of every layer name (e.g. 'action_backbone/'); each layer's seed derives from `seed` and its full name. */
  constructor(
    readonly prefix: string,
    readonly seed: number,
  ) {}

  /** Applies the layer called `name` (creating it with `create` the first time) to `input`. */
  apply(name: string, create: LayerConstructor, input: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.SymbolicTensor {
    let layer = this.byName.get(name);
    if (!layer) {
      const fullName = `${this.prefix}${name}`;
      layer = create(fullName, layerSeed(this.seed, fullName));
      this.byName.set(name, layer);
    }
    const output = layer.apply(input);
    if (!(output instanceof tf.SymbolicTensor)) {
      throw new TypeError(`layer ${layer.name} should return one symbolic tensor on a symbolic input`);
    }
    return output;
  }
}

/** The static shape of a symbolic tensor's channel (last) axis; backbones need it to size the next layer. */
export function channelsOf(tensor: tf.SymbolicTensor): number {
  const channels = tensor.shape[tensor.shape.length - 1];
  if (channels === null || channels === undefined) throw new TypeError(`${tensor.name}: channel axis must have a static size`);
  return channels;
}
