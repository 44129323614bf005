/**
 * Multi-head self-attention over a clip's temporal tokens with a learned relative-position bias: the only
 * place the temporal transformer sees token order (it is permutation-equivariant without the bias).
 *
 * Only weights that can learn: the key projection has no bias (a bias b adds q_i . b to every key's logit in row i
 * alike, which the softmax cancels: its gradient is zero up to rounding), and when the longest sequence is known
 * the bias table stops at the largest distance it can hold (T tokens have distances up to T - 1: with
 * `maxRelativeDistance` >= T the clipped end columns, and any between, are never used and never get a gradient).
 */
import type { RngState } from '@a2d/core';
import { tf } from '@a2d/engine';
import { DropoutMaskStream } from '../seeded-dropout';
import { inputList, isTraining, shapeList, type Kwargs, type LayerArgs } from '../layer-types';
import { multiHeadAttention, projectTokens } from './multi-head-attention';
import { relativeBiasTableWidth, relativePositionBias } from './relative-position-bias';

/** Arguments of `RelativePositionSelfAttention`. */
export interface RelativePositionSelfAttentionArgs extends LayerArgs {
  /** Attention heads; must divide the token width. */
  numHeads: number;
  /** Distances beyond this share one bias (the table has 2 * maxRelativeDistance + 1 columns per head at most). */
  maxRelativeDistance: number;
  /**
   * Longest token sequence the layer will see (the model's frame count), or null (default) for any length. When
   * set, the table holds distances up to min(maxRelativeDistance, maxSequenceLength - 1) only; longer inputs throw.
   */
  maxSequenceLength?: number | null;
  /** Dropout on the attention probabilities in training, in [0, 1). */
  attentionDropout?: number;
  /** Seed of the initializers and the dropout stream. */
  seed: number;
}

/** `[B, T, D]` -> `[B, T, D]`: fused Q/K/V projection, attention with relative bias, output projection. */
export class RelativePositionSelfAttention extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'RelativePositionSelfAttention';
  /** Attention heads. */
  readonly numHeads: number;
  /** Clipping distance of the relative-position bias, as configured. */
  readonly maxRelativeDistance: number;
  /** Longest sequence the layer takes, or null for any. */
  readonly maxSequenceLength: number | null;
  /** Largest distance with its own table column: `maxRelativeDistance`, or less when the sequences cannot reach it. */
  readonly tableDistance: number;
  /** Dropout rate on attention probabilities. */
  readonly attentionDropout: number;
  /** Seed of the initializers and the dropout stream. */
  readonly seed: number;
  private readonly dropout: DropoutMaskStream;
  private qkvKernel?: tf.LayerVariable;
  private queryBias?: tf.LayerVariable;
  private valueBias?: tf.LayerVariable;
  private outputKernel?: tf.LayerVariable;
  private outputBias?: tf.LayerVariable;
  private relativeBias?: tf.LayerVariable;

  constructor(args: RelativePositionSelfAttentionArgs) {
    super(args);
    if (!Number.isInteger(args.numHeads) || args.numHeads < 1) throw new RangeError(`${this.name}: numHeads must be a positive integer, got ${args.numHeads}`);
    if (!Number.isInteger(args.maxRelativeDistance) || args.maxRelativeDistance < 1) {
      throw new RangeError(`${this.name}: maxRelativeDistance must be a positive integer, got ${args.maxRelativeDistance}`);
    }
    const maxSequenceLength = args.maxSequenceLength ?? null;
    if (maxSequenceLength !== null && (!Number.isInteger(maxSequenceLength) || maxSequenceLength < 1)) {
      throw new RangeError(`${this.name}: maxSequenceLength must be a positive integer or null, got ${maxSequenceLength}`);
    }
    this.numHeads = args.numHeads;
    this.maxRelativeDistance = args.maxRelativeDistance;
    this.maxSequenceLength = maxSequenceLength;
    this.tableDistance = maxSequenceLength === null ? args.maxRelativeDistance : Math.min(args.maxRelativeDistance, maxSequenceLength - 1);
    this.attentionDropout = args.attentionDropout ?? 0;
    this.seed = args.seed;
    this.dropout = new DropoutMaskStream(this.attentionDropout, args.seed);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [shape] = shapeList(inputShape);
    const width = shape[2];
    if (shape.length !== 3 || width === null || width === undefined) {
      throw new TypeError(`${this.name}: expected tokens [B, T, D] with a static D, got [${shape.join(', ')}]`);
    }
    if (width % this.numHeads !== 0) throw new RangeError(`${this.name}: width ${width} is not divisible by ${this.numHeads} heads`);
    const glorot = (salt: number) => tf.initializers.glorotUniform({ seed: this.seed + salt });
    this.qkvKernel = this.addWeight('qkv_kernel', [width, 3 * width], 'float32', glorot(1));
    this.queryBias = this.addWeight('query_bias', [width], 'float32', tf.initializers.zeros());
    this.valueBias = this.addWeight('value_bias', [width], 'float32', tf.initializers.zeros());
    this.outputKernel = this.addWeight('output_kernel', [width, width], 'float32', glorot(2));
    this.outputBias = this.addWeight('output_bias', [width], 'float32', tf.initializers.zeros());
    // Small random rather than zero, so a fresh model already tells positions apart (T5 initializes it randomly too).
    this.relativeBias = this.addWeight(
      'relative_bias',
      [this.numHeads, relativeBiasTableWidth(this.tableDistance)],
      'float32',
      tf.initializers.truncatedNormal({ stddev: 0.02, seed: this.seed + 3 }),
    );
    this.built = true;
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
      const tokens = inputList(inputs)[0] as tf.Tensor3D;
      if (!this.qkvKernel || !this.queryBias || !this.valueBias || !this.outputKernel || !this.outputBias || !this.relativeBias) {
        throw new Error(`${this.name}: called before build`);
      }
      const length = tokens.shape[1];
      if (this.maxSequenceLength !== null && length > this.maxSequenceLength) {
        throw new RangeError(`${this.name}: built for sequences of at most ${this.maxSequenceLength} tokens, got ${length}`);
      }
      const [query, key, value] = tf.split(projectTokens(tokens, this.qkvKernel.read() as tf.Tensor2D), 3, 2) as tf.Tensor3D[];
      const { output } = multiHeadAttention({
        query: tf.add(query, this.queryBias.read()) as tf.Tensor3D,
        key,
        value: tf.add(value, this.valueBias.read()) as tf.Tensor3D,
        numHeads: this.numHeads,
        logitBias: relativePositionBias(this.relativeBias.read(), length, this.tableDistance),
        dropout: isTraining(kwargs) ? this.dropout : undefined,
      });
      return projectTokens(output, this.outputKernel.read() as tf.Tensor2D, this.outputBias.read() as tf.Tensor1D);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return shapeList(inputShape)[0];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      maxRelativeDistance: this.maxRelativeDistance,
      maxSequenceLength: this.maxSequenceLength,
      attentionDropout: this.attentionDropout,
      seed: this.seed,
    };
  }
}
tf.serialization.registerClass(RelativePositionSelfAttention);
