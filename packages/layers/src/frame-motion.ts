/**
 * Motion-aware per-frame features. A per-frame backbone pooled to one vector cannot tell which of several
 * similar objects moved, so three options (config `model.motion`) give the temporal model more to go on:
 * - `frameDifferences`: each frame is fed with its difference to the previous frame as three more channels
 *   (early fusion; the first frame's difference is zero), so the backbone's first convolution sees motion.
 * - `tokenGrid`: the backbone's last feature map is average-pooled to a g x g grid (PyTorch's adaptive pooling
 *   bins) and flattened into the token projection, so each frame's token keeps where things are.
 * - `stream`: a second `tiny` backbone reads only the frame differences (late fusion, a two-stream network);
 *   its pooled features are concatenated to the appearance features of every frame.
 */
import { tf } from '@a2d/engine';
import type { ModelConfig } from '@a2d/core';
import { createBackbone } from './backbones/backbone';
import { inputList, shapeList, type Kwargs, type LayerArgs } from './layer-types';
import { layerSeed } from './layer-seed';
import { applySymbolic } from './symbolic-layer-output';
import { FoldTime } from './time-folding';
import { frameDifferencesKernel, hasFrameDifferencesKernel } from './kernels/frame-differences-kernel';

/**
 * `FrameDifferences` composed of tfjs ops (what backends without our one-pass kernel run, and the kernel's
 * reference): [B, T, H, W, C] -> [B, T, H, W, 2C] (frames, then x_t - x_{t-1}) or the differences alone.
 */
export function composedFrameDifferences(x: tf.Tensor, keepFrames: boolean): tf.Tensor {
  return tf.tidy(() => {
    const [batch, time, height, width, channels] = x.shape;
    const frameSize = height * width * channels;
    // Everything runs on 2D views: tfjs-backend-wasm slices rank-5 tensors element by element (~1 s for one
    // batch of 8 clips here), while 2D slices, pads and concats are plain copies.
    const flat = tf.reshape(x, [batch, time * frameSize]);
    const later = tf.slice(flat, [0, frameSize], [batch, (time - 1) * frameSize]);
    const earlier = tf.slice(flat, [0, 0], [batch, (time - 1) * frameSize]);
    // The first frame has no predecessor: its difference is zero, padded in front.
    const differences = tf.pad(tf.sub(later, earlier), [[0, 0], [frameSize, 0]]);
    if (!keepFrames) return tf.reshape(differences, x.shape);
    const pixels = batch * time * height * width;
    const both = tf.concat([tf.reshape(flat, [pixels, channels]), tf.reshape(differences, [pixels, channels])], 1);
    return tf.reshape(both, [batch, time, height, width, 2 * channels]);
  });
}

/** Arguments of `FrameDifferences`. */
export interface FrameDifferencesArgs extends LayerArgs {
  /** Keep the frames and append the differences (true), or output only the differences (false). */
  keepFrames?: boolean;
}

/** [B, T, H, W, C] -> [B, T, H, W, 2C] (frames, then x_t - x_{t-1}) or [B, T, H, W, C] (differences only). */
export class FrameDifferences extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'FrameDifferences';
  readonly keepFrames: boolean;

  constructor(args: FrameDifferencesArgs = {}) {
    super(args);
    this.keepFrames = args.keepFrames ?? true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x] = inputList(inputs);
      if (x.rank !== 5) throw new TypeError(`FrameDifferences ${this.name}: expected [B, T, H, W, C], got [${x.shape.join(', ')}]`);
      // One pass where the backend has our kernel (wasm, cpu): the composed ops below cost ~16% of a training step.
      if (x.dtype === 'float32' && hasFrameDifferencesKernel()) return frameDifferencesKernel(x as tf.Tensor5D, this.keepFrames);
      return composedFrameDifferences(x, this.keepFrames);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [shape] = shapeList(inputShape);
    if (shape.length !== 5) throw new TypeError(`FrameDifferences ${this.name}: expected [B, T, H, W, C], got [${shape.join(', ')}]`);
    const channels = shape[4];
    return [...shape.slice(0, 4), this.keepFrames && channels !== null ? 2 * channels : channels];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), keepFrames: this.keepFrames };
  }
}
tf.serialization.registerClass(FrameDifferences);

/** Arguments of `GridPool`. */
export interface GridPoolArgs extends LayerArgs {
  /** Cells per side of the output grid. */
  grid: number;
}

/** Start and end (exclusive) of adaptive-pooling bin `i` of `cells` over `size` (PyTorch's rule). */
function binOf(i: number, cells: number, size: number): [number, number] {
  return [Math.floor((i * size) / cells), Math.ceil(((i + 1) * size) / cells)];
}

/** The size and step of `cells` adaptive-pooling bins over `size` when every bin has one size at one step, else undefined. */
export function uniformBins(cells: number, size: number): { size: number; step: number } | undefined {
  const bins = Array.from({ length: cells }, (_, i) => binOf(i, cells, size));
  const width = bins[0][1] - bins[0][0];
  const step = cells > 1 ? bins[1][0] - bins[0][0] : 1;
  const uniform = bins.every(([start, end], i) => end - start === width && start === i * step);
  return uniform && step >= 1 ? { size: width, step } : undefined;
}

