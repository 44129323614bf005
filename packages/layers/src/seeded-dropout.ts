/**
 * Dropout whose masks come from a seeded stream drawn on the JS side, so a run's masks depend only on its
 * seed and are the same on every backend (tfjs's `Dropout` with a seed repeats one mask on every call).
 */
import { tf } from '@a2d/engine';
import { Rng, type RngState } from '@a2d/core';
import { inputList, isTraining, type Kwargs, type LayerArgs } from './layer-types';

/** A stream of inverted-dropout masks (kept entries scaled by 1 / (1 - rate)). */
export class DropoutMaskStream {
  private readonly rng: Rng;

  /** `rate` in [0, 1): probability of zeroing an entry. */
  constructor(
    readonly rate: number,
    readonly seed: number,
  ) {
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout rate must be in [0, 1), got ${rate}`);
    this.rng = new Rng(seed);
  }

  /** Position of the mask stream (saved in checkpoints). */
  getState(): RngState {
    return this.rng.getState();
  }

  /** Continues the mask stream from a saved position. */
  setState(state: RngState): void {
    this.rng.setState(state);
  }

  /** Multiplies `x` by the next mask (the identity when `rate` is 0). Call inside `tidy`. */
  apply(x: tf.Tensor): tf.Tensor {
    if (this.rate === 0) return x;
    const keep = 1 - this.rate;
    const scale = 1 / keep;
    const mask = new Float32Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = this.rng.next() < keep ? scale : 0;
    return tf.mul(x, tf.tensor(mask, x.shape));
  }
}

/** Arguments of the `SeededDropout` layer. */
export interface SeededDropoutArgs extends LayerArgs {
  /** Probability of zeroing an entry in training, in [0, 1). */
  rate: number;
  /** Seed of the mask stream; a reloaded layer restarts its stream from it. */
  seed: number;
}

/** Inverted dropout, active only when called with `training: true`. */
export class SeededDropout extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'SeededDropout';
  /** Probability of zeroing an entry in training. */
  readonly rate: number;
  /** Seed of the mask stream. */
  readonly seed: number;
  private readonly masks: DropoutMaskStream;

  constructor(args: SeededDropoutArgs) {
    super(args);
    this.rate = args.rate;
    this.seed = args.seed;
    this.masks = new DropoutMaskStream(args.rate, args.seed);
    this.supportsMasking = true;
  }

  /** Position of this layer's mask stream (checkpoints save it, so a resumed run draws the same masks). */
  getRandomState(): RngState {
    return this.masks.getState();
  }

  /** Continues the mask stream from a saved position. */
  setRandomState(state: RngState): void {
    this.masks.setState(state);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x] = inputList(inputs);
      return isTraining(kwargs) ? this.masks.apply(x) : tf.clone(x);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}
tf.serialization.registerClass(SeededDropout);
