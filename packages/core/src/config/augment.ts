/** Augmentation configuration (train only; test uses a center crop of `cropSize`). */
import { z } from 'zod';

const range = (low: number, high: number) =>
  z
    .tuple([z.number(), z.number()])
    .refine(([a, b]) => a <= b, { message: 'expected [low, high] with low <= high' })
    .default([low, high]);

/** Spatial and temporal augmentations applied per clip (the same spatial draw for every frame). */
export const augmentConfigSchema = z.strictObject({
  /** Output frame size (square) after cropping. */
  cropSize: z.number().int().positive().default(112),
  /** Test time: the short side is resized to `round(cropSize * testResizeRatio)` before the center crop (128 -> 112). */
  testResizeRatio: z.number().min(1).default(8 / 7),
  /** Random resized crop (Inception-style). */
  randomResizedCrop: z
    .strictObject({
      enabled: z.boolean().default(true),
      /**
       * Fraction of the frame area kept. Default [0.85, 1]: at the default run's short CPU budget the model underfits,
       * and milder crops trained better (docs/accuracy.md); long runs and real A2D want more (e.g. [0.4, 1]).
       */
      scale: range(0.85, 1),
      /** Aspect ratio range of the crop. */
      ratio: range(3 / 4, 4 / 3),
    })
    .prefault({}),
  /** Multi-scale corner/center crop (TSN); used instead of the random resized crop when enabled. */
  multiScaleCrop: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Crop side as a fraction of the short side. */
      scales: z.array(z.number().positive().max(1)).min(1).default([1, 0.875, 0.75, 0.66]),
      /** Largest index gap between the scales drawn for width and height (TSN `max_distort`). */
      maxDistort: z.number().int().nonnegative().default(1),
    })
    .prefault({}),
  /** Probability of a horizontal flip. */
  flipProb: z.number().min(0).max(1).default(0.5),
  /**
   * Color jitter: factors drawn uniformly from [1 - x, 1 + x] (hue: shift in [-x, x] turns). Off by default (prob 0):
   * in the synthetic set colour tells the actor, and at the default budget jitter only slowed learning
   * (docs/accuracy.md); the strengths below apply when `prob` is raised (torchvision-like 0.8 for real A2D).
   */
  colorJitter: z
    .strictObject({
      prob: z.number().min(0).max(1).default(0),
      brightness: z.number().min(0).default(0.3),
      contrast: z.number().min(0).default(0.3),
      saturation: z.number().min(0).default(0.3),
      hue: z.number().min(0).max(0.5).default(0.05),
      /** Apply the four adjustments in a random order per clip (torchvision `ColorJitter`). */
      randomOrder: z.boolean().default(true),
    })
    .prefault({}),
  /** Random erasing (a rectangle filled with noise, the same on every frame). */
  randomErasing: z
    .strictObject({
      /** Off by default: the default budget underfits (docs/accuracy.md); 0.25 is the usual value for long runs. */
      prob: z.number().min(0).max(1).default(0),
      area: range(0.02, 0.2),
      ratio: range(0.3, 3.3),
    })
    .prefault({}),
  /** Temporal augmentation. */
  temporal: z
    .strictObject({
      /** Jitter sampled frame positions within their segments. */
      jitter: z.boolean().default(true),
      /** Probability of a random speed change (consecutive sampling stride drawn from `strides`). */
      speedProb: z.number().min(0).max(1).default(0.2),
      strides: z.array(z.number().int().positive()).min(1).default([1, 2, 3]),
    })
    .prefault({}),
  /**
   * Batch-level mixing into soft targets for both heads: lambda ~ Beta(alpha, alpha), applied with `prob`.
   * `alpha` 0 disables; when both are enabled each batch picks one of the two with equal chance.
   */
  mixup: z.strictObject({ alpha: z.number().min(0).default(0), prob: z.number().min(0).max(1).default(1) }).prefault({}),
  /** CutMix: one box per batch, the same on every frame; lambda is corrected to the box area actually pasted. */
  cutmix: z.strictObject({ alpha: z.number().min(0).default(0), prob: z.number().min(0).max(1).default(1) }).prefault({}),
});

export type AugmentConfig = z.infer<typeof augmentConfigSchema>;
