/**
 * Folding time into the batch axis, so a per-frame 2D backbone runs on every frame of every clip with one
 * set of weights: [B, T, ...] -> [B*T, ...] before the backbone, and back to [B, T, ...] after it.
 */
import { tf } from '@a2d/engine';
import { inputList, shapeList, type Kwargs, type LayerArgs } from './layer-types';

function product(dims: readonly (number | null)[]): number | null {
  return dims.some((d) => d === null) ? null : dims.reduce<number>((a, d) => a * (d as number), 1);
}

/** [B, T, ...] -> [B*T, ...]. */
export class FoldTime extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'FoldTime';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x] = inputList(inputs);
      const [batch, time, ...rest] = x.shape;
      return tf.reshape(x, [batch * time, ...rest]);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [shape] = shapeList(inputShape);
    if (shape.length < 3) throw new TypeError(`FoldTime ${this.name}: expected [B, T, ...], got [${shape.join(', ')}]`);
    return [product(shape.slice(0, 2)), ...shape.slice(2)];
  }
}
tf.serialization.registerClass(FoldTime);

/**
 * Inputs `[folded [B*T, ...], reference [B, T, ...]]` -> `[B, T, ...]`: B and T are read from the reference
 * at call time, so one model serves any clip length.
 */
export class UnfoldTime extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'UnfoldTime';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [folded, reference] = inputList(inputs);
      const [batch, time] = reference.shape;
      if (folded.shape[0] !== batch * time) {
        throw new RangeError(`UnfoldTime ${this.name}: ${folded.shape[0]} rows cannot unfold to [${batch}, ${time}]`);
      }
      return tf.reshape(folded, [batch, time, ...folded.shape.slice(1)]);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [folded, reference] = shapeList(inputShape);
    if (!folded || !reference) throw new TypeError(`UnfoldTime ${this.name}: expected [folded, reference] inputs`);
    return [reference[0], reference[1], ...folded.slice(1)];
  }
}
tf.serialization.registerClass(UnfoldTime);
