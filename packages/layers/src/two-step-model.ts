/**
 * `TwoStepModel`: step 1 maps a clip to action logits (8 video-level actions); step 2 maps (clip, action) to
 * actor logits (7). Training feeds step 2 the ground-truth, the predicted, or a scheduled mix of actions;
 * inference is sequential (step 1's argmax conditions step 2), optionally with constrained decoding.
 * Saving writes one tfjs LayersModel whose user metadata carries the model config, validated again on load.
 */
import { z } from 'zod';
import { tf } from '@a2d/engine';
import { modelConfigSchema, NUM_ACTIONS, parseConfig, type ModelConfig, type Rng } from '@a2d/core';
import { fileSystemIO } from './backbones/file-system-io';
import { MODEL_FORMAT_VERSION, upgradingLoader } from './checkpoint-upgrade';
import { decodeConstrained, type ActionCandidate, type DecodedPair } from './constrained-decoding';
import { chooseConditioningActions, type ConditioningChoice } from './scheduled-sampling';
import { TwoStepModelError } from './two-step-model-error';
import { buildTwoStepNetwork, twoStepNetworkOf, type TwoStepNetwork } from './two-step-network';

/** What a saved model records about itself (the LayersModel's user-defined metadata). */
export const twoStepModelMetadataSchema = z.object({
  format: z.literal('a2d-two-step-model'),
  /** 2 since the attention layers lost their dead weights; `load` upgrades version 1 (see `checkpoint-upgrade.ts`). */
  version: z.literal(MODEL_FORMAT_VERSION),
  config: modelConfigSchema,
  /** Side of the square input frames. */
  inputSize: z.number().int().positive(),
  /** Frames per clip the model was built for; null accepts any length. */
  numFrames: z.number().int().positive().nullable(),
  /** The model seed its initializers and dropout streams derive from. */
  seed: z.number().int().nonnegative(),
});

/** A saved model's metadata. */
export type TwoStepModelMetadata = z.infer<typeof twoStepModelMetadataSchema>;

/** Options of `TwoStepModel.create`. */
export interface CreateTwoStepModelOptions {
  /** The `model` section of the config. */
  config: ModelConfig;
  /** Side of the square input frames (the crop size). */
  inputSize: number;
  /** Frames per clip; omit or null to accept any clip length. */
  numFrames?: number | null;
  /** Draws the model seed. */
  rng: Rng;
}

/** Step 1's outputs and both token sequences, from which step 2 can run for any action. */
export interface EncodedClips {
  /** [B, 8] */
  actionLogits: tf.Tensor2D;
  /** [B, T, D] action stream tokens (step 2's keys and values). */
  actionTokens: tf.Tensor3D;
  /** [B, T, D] actor stream tokens (step 2's queries). */
  actorTokens: tf.Tensor3D;
}

/** Both heads' logits. */
export interface TwoStepLogits {
  /** [B, 8] */
  actionLogits: tf.Tensor2D;
  /** [B, 7] */
  actorLogits: tf.Tensor2D;
}

/** The conditioning of a training batch: the one-hot tensor step 2 takes, and how it was chosen. */
export interface TrainingConditioning extends ConditioningChoice {
  /** [B, 8] one-hot of `actions`; a constant (no gradient flows into step 1 through it). The caller disposes it. */
  conditionAction: tf.Tensor2D;
}

/** Sequential decoding of one clip. */
export interface TwoStepPrediction {
  /** Action class index: the argmax of step 1's logits, the action step 2 was conditioned on. */
  action: number;
  /** Actor class index: step 2's argmax given `action`. */
  actor: number;
  /** Step 1's p(action), 8 values. */
  actionProbabilities: number[];
  /** Step 2's p(actor | action), 7 values. */
  actorProbabilities: number[];
}

/** Constrained decoding of one clip, with the plain sequential result computed on the way. */
export interface ConstrainedPrediction extends DecodedPair {
  /** Plain sequential decoding (the top candidate's best actor, valid pair or not). */
  sequential: TwoStepPrediction;
  /** The re-scored actions, most probable first. */
  candidates: ActionCandidate[];
}

function oneHotActions(actions: readonly number[]): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d([...actions], 'int32'), NUM_ACTIONS).toFloat() as tf.Tensor2D);
}

