/**
 * `model-card.json`: what `viewer:build` writes next to the model and the page reads before anything else. It holds
 * everything the page needs to see a video as `evaluator:predict` sees it (sampling, decode size, frame cache, test
 * views and crops, the augment settings of the test transform, input normalization, constrained decoding), and
 * what a person wants to know about the model (experiment, data, test metrics, classes). One schema for the writer
 * (Node) and the reader (the page).
 */
import { z } from 'zod';
import { ACTORS, augmentConfigSchema, inputNormalizationSchema, samplingConfigSchema, VIDEO_ACTIONS } from '@a2d/core';

/** The file name, at the root of a built viewer folder. */
export const MODEL_CARD_FILE = 'model-card.json';
/** The model folder (tfjs LayersModel: `model.json` + weight shards), relative to the viewer folder. */
export const MODEL_DIR = 'model';

const percent = z.number().min(0).max(100);

/** The test metrics shown on the card (from `results/metrics.json`, when the experiment was evaluated). */
export const cardMetricsSchema = z.strictObject({
  clips: z.number().int().positive(),
  action: percent,
  actor: percent,
  combined: percent,
  combinedConstrained: percent.nullable(),
});

/** The `model-card.json` schema. */
export const modelCardSchema = z.strictObject({
  format: z.literal('a2d-viewer-model-card'),
  version: z.literal(1),
  experiment: z.string(),
  /** Checkpoint folder name (`best`, `last`, ...) and which weights. */
  checkpoint: z.string(),
  weights: z.enum(['live', 'ema']),
  builtAt: z.string(),
  model: z.strictObject({
    kind: z.enum(['two-step', 'one-step']),
    backbone: z.string(),
    parameters: z.number().int().nonnegative(),
    inputSize: z.number().int().positive(),
    numFrames: z.number().int().positive(),
  }),
  /** How frames are chosen and prepared, exactly as the evaluator does. */
  inference: z.strictObject({
    sampling: samplingConfigSchema,
    temporal: augmentConfigSchema.shape.temporal,
    augment: augmentConfigSchema,
    /** The decode size (every frame is scaled to it first, as ffmpeg's `scale=W:H` in the Node pipeline). */
    decode: z.strictObject({ width: z.number().int().positive(), height: z.number().int().positive() }),
    /** Frames in the cached dense set the views snap onto; null when the experiment decodes without a cache. */
    cacheFrames: z.number().int().positive().nullable(),
    views: z.number().int().positive(),
    crops: z.union([z.literal(1), z.literal(3)]),
    normalization: inputNormalizationSchema,
    constrainedTopK: z.number().int().min(1).max(VIDEO_ACTIONS.length),
  }),
  training: z.strictObject({
    /** Where the training data came from (the dataset root as the run saw it) and what it is. */
    dataRoot: z.string(),
    dataset: z.string(),
    trainClips: z.number().int().nonnegative().nullable(),
    epochs: z.number().int().nonnegative().nullable(),
    bestEpoch: z.number().int().nonnegative().nullable(),
    bestValCombined: percent.nullable(),
  }),
  testMetrics: cardMetricsSchema.nullable(),
  classes: z.strictObject({
    actions: z.array(z.string()).refine((names) => names.join() === VIDEO_ACTIONS.join(), { message: `expected the 8 A2D video-level actions in order` }),
    actors: z.array(z.string()).refine((names) => names.join() === ACTORS.join(), { message: `expected the 7 A2D actors in order` }),
  }),
});

/** The content of `model-card.json`. */
export type ModelCard = z.infer<typeof modelCardSchema>;

/** Validates a parsed model card; the error names every bad field. */
export function parseModelCard(value: unknown, source: string): ModelCard {
  const parsed = modelCardSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
  throw new Error(`${source}: not a viewer model card (${issues})`);
}
