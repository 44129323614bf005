/**
 * The learned action embedding that conditions step 2. It takes the action as a one-hot (or soft) vector and
 * multiplies it by the table, so training needs only a matmul gradient (no gather gradient) on every backend,
 * and a mixed or soft action (mixup targets) embeds as the matching mixture of rows.
 */
import { tf } from '@a2d/engine';
import { inputList, shapeList, type Kwargs, type LayerArgs } from './layer-types';

/** Arguments of `ActionEmbedding`. */
export interface ActionEmbeddingArgs extends LayerArgs {
  /** Rows of the table (the one-hot width). */
  numActions: number;
  /** Width of each embedding. */
  embeddingDim: number;
  /** Seed of the table's initializer. */
  seed: number;
}

/** `[B, numActions]` one-hot -> `[B, embeddingDim]`. */
export class ActionEmbedding extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'ActionEmbedding';
  /** Rows of the table. */
  readonly numActions: number;
  /** Width of each embedding. */
  readonly embeddingDim: number;
  /** Seed of the table's initializer. */
  readonly seed: number;
  private table?: tf.LayerVariable;

  constructor(args: ActionEmbeddingArgs) {
    super(args);
    this.numActions = args.numActions;
    this.embeddingDim = args.embeddingDim;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [shape] = shapeList(inputShape);
    if (shape.length !== 2 || shape[1] !== this.numActions) {
      throw new TypeError(`${this.name}: expected one-hot actions [B, ${this.numActions}], got [${shape.join(', ')}]`);
    }
    // keras' Embedding initializer
    const initializer = tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: this.seed });
    this.table = this.addWeight('embeddings', [this.numActions, this.embeddingDim], 'float32', initializer);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!this.table) throw new Error(`${this.name}: called before build`);
      return tf.matMul(inputList(inputs)[0] as tf.Tensor2D, this.table.read() as tf.Tensor2D);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [shapeList(inputShape)[0][0], this.embeddingDim];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numActions: this.numActions, embeddingDim: this.embeddingDim, seed: this.seed };
  }
}
tf.serialization.registerClass(ActionEmbedding);
