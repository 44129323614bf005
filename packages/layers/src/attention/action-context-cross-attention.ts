/**
 * Step 2's cross-attention: the actor stream's frame tokens (queries) attend to the action context, whose keys
 * and values are the embedded action (projected to one token) followed by the action stream's temporal tokens.
 * With more than one key the softmax has something to choose between (over a single key it is the identity).
 * The key projection has no bias: a bias b adds q . b to every key's logit alike, which the softmax cancels, so it
 * could never learn (its gradient is zero up to rounding). Queries and values keep theirs.
 */
import type { RngState } from '@a2d/core';
import { tf } from '@a2d/engine';
import { DropoutMaskStream } from '../seeded-dropout';
import { inputList, isTraining, shapeList, type Kwargs, type LayerArgs } from '../layer-types';
import { multiHeadAttention, projectTokens } from './multi-head-attention';

// Creation order is the order of `getWeights()`/`setWeights()`.
const WEIGHT_NAMES = [
  'action_token_kernel',
  'action_token_bias',
  'query_kernel',
  'query_bias',
  'key_value_kernel',
  'value_bias',
  'output_kernel',
  'output_bias',
] as const;
type WeightName = (typeof WEIGHT_NAMES)[number];

/** Arguments of `ActionContextCrossAttention`. */
export interface ActionContextCrossAttentionArgs extends LayerArgs {
  /** Attention heads; must divide the token width. */
  numHeads: number;
  /** Dropout on the attention probabilities in training, in [0, 1). */
  attentionDropout?: number;
  /** Seed of the initializers and the dropout stream. */
  seed: number;
}

/**
 * Inputs `[queries [B, Tq, D], action embedding [B, E], context tokens [B, Tk, D]]` -> `[B, Tq, D]`:
 * attention over the Tk + 1 keys `[action token; context tokens]`, then an output projection.
 */
export class ActionContextCrossAttention extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'ActionContextCrossAttention';
  /** Attention heads. */
  readonly numHeads: number;
  /** Dropout rate on attention probabilities. */
  readonly attentionDropout: number;
  /** Seed of the initializers and the dropout stream. */
  readonly seed: number;
  private readonly dropout: DropoutMaskStream;
  private weightsByName: Partial<Record<WeightName, tf.LayerVariable>> = {};

  constructor(args: ActionContextCrossAttentionArgs) {
    super(args);
    if (!Number.isInteger(args.numHeads) || args.numHeads < 1) throw new RangeError(`${this.name}: numHeads must be a positive integer, got ${args.numHeads}`);
    this.numHeads = args.numHeads;
    this.attentionDropout = args.attentionDropout ?? 0;
    this.seed = args.seed;
    this.dropout = new DropoutMaskStream(this.attentionDropout, args.seed);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [queries, action, context] = shapeList(inputShape);
    const width = queries?.[2];
    const actionWidth = action?.[1];
    if (!queries || !action || !context || queries.length !== 3 || action.length !== 2 || context.length !== 3) {
      throw new TypeError(`${this.name}: expected inputs [queries [B, Tq, D], action [B, E], context [B, Tk, D]]`);
    }
    if (typeof width !== 'number' || typeof actionWidth !== 'number' || context[2] !== width) {
      throw new TypeError(`${this.name}: queries and context need the same static width, got ${String(width)} and ${String(context[2])}`);
    }
    if (width % this.numHeads !== 0) throw new RangeError(`${this.name}: width ${width} is not divisible by ${this.numHeads} heads`);
    const glorot = (salt: number) => tf.initializers.glorotUniform({ seed: this.seed + salt });
    const zeros = tf.initializers.zeros();
    const shapes: Record<WeightName, [tf.Shape, ReturnType<typeof tf.initializers.zeros>]> = {
      action_token_kernel: [[actionWidth, width], glorot(1)],
      action_token_bias: [[width], zeros],
      query_kernel: [[width, width], glorot(2)],
      query_bias: [[width], zeros],
      key_value_kernel: [[width, 2 * width], glorot(3)],
      value_bias: [[width], zeros],
      output_kernel: [[width, width], glorot(4)],
      output_bias: [[width], zeros],
    };
    for (const name of WEIGHT_NAMES) {
      const [shape, initializer] = shapes[name];
      this.weightsByName[name] = this.addWeight(name, shape, 'float32', initializer);
    }
    this.built = true;
  }

  private read<T extends tf.Tensor>(name: WeightName): T {
    const variable = this.weightsByName[name];
    if (!variable) throw new Error(`${this.name}: called before build`);
    return variable.read() as T;
  }

  /** Position of the attention-dropout stream (checkpoints save it). */
  getRandomState(): RngState {
    return this.dropout.getState();
  }

  /** Continues the attention-dropout stream from a saved position. */
  setRandomState(state: RngState): void {
    this.dropout.setState(state);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [queries, action, context] = inputList(inputs) as [tf.Tensor3D, tf.Tensor2D, tf.Tensor3D];
      const actionToken = tf.add(tf.matMul(action, this.read<tf.Tensor2D>('action_token_kernel')), this.read('action_token_bias'));
      const keyTokens = tf.concat([tf.expandDims(actionToken, 1) as tf.Tensor3D, context], 1);
      const [key, unbiasedValue] = tf.split(projectTokens(keyTokens, this.read('key_value_kernel')), 2, 2) as tf.Tensor3D[];
      const { output } = multiHeadAttention({
        query: projectTokens(queries, this.read('query_kernel'), this.read<tf.Tensor1D>('query_bias')),
        key,
        value: tf.add(unbiasedValue, this.read('value_bias')) as tf.Tensor3D,
        numHeads: this.numHeads,
        dropout: isTraining(kwargs) ? this.dropout : undefined,
      });
      return projectTokens(output, this.read('output_kernel'), this.read<tf.Tensor1D>('output_bias'));
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return shapeList(inputShape)[0];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, attentionDropout: this.attentionDropout, seed: this.seed };
  }
}
tf.serialization.registerClass(ActionContextCrossAttention);
