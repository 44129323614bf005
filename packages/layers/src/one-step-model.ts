/**
 * `OneStepModel`: the baseline the two-step design is measured against. The same per-frame backbone, token
 * projection and temporal transformer as step 1 of `TwoStepModel`, then one head over the 36 video-level
 * (actor, action) pairs. Its action and actor are read off the most probable pair, which is always valid.
 */
import { z } from 'zod';
import { tf } from '@a2d/engine';
import { actionIndexOf, actorIndexOf, modelConfigSchema, NUM_ACTIONS, NUM_ACTORS, parseConfig, VIDEO_LEVEL_LABELS, type ModelConfig, type Rng } from '@a2d/core';
import { fileSystemIO } from './backbones/file-system-io';
import { MODEL_FORMAT_VERSION, upgradingLoader } from './checkpoint-upgrade';
import { layerSeed } from './layer-seed';
import { SeededDropout } from './seeded-dropout';
import { applySymbolic } from './symbolic-layer-output';
import { frameFeatures } from './frame-motion';
import { streamTokens } from './two-step-network';
import { TwoStepModelError } from './two-step-model-error';
import { twoStepModelMetadataSchema } from './two-step-model';

/** Number of classes of the one-step head: the A2D video-level pairs. */
export const NUM_PAIRS = VIDEO_LEVEL_LABELS.length;

/** Pair class index -> action and actor class indices. */
export const PAIR_CLASSES: readonly { action: number; actor: number; code: number }[] = VIDEO_LEVEL_LABELS.map((code) => ({
  code,
  actor: actorIndexOf(Math.floor(code / 10)),
  action: actionIndexOf(code % 10),
}));

/** The pair class of an (action, actor) class-index pair, or -1 when it is not a video-level pair. */
export function pairIndexOf(action: number, actor: number): number {
  return PAIR_CLASSES.findIndex((pair) => pair.action === action && pair.actor === actor);
}

/** What a saved one-step model records about itself: the two-step model's fields under its own format name. */
export const oneStepModelMetadataSchema = twoStepModelMetadataSchema.extend({ format: z.literal('a2d-one-step-model') });

/** A saved one-step model's metadata. */
export type OneStepModelMetadata = z.infer<typeof oneStepModelMetadataSchema>;

/** One clip decoded by the one-step model. */
export interface OneStepPrediction {
  pair: number;
  action: number;
  actor: number;
  /** p(pair), 36 values. */
  pairProbabilities: number[];
  /** Marginal p(action) = sum over the pairs with that action, 8 values. */
  actionProbabilities: number[];
  /** p(actor | predicted action) from the pair distribution, 7 values. */
  actorProbabilities: number[];
}

/** The one-step 36-way baseline. */
export class OneStepModel {
  private constructor(
    /** frames [B, T, S, S, 3] -> pair logits [B, 36]. */
    readonly network: tf.LayersModel,
    readonly metadata: OneStepModelMetadata,
  ) {}

  /** Builds a model with fresh weights. */
  static create(options: { config: ModelConfig; inputSize: number; numFrames?: number | null; rng: Rng }): OneStepModel {
    const config = parseConfig(modelConfigSchema, options.config, 'model');
    const metadata: OneStepModelMetadata = {
      format: 'a2d-one-step-model',
      version: MODEL_FORMAT_VERSION,
      config,
      inputSize: options.inputSize,
      numFrames: options.numFrames ?? null,
      seed: options.rng.int(0, 0x7fffffff),
    };
    const { inputSize, numFrames, seed } = metadata;
    const frames = tf.input({ shape: [numFrames, inputSize, inputSize, 3], name: 'frames' });
    const features = frameFeatures(frames, { config, seed, backbonePrefix: 'backbone/' });
    const tokens = streamTokens('action_stream', features, frames, { config, inputSize, numFrames, seed });
    let pooled = applySymbolic(tf.layers.globalAveragePooling1d({ name: 'action_stream/pool' }), tokens);
    pooled = applySymbolic(new SeededDropout({ name: 'pair_head/dropout', rate: config.dropout, seed: layerSeed(seed, 'pair_head/dropout') }), pooled);
    const logits = applySymbolic(
      tf.layers.dense({ name: 'pair_logits', units: NUM_PAIRS, kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(seed, 'pair_logits') }) }),
      pooled,
    );
    return new OneStepModel(tf.model({ name: 'one_step', inputs: frames, outputs: logits }), metadata);
  }

  /** Loads a model saved by `save`; a version-1 checkpoint is upgraded as `TwoStepModel.load` does. */
  static async load(source: string | tf.io.IOHandler): Promise<OneStepModel> {
    const network = await tf.loadLayersModel(upgradingLoader(typeof source === 'string' ? fileSystemIO(source) : source), { strict: true });
    const parsed = oneStepModelMetadataSchema.safeParse(network.getUserDefinedMetadata());
    if (!parsed.success) {
      network.dispose();
      throw new TwoStepModelError('userDefinedMetadata', 'not a one-step model checkpoint');
    }
    return new OneStepModel(network, parsed.data);
  }

  /** The model section it was built from. */
  get config(): ModelConfig {
    return this.metadata.config;
  }

  /** Pair logits [B, 36]; `training` enables dropout and batch statistics. */
  logits(frames: tf.Tensor5D, training = false): tf.Tensor2D {
    const { inputSize, numFrames } = this.metadata;
    const [, time, height, width, channels] = frames.shape;
    if (frames.rank !== 5 || height !== inputSize || width !== inputSize || channels !== 3 || (numFrames !== null && time !== numFrames)) {
      throw new TwoStepModelError('frames', `expected [B, ${numFrames ?? 'T'}, ${inputSize}, ${inputSize}, 3], got [${frames.shape.join(', ')}]`);
    }
    return this.network.apply(frames, { training }) as tf.Tensor2D;
  }

  /** Decodes pair probabilities (rows of 36) into per-clip predictions. */
  static decode(pairRows: readonly (readonly number[])[]): OneStepPrediction[] {
    return pairRows.map((row) => {
      let pair = 0;
      for (let i = 1; i < row.length; i++) if (row[i] > row[pair]) pair = i;
      const { action, actor } = PAIR_CLASSES[pair];
      const actionProbabilities = new Array<number>(NUM_ACTIONS).fill(0);
      const joint = new Array<number>(NUM_ACTORS).fill(0);
      row.forEach((p, i) => {
        actionProbabilities[PAIR_CLASSES[i].action] += p;
        if (PAIR_CLASSES[i].action === action) joint[PAIR_CLASSES[i].actor] += p;
      });
      const actorProbabilities = joint.map((p) => p / Math.max(actionProbabilities[action], 1e-12));
      return { pair, action, actor, pairProbabilities: [...row], actionProbabilities, actorProbabilities };
    });
  }

  /** Inference: the most probable pair per clip. */
  predict(frames: tf.Tensor5D): OneStepPrediction[] {
    const probabilities = tf.tidy(() => tf.softmax(this.logits(frames)));
    const rows = probabilities.arraySync() as number[][];
    probabilities.dispose();
    return OneStepModel.decode(rows);
  }

  /** Saves network + metadata (atomic writes). */
  async save(destination: string | tf.io.IOHandler): Promise<tf.io.SaveResult> {
    this.network.setUserDefinedMetadata(this.metadata);
    return this.network.save(typeof destination === 'string' ? fileSystemIO(destination) : destination);
  }

  /** Frees the weights. */
  dispose(): void {
    this.network.dispose();
  }
}
