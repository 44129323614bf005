/**
 * A 2D convolution without bias or activation (what every backbone convolution is: a batch norm follows), NHWC,
 * computed with `tf.conv2d`. tfjs-layers' `Conv2D` always goes through `tf.fused.conv2d`, whose custom gradient
 * computes the gradient of every input: for a network's first convolution that is a full-resolution
 * `Conv2DBackpropInput` of the frames, which no weight needs (4% of a default training step, `layers:profile`).
 * Through `tf.conv2d` the gradient tape leaves it out, and computes it only when asked for (gradients with respect
 * to the input, e.g. for explanations). Same weights (`<name>/kernel`, [k, k, in, filters]) and the same function as
 * tfjs-layers' `Conv2D`, whose saved models still load with it.
 */
import { tf } from '@a2d/engine';
import { inputList, shapeList, type Kwargs, type LayerArgs } from '../layer-types';

/** Arguments of `PlainConv2D`. */
export interface PlainConv2DArgs extends LayerArgs {
  filters: number;
  kernelSize: number;
  /** Stride on both spatial axes (default 1). */
  strides?: number;
  /** TensorFlow's `same` (default) or `valid`. */
  padding?: 'same' | 'valid';
  /** How the kernel starts (default Glorot uniform, as tfjs-layers). Not saved: a reloaded model loads its weights. */
  kernelInitializer?: KernelInitializer;
}

/** An initializer as `Layer.addWeight` takes it (`tf.initializers.*`). */
type KernelInitializer = NonNullable<Parameters<tf.layers.Layer['addWeight']>[3]>;

/** Output size of one spatial axis (TensorFlow's rule). */
function outputSize(size: number | null, kernel: number, stride: number, padding: 'same' | 'valid'): number | null {
  if (size === null) return null;
  return padding === 'same' ? Math.ceil(size / stride) : Math.ceil((size - kernel + 1) / stride);
}

/** `[N, H, W, C]` -> `[N, H', W', filters]`. */
export class PlainConv2D extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'A2dConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: 'same' | 'valid';
  private readonly kernelInitializer: KernelInitializer;
  private kernel?: tf.LayerVariable;

  constructor(args: PlainConv2DArgs) {
    super(args);
    const positive = (value: number, what: string) => {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`PlainConv2D ${this.name}: ${what} must be a positive integer, got ${value}`);
      return value;
    };
    this.filters = positive(args.filters, 'filters');
    this.kernelSize = positive(args.kernelSize, 'kernelSize');
    this.strides = positive(args.strides ?? 1, 'strides');
    this.padding = args.padding ?? 'same';
    this.kernelInitializer = args.kernelInitializer ?? tf.initializers.glorotUniform({});
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [shape] = shapeList(inputShape);
    const channels = shape[3];
    if (shape.length !== 4 || typeof channels !== 'number') throw new TypeError(`PlainConv2D ${this.name}: expected [N, H, W, C] with a known C, got [${shape.join(', ')}]`);
    this.kernel = this.addWeight('kernel', [this.kernelSize, this.kernelSize, channels, this.filters], 'float32', this.kernelInitializer);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x] = inputList(inputs);
      if (!this.kernel) throw new Error(`PlainConv2D ${this.name}: called before build`);
      return tf.conv2d(x as tf.Tensor4D, this.kernel.read() as tf.Tensor4D, this.strides, this.padding);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [shape] = shapeList(inputShape);
    return [shape[0], outputSize(shape[1], this.kernelSize, this.strides, this.padding), outputSize(shape[2], this.kernelSize, this.strides, this.padding), this.filters];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.padding };
  }
}
tf.serialization.registerClass(PlainConv2D);