/** [N, h, w, C] -> [N, g*g*C]: average over each cell of a g x g grid (bins may overlap when g does not divide h). */
export class GridPool extends tf.layers.Layer {
  /** Serialization name. */
  static className = 'GridPool';
  readonly grid: number;

  constructor(args: GridPoolArgs) {
    super(args);
    if (!Number.isInteger(args.grid) || args.grid < 1) throw new RangeError(`GridPool: grid must be a positive integer, got ${args.grid}`);
    this.grid = args.grid;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const [x] = inputList(inputs);
      const [n, h, w, c] = x.shape;
      if (h < this.grid || w < this.grid) throw new RangeError(`GridPool ${this.name}: a ${h}x${w} map cannot be pooled to ${this.grid}x${this.grid}`);
      const rows = uniformBins(this.grid, h);
      const cols = uniformBins(this.grid, w);
      if (rows && cols) {
        // Bins of one size at one step (e.g. 7 -> 2: [0, 4) and [3, 7)) are one average pooling: one kernel, not g * g
        // slices and means (the slices of a 7x7 map took 3% of a default training step on native, layers:profile).
        const pooled = tf.avgPool(x as tf.Tensor4D, [rows.size, cols.size], [rows.step, cols.step], 'valid');
        return tf.reshape(pooled, [n, this.grid * this.grid * c]);
      }
      const cells: tf.Tensor[] = [];
      for (let i = 0; i < this.grid; i++) {
        const [y0, y1] = binOf(i, this.grid, h);
        for (let j = 0; j < this.grid; j++) {
          const [x0, x1] = binOf(j, this.grid, w);
          cells.push(tf.mean(tf.slice(x, [0, y0, x0, 0], [n, y1 - y0, x1 - x0, c]), [1, 2]));
        }
      }
      return tf.concat(cells, 1);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [shape] = shapeList(inputShape);
    const [h, w] = [shape[1], shape[2]];
    if ((typeof h === 'number' && h < this.grid) || (typeof w === 'number' && w < this.grid)) {
      throw new RangeError(`GridPool ${this.name}: a ${h}x${w} feature map cannot be pooled to ${this.grid}x${this.grid} (use a larger input or a smaller model.motion.tokenGrid)`);
    }
    const channels = shape[3];
    return [shape[0], channels === null || channels === undefined ? null : this.grid * this.grid * channels];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), grid: this.grid };
  }
}
tf.serialization.registerClass(GridPool);

/** Name prefixes of the appearance backbones a classifier may have: one shared, or one per step. */
export const APPEARANCE_BACKBONE_PREFIXES = ['backbone/', 'action_backbone/', 'actor_backbone/'] as const;

/** What `frameFeatures` builds on. */
export interface FrameFeatureOptions {
  config: ModelConfig;
  /** Model seed (layer seeds derive from it and the layer names). */
  seed: number;
  /** Name prefix of the appearance backbone (one of `APPEARANCE_BACKBONE_PREFIXES`). */
  backbonePrefix: (typeof APPEARANCE_BACKBONE_PREFIXES)[number];
  /** Where the motion stream is reused from when several appearance backbones share it. */
  motionStream?: { features: tf.SymbolicTensor | null };
}

/**
 * Per-frame features [B*T, F] of `frames` [B, T, S, S, 3] with the configured motion options. The layer
 * names of the motion-free path are the ones models had before these options existed.
 */
export function frameFeatures(frames: tf.SymbolicTensor, options: FrameFeatureOptions): tf.SymbolicTensor {
  const { config, seed, backbonePrefix } = options;
  const motion = config.motion;
  const input = motion.frameDifferences
    ? applySymbolic(new FrameDifferences({ name: `${backbonePrefix}frame_differences` }), frames)
    : frames;
  const folded = applySymbolic(new FoldTime({ name: backbonePrefix === 'backbone/' ? 'fold_time' : `${backbonePrefix}fold_time` }), input);
  const backbone = createBackbone(config.backbone, {
    dropPathRate: config.dropPathRate,
    namePrefix: backbonePrefix,
    seed: layerSeed(seed, backbonePrefix),
  });
  const output = backbone.apply(folded);
  let features =
    motion.tokenGrid > 1
      ? applySymbolic(new GridPool({ name: `${backbonePrefix}grid_pool`, grid: motion.tokenGrid }), output.featureMap)
      : output.pooled;
  if (motion.stream) {
    const shared = options.motionStream;
    let streamFeatures = shared?.features ?? null;
    if (streamFeatures === null) {
      const differences = applySymbolic(new FrameDifferences({ name: 'motion_stream/frame_differences', keepFrames: false }), frames);
      const foldedDifferences = applySymbolic(new FoldTime({ name: 'motion_stream/fold_time' }), differences);
      streamFeatures = createBackbone('tiny', { namePrefix: 'motion_stream/', seed: layerSeed(seed, 'motion_stream/') }).apply(foldedDifferences).pooled;
      if (shared) shared.features = streamFeatures;
    }
    features = applySymbolic(tf.layers.concatenate({ name: `${backbonePrefix}with_motion`, axis: -1 }), [features, streamFeatures]);
  }
  return features;
}
