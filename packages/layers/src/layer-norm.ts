/**
 * Layer normalization over the last axis (Ba et al. 2016), as tfjs-layers' `LayerNormalization` computes it
 * (`(x - mean) / sqrt(variance + epsilon) * gamma + beta`, weights `gamma` and `beta` of the last dimension), but with
 * broadcasting ops. tfjs-layers tiles the moments and the weights to the input's shape before its batch norm, and
 * the gradient of a tile is a loop of one slice and one add per copy: ~2,600 of a default training step's 9,500
 * kernels (`layers:profile`). Broadcasting gradients are one reduction each. Models saved with tfjs-layers' class
 * still load with it (same weights, same function).
 */
import { tf } from '@a2d/engine';
import { inputList, shapeList, type Kwargs, type LayerArgs } from './layer-types';

/** Arguments of `LayerNorm`. */
export interface LayerNormArgs extends LayerArgs {
  /** Added to the variance before the square root (default 1e-3, tfjs-layers' default). */
  epsilon?: number;
}

/** `[..., C]` -> `[..., C]`, normalized over C, then scaled and shifted per channel. */
export class LayerNorm extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'A2dLayerNorm';
  readonly epsilon: number;
  private gamma?: tf.LayerVariable;
  private beta?: tf.LayerVariable;

  constructor(args: LayerNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.epsilon >= 0)) throw new RangeError(`LayerNorm ${this.name}: epsilon must be >= 0, got ${this.epsilon}`);
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [shape] = shapeList(inputShape);
    const channels = shape[shape.length - 1];
    if (typeof channels !== 'number') throw new TypeError(`LayerNorm ${this.name}: the last dimension must be known, got [${shape.join(', ')}]`);
    // Created in tfjs-layers' order and with its names, so weights map one to one onto its saved models.
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x] = inputList(inputs);
      if (!this.gamma || !this.beta) throw new Error(`LayerNorm ${this.name}: called before build`);
      const { mean, variance } = tf.moments(x, -1, true);
      const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normalized, this.gamma.read()), this.beta.read());
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return shapeList(inputShape)[0];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(LayerNorm);
