/**
 * Batch normalization over the channel (last) axis whose training mode uses the engine's
 * `batchNormTraining` (closed-form gradient, fused kernels on wasm) instead of tfjs-layers' path,
 * whose tiled FusedBatchNorm gradient takes about half of a tiny-backbone training step on wasm.
 * Weight names and order match Keras' BatchNormalization (gamma, beta, moving_mean, moving_variance),
 * so pretrained Keras weights load by name.
 */
import { batchNormTraining, tf } from '@a2d/engine';
import { inputList, isTraining, type Kwargs, type LayerArgs } from '../layer-types';

/** Arguments of the `ChannelBatchNorm` layer. */
export interface ChannelBatchNormArgs extends LayerArgs {
  /** Share of the old value kept by each moving-average update (Keras convention; PyTorch's 0.1 is 0.9 here). */
  momentum?: number;
  /** Added to the variance before the square root. */
  epsilon?: number;
}

/** Batch norm over the last axis: batch statistics in training (updating the moving ones), moving statistics otherwise. */
export class ChannelBatchNorm extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'ChannelBatchNorm';
  /** Share of the old value kept by each moving-average update. */
  readonly momentum: number;
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  private gamma: tf.LayerVariable | undefined;
  private beta: tf.LayerVariable | undefined;
  private movingMean: tf.LayerVariable | undefined;
  private movingVariance: tf.LayerVariable | undefined;

  constructor(args: ChannelBatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new RangeError(`ChannelBatchNorm ${this.name}: momentum must be in [0, 1], got ${this.momentum}`);
    if (!(this.epsilon > 0)) throw new RangeError(`ChannelBatchNorm ${this.name}: epsilon must be positive, got ${this.epsilon}`);
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels === null || channels === undefined) throw new TypeError(`ChannelBatchNorm ${this.name}: the channel axis needs a static size`);
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [channels], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [channels], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x] = inputList(inputs);
      const { gamma, beta, movingMean, movingVariance } = this;
      if (!x || !gamma || !beta || !movingMean || !movingVariance) throw new TypeError(`ChannelBatchNorm ${this.name}: called before build or without input`);
      if (!isTraining(kwargs)) {
        return tf.batchNorm(x, movingMean.read(), movingVariance.read(), beta.read(), gamma.read(), this.epsilon);
      }
      // `count`: every replica's values when data-parallel batch norm is synchronised (the whole batch's statistics).
      const { y, mean, variance, count } = batchNormTraining(x, gamma.read() as tf.Tensor1D, beta.read() as tf.Tensor1D, this.epsilon);
      // The moving variance estimates the population's, so it takes the unbiased batch variance (as PyTorch and TF do).
      const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
      const keep = this.momentum;
      movingMean.write(tf.add(tf.mul(movingMean.read(), keep), tf.mul(mean, 1 - keep)));
      movingVariance.write(tf.add(tf.mul(movingVariance.read(), keep), tf.mul(unbiased, 1 - keep)));
      return y;
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(ChannelBatchNorm);
