/**
 * The training loss of the two-step model: step-1 action loss, step-2 actor loss and the action-actor
 * consistency term, weighted as `loss.weights` says, each term returned for logging.
 */
import { lossConfigSchema, NUM_ACTIONS, NUM_ACTORS, parseConfig, type LossConfig, type PerHeadClassValues } from '@a2d/core';
import { tf } from '@a2d/engine';
import { classFrequencyWeights } from './class-frequency-weights';
import type { ClassTargets } from './class-targets';
import { consistencyLoss } from './consistency-loss';
import { crossEntropy } from './cross-entropy';
import { focalLoss } from './focal-loss';
import { LossInputError } from './loss-input-error';

/** What the model produced for one batch. */
export interface TwoStepOutputs {
  /** `[B, 8]` step-1 action logits. */
  actionLogits: tf.Tensor2D;
  /** `[B, 7]` step-2 actor logits, conditioned on `conditionedAction`. */
  actorLogits: tf.Tensor2D;
  /** `[B]` action class index (0..7) fed to step 2 for each clip. */
  conditionedAction: tf.Tensor1D;
  /** Optional `[B, 8, 7]` step-2 logits under every action; when present the consistency term uses the full table. */
  actorLogitsTable?: tf.Tensor3D;
}

/** The batch's targets per head: class indices `[B]` or soft targets `[B, C]` (mixup, CutMix). */
export interface TwoStepTargets {
  /** Step-1 targets over the 8 actions. */
  action: ClassTargets;
  /** Step-2 targets over the 7 actors (the true actor, whatever action step 2 was conditioned on). */
  actor: ClassTargets;
}

/** Scalars of one batch: `total` to minimise, `terms` unweighted for logging. */
export type TwoStepLossResult = {
  /** `weights.action * action + weights.actor * actor + weights.consistency * consistency`. */
  total: tf.Scalar;
  /** Each term before weighting. */
  terms: { action: tf.Scalar; actor: tf.Scalar; consistency: tf.Scalar };
};

/** Class occurrences in the training split, per head (needed by `balanced` class weights and adaptive alphas). */
export interface TwoStepClassCounts {
  /** 8 counts, action class order. */
  action: readonly number[];
  /** 7 counts, actor class order. */
  actor: readonly number[];
}

/** The per-class numbers one head's loss ended up with (saved with a run, so it can be reproduced). */
export interface HeadLossSettings {
  /** Class weights of the weighted batch mean; absent when unweighted. */
  classWeights?: number[];
  /** Focal alpha (scalar or per class); absent for cross-entropy or `alpha: none`. */
  alpha?: number | number[];
}

type Head = 'action' | 'actor';

/**
 * Builds the combined loss from the `loss` config section, validated again (an invalid one, e.g. `balanced` class
 * weights with `adaptive` focal alphas, throws `ConfigError`). `classCounts` is required when the config asks for
 * `balanced` class weights or `adaptive` focal alphas; a missing one throws `LossInputError` at construction.
 */
export class TwoStepLoss {
  /** The resolved per-class weights and alphas of each head. */
  readonly heads: Readonly<Record<Head, HeadLossSettings>>;
  /** The validated `loss` section. */
  readonly config: LossConfig;

  constructor(config: LossConfig, classCounts?: TwoStepClassCounts) {
    this.config = parseConfig(lossConfigSchema, config, 'loss');
    if (classCounts) {
      checkCounts(classCounts.action, NUM_ACTIONS, 'classCounts.action');
      checkCounts(classCounts.actor, NUM_ACTORS, 'classCounts.actor');
    }
    this.heads = {
      action: resolveHead(this.config, 'action', classCounts),
      actor: resolveHead(this.config, 'actor', classCounts),
    };
  }

  /**
   * The loss of one batch. Returns four new scalars the caller owns (`tf.dispose(result)` frees them all); inputs
   * are not disposed. Inside `optimizer.minimize` / `tf.variableGrads`, which dispose everything but the returned
   * scalar, `tf.keep` the terms to log them afterwards.
   */
  compute(outputs: TwoStepOutputs, targets: TwoStepTargets): TwoStepLossResult {
    const { weights } = this.config;
    return tf.tidy(() => {
      const action = this.headLoss('action', outputs.actionLogits, targets.action);
      const actor = this.headLoss('actor', outputs.actorLogits, targets.actor);
      const actionProbs = tf.softmax(outputs.actionLogits) as tf.Tensor2D;
      const consistency = outputs.actorLogitsTable
        ? consistencyLoss({ actionProbs, actorTable: tf.softmax(outputs.actorLogitsTable) as tf.Tensor3D })
        : consistencyLoss({
            actionProbs,
            actorProbs: tf.softmax(outputs.actorLogits) as tf.Tensor2D,
            conditionedAction: outputs.conditionedAction,
          });
      const total = tf.addN([
        tf.mul(action, weights.action),
        tf.mul(actor, weights.actor),
        tf.mul(consistency, weights.consistency),
      ]) as tf.Scalar;
      return { total, terms: { action, actor, consistency } };
    });
  }

  private headLoss(head: Head, logits: tf.Tensor2D, targets: ClassTargets): tf.Scalar {
    const { classWeights, alpha } = this.heads[head];
    const { labelSmoothing, kind, focal } = this.config;
    const argument = `${head}Logits`;
    const classes = head === 'action' ? NUM_ACTIONS : NUM_ACTORS;
    if (logits.rank !== 2 || logits.shape[1] !== classes) {
      throw new LossInputError(argument, `expected shape [batch, ${classes}], got [${logits.shape.join(', ')}]`);
    }
    return kind === 'focal'
      ? focalLoss(logits, targets, { gamma: focal.gamma, alpha, labelSmoothing, classWeights })
      : crossEntropy(logits, targets, { labelSmoothing, classWeights });
  }
}

function checkCounts(counts: readonly number[], classes: number, argument: string): void {
  if (counts.length !== classes) throw new LossInputError(argument, `expected ${classes} counts, got ${counts.length}`);
}

function requireCounts(counts: TwoStepClassCounts | undefined, setting: string): TwoStepClassCounts {
  if (!counts) {
    throw new LossInputError('classCounts', `${setting} needs the class counts of the training split, got none`);
  }
  return counts;
}

function perHead(values: PerHeadClassValues, head: Head): number[] {
  return [...values[head]];
}

function resolveHead(config: LossConfig, head: Head, counts: TwoStepClassCounts | undefined): HeadLossSettings {
  const settings: HeadLossSettings = {};
  const { classWeights } = config;
  if (classWeights === 'balanced') {
    // scikit-learn's `balanced` is inverse frequency; its scale cancels in the weighted batch mean.
    const headCounts = requireCounts(counts, "loss.classWeights 'balanced'")[head];
    settings.classWeights = classFrequencyWeights(headCounts, { kind: 'inverse' });
  } else if (classWeights !== 'none') {
    settings.classWeights = perHead(classWeights, head);
  }
  if (config.kind === 'focal') {
    const { alpha, adaptive } = config.focal;
    if (alpha === 'adaptive') {
      const headCounts = requireCounts(counts, "loss.focal.alpha 'adaptive'")[head];
      settings.alpha = classFrequencyWeights(headCounts, adaptive);
    } else if (typeof alpha === 'number') {
      settings.alpha = alpha;
    } else if (alpha !== 'none') {
      settings.alpha = perHead(alpha, head);
    }
  }
  return settings;
}
