/**
 * Which action conditions step 2 in training (Bengio et al. 2015, scheduled sampling): per clip, step 1's
 * prediction replaces the ground truth with a probability that follows the configured schedule of training
 * progress, so step 2 learns from clean actions early and from what inference will feed it later.
 */
import { NUM_ACTIONS, type ConditioningConfig, type Rng } from '@a2d/core';
import { TwoStepModelError } from './two-step-model-error';

/** Probability of feeding step 1's prediction at `progress` (fraction of training done, clamped to [0, 1]). */
export function predictionFeedProbability(conditioning: ConditioningConfig, progress: number): number {
  if (!Number.isFinite(progress)) throw new TwoStepModelError('epochProgress', `expected a number in [0, 1], got ${progress}`);
  if (conditioning.mode === 'ground-truth') return 0;
  if (conditioning.mode === 'predicted') return 1;
  const x = Math.min(1, Math.max(0, progress));
  const final = conditioning.finalPredictionProb;
  if (conditioning.schedule === 'linear') return final * x;
  // A logistic rescaled to pass exactly through 0 at the start and `final` at the end.
  const logistic = (t: number) => 1 / (1 + Math.exp(-conditioning.steepness * (t - conditioning.midpoint)));
  const start = logistic(0);
  return (final * (logistic(x) - start)) / (logistic(1) - start);
}

/** The conditioning actions of one training batch. */
export interface ConditioningChoice {
  /** Action class index (0..7) fed to step 2, per clip. */
  actions: number[];
  /** Whether the clip's action came from step 1's prediction (true) or the ground truth (false). */
  fedPrediction: boolean[];
  /** The schedule's probability of feeding the prediction at this point of training. */
  predictionProbability: number;
}

/**
 * Chooses step 2's action per clip. `predictedActions` is read only when some clip needs it (so a ground-truth
 * run never waits for step 1's logits); one draw from `rng` per clip decides, whatever the mode.
 */
export function chooseConditioningActions(
  conditioning: ConditioningConfig,
  groundTruthActions: readonly number[],
  predictedActions: () => readonly number[],
  progress: number,
  rng: Rng,
): ConditioningChoice {
  groundTruthActions.forEach((action, clip) => {
    if (!Number.isInteger(action) || action < 0 || action >= NUM_ACTIONS) {
      throw new TwoStepModelError(`groundTruthActions[${clip}]`, `expected an action class index in 0..${NUM_ACTIONS - 1}, got ${action}`);
    }
  });
  const predictionProbability = predictionFeedProbability(conditioning, progress);
  const fedPrediction = groundTruthActions.map(() => rng.next() < predictionProbability);
  const predicted = fedPrediction.some(Boolean) ? predictedActions() : [];
  if (predicted.length > 0 && predicted.length !== groundTruthActions.length) {
    throw new TwoStepModelError('actionLogits', `expected ${groundTruthActions.length} rows (one per clip), got ${predicted.length}`);
  }
  const actions = groundTruthActions.map((action, clip) => (fedPrediction[clip] ? predicted[clip] : action));
  return { actions, fedPrediction, predictionProbability };
}
