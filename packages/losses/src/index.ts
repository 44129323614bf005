/** @a2d/losses: classification losses of both heads, class-imbalance weights, consistency and the combined loss. */
export { LossInputError } from './loss-input-error';
export type { ClassTargets } from './class-targets';
export { crossEntropy } from './cross-entropy';
export type { CrossEntropyOptions } from './cross-entropy';
export { focalLoss } from './focal-loss';
export type { FocalLossOptions } from './focal-loss';
export { classFrequencyWeights, countClassOccurrences } from './class-frequency-weights';
export type { ClassFrequencyWeightingOptions } from './class-frequency-weights';
export { consistencyLoss } from './consistency-loss';
export type { ActorProbabilityTable, ConditionedActorProbabilities } from './consistency-loss';
export { TwoStepLoss } from './two-step-loss';
export type {
  HeadLossSettings,
  TwoStepClassCounts,
  TwoStepLossResult,
  TwoStepOutputs,
  TwoStepTargets,
} from './two-step-loss';
