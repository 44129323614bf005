/**
 * Stochastic depth (Huang et al. 2016), the "drop path" of timm: in training, each sample's residual
 * branch is zeroed with probability `rate` and the kept ones scaled by 1 / (1 - rate), so the expected
 * output is unchanged; at inference the layer is the identity.
 */
import { tf } from '@a2d/engine';
import { Rng, type RngState } from '@a2d/core';
import { isTraining, type Kwargs, type LayerArgs } from '../layer-types';

/** Arguments of the `DropPath` layer. */
export interface DropPathArgs extends LayerArgs {
  /** Probability of dropping a sample's branch in training, in [0, 1). */
  rate: number;
  /** Seed of the per-sample keep/drop draws; a reloaded layer restarts its stream from it. */
  seed?: number;
}

/** Per-sample residual-branch dropout; identity unless called with `training: true`. */
export class DropPath extends tf.layers.Layer {
  /** Serialization name (registered below, so saved models reload). */
  static className = 'DropPath';
  /** Probability of dropping a sample's branch in training. */
  readonly rate: number;
  /** Seed of the keep/drop stream. */
  readonly seed: number;
  private readonly rng: Rng;

  constructor(args: DropPathArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new RangeError(`DropPath ${this.name}: rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
    this.seed = args.seed ?? 0;
    this.rng = new Rng(this.seed);
    this.supportsMasking = true;
  }

  /** Position of the keep/drop stream (checkpoints save it, so a resumed run draws the same masks). */
  getRandomState(): RngState {
    return this.rng.getState();
  }

  /** Continues the keep/drop stream from a saved position. */
  setRandomState(state: RngState): void {
    this.rng.setState(state);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      if (x === undefined) throw new TypeError(`DropPath ${this.name}: expected one input`);
      if (!isTraining(kwargs) || this.rate === 0) return x;
      const batch = x.shape[0] ?? 1;
      const keep = 1 - this.rate;
      // Drawn on the JS side from our own seeded stream, so a run's masks depend only on its seed.
      const scale = Float32Array.from({ length: batch }, () => (this.rng.next() < keep ? 1 / keep : 0));
      const maskShape = [batch, ...x.shape.slice(1).map(() => 1)];
      return tf.mul(x, tf.tensor(scale, maskShape));
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(DropPath);

/** Linear stochastic-depth schedule (timm's): block `index` of `count` gets `maxRate * index / (count - 1)`, 0 for the first, `maxRate` for the last. */
export function dropPathRateAt(maxRate: number, index: number, count: number): number {
  return count <= 1 ? 0 : (maxRate * index) / (count - 1);
}
