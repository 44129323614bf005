/** @a2d/losses: classification losses of both heads, class-imbalance weights and the combined two-step loss. */

// The combined loss of both heads (cross-entropy or focal, class weights, consistency), as training uses it.
export { TwoStepLoss } from './two-step-loss';
export type { HeadLossSettings, TwoStepClassCounts, TwoStepLossResult, TwoStepOutputs, TwoStepTargets } from './two-step-loss';

// Per-head losses on hard or soft targets (label smoothing, focal).
export type { ClassTargets } from './class-targets';
export { crossEntropy } from './cross-entropy';
export type { CrossEntropyOptions } from './cross-entropy';
export { focalLoss } from './focal-loss';
export type { FocalLossOptions } from './focal-loss';

// Class counts of a training split (the input of class-frequency weights).
export { countClassOccurrences } from './class-frequency-weights';

// The typed error for inputs a loss cannot take.
export { LossInputError } from './loss-input-error';
