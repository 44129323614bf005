/** Loss configuration: the per-head classification loss, class imbalance handling and the weights of the terms. */
import { z } from 'zod';
import { NUM_ACTIONS, NUM_ACTORS } from '../taxonomy';

const perClass = (classes: number) =>
  z
    .array(z.number().nonnegative().finite())
    .length(classes, { message: `expected ${classes} per-class values` })
    .refine((values) => values.some((value) => value > 0), { message: 'expected at least one positive value' });

/** One array per head, in class-index order: 8 actions, 7 actors. */
export const perHeadClassValuesSchema = z.strictObject({
  action: perClass(NUM_ACTIONS),
  actor: perClass(NUM_ACTORS),
});

/** How class frequencies become weights (rarer class, larger weight); results are normalised to mean 1. */
export const frequencyWeightingSchema = z.strictObject({
  /**
   * `inverse`: 1/n; `sqrt-inverse`: 1/sqrt(n) (milder); `effective-number`: (1 - beta)/(1 - beta^n),
   * Cui et al. 2019, which saturates for frequent classes.
   */
  kind: z.enum(['inverse', 'sqrt-inverse', 'effective-number']).default('effective-number'),
  /** `effective-number` only: 0 gives equal weights, towards 1 approaches `inverse`. */
  beta: z.number().min(0).lt(1).default(0.999),
});

/** The loss section of the config tree. */
export const lossConfigSchema = z.strictObject({
  /** Per-head classification loss: cross-entropy or focal loss (Lin et al. 2017). */
  kind: z.enum(['ce', 'focal']).default('ce'),
  /** Label smoothing epsilon for both heads: targets become (1 - eps) * target + eps / classes. Default 0 (the default budget underfits; docs/accuracy.md). */
  labelSmoothing: z.number().min(0).lt(1).default(0),
  focal: z
    .strictObject({
      /** Focusing parameter; 0 turns focal loss into cross-entropy. */
      gamma: z.number().min(0).default(2),
      /**
       * Class factor: `none` (1), one scalar for every class, an array per head, or `adaptive`: computed from
       * the training split's class counts with `adaptive` weighting.
       */
      alpha: z
        .union([z.literal('none'), z.literal('adaptive'), z.number().positive().finite(), perHeadClassValuesSchema], {
          message: "expected 'none', 'adaptive', a positive number or { action: [8 numbers], actor: [7 numbers] }",
        })
        .default('none'),
      /** How `alpha: adaptive` turns class counts into factors. */
      adaptive: frequencyWeightingSchema.prefault({}),
    })
    .prefault({}),
  /**
   * Class weights of the weighted mean over the batch (both loss kinds): `none`, `balanced` (inverse class
   * frequency of the training split, as scikit-learn's `balanced`), or explicit arrays per head.
   */
  classWeights: z
    .union([z.literal('none'), z.literal('balanced'), perHeadClassValuesSchema], {
      message: "expected 'none', 'balanced' or { action: [8 numbers], actor: [7 numbers] }",
    })
    .default('none'),
  /** Weights of the terms in the total loss. */
  weights: z
    .strictObject({
      /** Step 1: action classification. */
      action: z.number().nonnegative().finite().default(1),
      /** Step 2: actor classification given the conditioned action. */
      actor: z.number().nonnegative().finite().default(1),
      /** Joint probability mass the two heads put on invalid (action, actor) pairs. */
      consistency: z.number().nonnegative().finite().default(0.1),
    })
    .refine((weights) => weights.action + weights.actor + weights.consistency > 0, {
      message: 'expected at least one positive loss weight',
    })
    .prefault({}),
}).superRefine((loss, context) => {
  // Both reweight each class by its training frequency: together they correct for imbalance twice (rare classes get
  // the square of their boost). Refused rather than warned: no documented setup wants it.
  if (loss.kind === 'focal' && loss.focal.alpha === 'adaptive' && loss.classWeights === 'balanced') {
    context.addIssue({
      code: 'custom',
      message: "'adaptive' with loss.classWeights 'balanced' corrects for class imbalance twice; keep one of them (set the other to 'none')",
      path: ['focal', 'alpha'],
      input: loss.focal.alpha,
    });
  }
});

export type LossConfig = z.infer<typeof lossConfigSchema>;
/** Per-class values for both heads (class weights or focal alphas). */
export type PerHeadClassValues = z.infer<typeof perHeadClassValuesSchema>;
/** A class-frequency weighting rule. */
export type FrequencyWeighting = z.infer<typeof frequencyWeightingSchema>;