function argMaxOf(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * A clip's actions ranked by step 1's logits, highest first (ties: lower index first, as `tf.argMax` breaks them).
 * Logits, not probabilities: float32 softmax can tie where the logits do not, and the top action must be the one
 * `predict` conditions step 2 on.
 */
function actionOrder(logits: readonly number[]): number[] {
  return logits.map((_, action) => action).sort((a, b) => logits[b] - logits[a] || a - b);
}

/** The two-step actor-action classifier. */
export class TwoStepModel {
  private constructor(
    /** The functional models over the shared layers. */
    readonly network: TwoStepNetwork,
    /** What the model was built from (saved with it). */
    readonly metadata: TwoStepModelMetadata,
  ) {}

  /** Builds a model with fresh weights; an invalid config throws `ConfigError`, a bad size `TwoStepModelError`. */
  static create(options: CreateTwoStepModelOptions): TwoStepModel {
    const config = parseConfig(modelConfigSchema, options.config, 'model');
    const metadata: TwoStepModelMetadata = {
      format: 'a2d-two-step-model',
      version: MODEL_FORMAT_VERSION,
      config,
      inputSize: options.inputSize,
      numFrames: options.numFrames ?? null,
      seed: options.rng.int(0, 0x7fffffff),
    };
    const parsed = twoStepModelMetadataSchema.safeParse(metadata);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new TwoStepModelError(issue?.path.join('.') ?? 'options', issue?.message ?? 'invalid options');
    }
    return new TwoStepModel(buildTwoStepNetwork({ ...metadata, config }), metadata);
  }

  /**
   * Loads a model saved by `save`: from a folder (or its model.json) or through any `IOHandler`. A version-1
   * checkpoint loads with its never-learning attention weights dropped (outputs unchanged; see `checkpoint-upgrade.ts`).
   */
  static async load(source: string | tf.io.IOHandler): Promise<TwoStepModel> {
    const full = await tf.loadLayersModel(upgradingLoader(typeof source === 'string' ? fileSystemIO(source) : source), { strict: true });
    const parsed = twoStepModelMetadataSchema.safeParse(full.getUserDefinedMetadata());
    if (!parsed.success) {
      full.dispose();
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
      throw new TwoStepModelError('userDefinedMetadata', `not a two-step model checkpoint (${issues})`);
    }
    return new TwoStepModel(twoStepNetworkOf(full, parsed.data.config.hiddenDim), parsed.data);
  }

  /** The model section it was built from. */
  get config(): ModelConfig {
    return this.metadata.config;
  }

  /** The variables an optimizer updates (batch-norm statistics excluded). */
  get trainableVariables(): tf.Variable[] {
    return this.network.full.trainableWeights.map((weight) => weight.read() as tf.Variable);
  }

  /** Number of weights (trainable and not). */
  countParams(): number {
    return this.network.full.countParams();
  }

  private checkFrames(frames: tf.Tensor): void {
    const { inputSize, numFrames } = this.metadata;
    const [, time, height, width, channels] = frames.shape;
    if (frames.rank !== 5 || height !== inputSize || width !== inputSize || channels !== 3 || (numFrames !== null && time !== numFrames)) {
      throw new TwoStepModelError(
        'frames',
        `expected [B, ${numFrames ?? 'T'}, ${inputSize}, ${inputSize}, 3], got [${frames.shape.join(', ')}]`,
      );
    }
  }

  private checkConditionAction(conditionAction: tf.Tensor, batch: number): void {
    if (conditionAction.rank !== 2 || conditionAction.shape[0] !== batch || conditionAction.shape[1] !== NUM_ACTIONS) {
      throw new TwoStepModelError('conditionAction', `expected one-hot [${batch}, ${NUM_ACTIONS}], got [${conditionAction.shape.join(', ')}]`);
    }
  }

  /** Both heads for a given conditioning action (one-hot [B, 8]); `training` enables dropout and batch statistics. */
  forward(frames: tf.Tensor5D, conditionAction: tf.Tensor2D, training = false): TwoStepLogits {
    this.checkFrames(frames);
    this.checkConditionAction(conditionAction, frames.shape[0]);
    const [actionLogits, actorLogits] = this.network.full.apply([frames, conditionAction], { training }) as tf.Tensor2D[];
    return { actionLogits, actorLogits };
  }

  /** Step 1 and both token sequences (the backbones run here, once). */
  encode(frames: tf.Tensor5D, training = false): EncodedClips {
    this.checkFrames(frames);
    const [actionLogits, actionTokens, actorTokens] = this.network.encoder.apply(frames, { training }) as [tf.Tensor2D, tf.Tensor3D, tf.Tensor3D];
    return { actionLogits, actionTokens, actorTokens };
  }

  /** Step 2 on encoded clips for a conditioning action (one-hot [B, 8]). */
  actorLogits(encoded: Pick<EncodedClips, 'actionTokens' | 'actorTokens'>, conditionAction: tf.Tensor2D, training = false): tf.Tensor2D {
    this.checkConditionAction(conditionAction, encoded.actorTokens.shape[0]);
    return this.network.actorStep.apply([encoded.actorTokens, encoded.actionTokens, conditionAction], { training }) as tf.Tensor2D;
  }

  /**
   * The action step 2 is fed in training, per the config's conditioning mode: ground truth, step 1's argmax, or
   * scheduled sampling at `epochProgress` (fraction of training done). `groundTruthActions` are class indices.
   */
  conditioningForTraining(actionLogits: tf.Tensor2D, groundTruthActions: readonly number[], epochProgress: number, rng: Rng): TrainingConditioning {
    if (actionLogits.rank !== 2 || actionLogits.shape[0] !== groundTruthActions.length || actionLogits.shape[1] !== NUM_ACTIONS) {
      throw new TwoStepModelError('actionLogits', `expected [${groundTruthActions.length}, ${NUM_ACTIONS}], got [${actionLogits.shape.join(', ')}]`);
    }
    const predictedActions = (): number[] => {
      const actions = tf.argMax(actionLogits, 1);
      const values = Array.from(actions.dataSync());
      actions.dispose();
      return values;
    };
    const choice = chooseConditioningActions(this.config.conditioning, groundTruthActions, predictedActions, epochProgress, rng);
    return { ...choice, conditionAction: oneHotActions(choice.actions) };
  }

  /** Sequential inference: step 1's argmax (of its logits) conditions step 2 and is the reported action. */
  predict(frames: tf.Tensor5D): TwoStepPrediction[] {
    const [actions, actionProbabilities, actorProbabilities] = tf.tidy(() => {
      const encoded = this.encode(frames);
      // One argmax, read back as the reported action: float32 probabilities can tie where the logits do not.
      const argMax = tf.argMax(encoded.actionLogits, 1);
      const conditionAction = tf.oneHot(argMax, NUM_ACTIONS).toFloat() as tf.Tensor2D;
      return [argMax, tf.softmax(encoded.actionLogits), tf.softmax(this.actorLogits(encoded, conditionAction))];
    });
    const chosen = Array.from(actions.dataSync());
    const actionRows = actionProbabilities.arraySync() as number[][];
    const actorRows = actorProbabilities.arraySync() as number[][];
    tf.dispose([actions, actionProbabilities, actorProbabilities]);
    return actionRows.map((actionRow, clip) => ({
      action: chosen[clip],
      actor: argMaxOf(actorRows[clip]),
      actionProbabilities: actionRow,
      actorProbabilities: actorRows[clip],
    }));
  }

  /**
   * Constrained decoding: step 2 runs for each of step 1's `topK` most probable actions (one batched pass over the
   * cached tokens) and the valid A2D pair maximizing p(action) * p(actor | action) is kept. Actions are ranked by
   * their logits, so the top candidate is `predict`'s action even where float32 probabilities tie.
   */
  predictConstrained(frames: tf.Tensor5D, topK = this.config.constrainedDecoding.topK): ConstrainedPrediction[] {
    if (!Number.isInteger(topK) || topK < 1 || topK > NUM_ACTIONS) {
      throw new TwoStepModelError('topK', `expected an integer in 1..${NUM_ACTIONS}, got ${topK}`);
    }
    const encoded = this.encode(frames);
    try {
      const actionRows = tf.tidy(() => tf.softmax(encoded.actionLogits).arraySync() as number[][]);
      const logitRows = encoded.actionLogits.arraySync();
      const batch = actionRows.length;
      const ranked = logitRows.map((row) => actionOrder(row).slice(0, topK));
      // Row rank * batch + clip holds the clip's rank-th action.
      const conditions = Array.from({ length: topK * batch }, (_, row) => ranked[row % batch][Math.floor(row / batch)]);
      const actorRows = tf.tidy(() => {
        const tile = (tokens: tf.Tensor3D) => tf.concat(new Array<tf.Tensor3D>(topK).fill(tokens), 0);
        const logits = this.actorLogits(
          { actorTokens: tile(encoded.actorTokens), actionTokens: tile(encoded.actionTokens) },
          oneHotActions(conditions),
        );
        return tf.softmax(logits).arraySync() as number[][];
      });
      return actionRows.map((actionRow, clip) => {
        const candidates = ranked[clip].map((action, rank) => ({
          action,
          actionProbability: actionRow[action],
          actorProbabilities: actorRows[rank * batch + clip],
        }));
        const top = candidates[0];
        const sequential: TwoStepPrediction = {
          action: top.action,
          actor: argMaxOf(top.actorProbabilities),
          actionProbabilities: actionRow,
          actorProbabilities: top.actorProbabilities,
        };
        return { ...decodeConstrained(candidates), sequential, candidates };
      });
    } finally {
      tf.dispose([encoded.actionLogits, encoded.actionTokens, encoded.actorTokens]);
    }
  }

  /** Saves the network with its metadata: to a folder (`model.json` + `weights.bin`, atomic writes) or any `IOHandler`. */
  async save(destination: string | tf.io.IOHandler): Promise<tf.io.SaveResult> {
    this.network.full.setUserDefinedMetadata(this.metadata);
    return this.network.full.save(typeof destination === 'string' ? fileSystemIO(destination) : destination);
  }

  /** Frees the weights. */
  dispose(): void {
    this.network.full.dispose();
    // Step 2's layers are also used by the `actorStep` view (two uses, two references): release the second.
    this.network.actorStep.dispose();
  }
}
