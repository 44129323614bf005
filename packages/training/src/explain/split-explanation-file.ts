/**
 * `explanations/<split>/summary.json`: what `explainSplit` found on a split's clips, one schema for the writer
 * (the evaluator) and the readers (the reporter, scripts). Per clip: the truth, each step's prediction on the
 * explained clip, the pointing game on its annotated frames, the frame importance, its strip; over the split: the
 * pointing game of each step against the random-point baseline (overall and per true actor) and the sanity checks.
 */
import { z } from 'zod';
import { DatasetError, parseJsonText, readTextFile } from '@a2d/core';
import { pointingSummarySchema } from '@a2d/metrics';

/** The summary file's name in an explanation folder. */
export const SPLIT_EXPLANATION_FILE = 'summary.json';

/** The folder of the strips, inside an explanation folder. */
export const STRIPS_DIR = 'strips';

const peakSchema = z.object({ x: z.number().int().nonnegative(), y: z.number().int().nonnegative() }).nullable();
const stepPointingSchema = z.object({ hit: z.boolean(), peak: peakSchema });

/** One annotated frame of an explained clip, scored. */
export const scoredFrameSchema = z.object({
  /** Position in the clip (0..T-1). */
  position: z.number().int().nonnegative(),
  /** 0-based source frame (the annotation file's number minus 1). */
  frame: z.number().int().nonnegative(),
  /** The true actor's box in the model input's pixels (continuous; may reach past the frame, clipped when scored). */
  box: z.object({ left: z.number(), top: z.number(), right: z.number(), bottom: z.number() }),
  /** Fraction of the input frame the box covers: a random point's hit probability. */
  baseline: z.number().min(0).max(1),
  step1: stepPointingSchema,
  step2: stepPointingSchema,
});
export type ScoredFrame = z.infer<typeof scoredFrameSchema>;

const predictedSchema = z.object({ label: z.string(), probability: z.number().min(0).max(1) });

/** One explained clip. */
export const explainedClipSchema = z.object({
  videoId: z.string(),
  trueAction: z.string(),
  trueActor: z.string(),
  /** Step 1 on the explained clip. */
  action: predictedSchema,
  /** Step 2 on the explained clip, given step 1's action. */
  actor: predictedSchema,
  correct: z.object({ action: z.boolean(), actor: z.boolean(), combined: z.boolean() }),
  /** Source frame index of each clip position (annotated frames in place of the nearest sampled ones). */
  frames: z.array(z.number().int().nonnegative()),
  scored: z.array(scoredFrameSchema),
  /** Annotated frames not scored, by reason. */
  unscored: z.object({
    /** Its nearest clip position went to a nearer annotated frame. */
    unplaced: z.number().int().nonnegative(),
    /** The file has no instance of the clip's label (the actor is out of sight). */
    noActor: z.number().int().nonnegative(),
    /** The actor's box lies outside the test crop. */
    outsideCrop: z.number().int().nonnegative(),
  }),
  frameImportance: z.object({ step1: z.array(z.number()), step2: z.array(z.number()) }),
  /** The strip PNG, relative to the summary's folder; null when not drawn. */
  strip: z.string().nullable(),
});
export type ExplainedClip = z.infer<typeof explainedClipSchema>;

const deletionSchema = z.object({ mostImportant: z.number().nullable(), leastImportant: z.number().nullable() });
const stepsSchema = z.object({ step1: pointingSummarySchema, step2: pointingSummarySchema });
const correlationSchema = z.object({ step1: z.number().nullable(), step2: z.number().nullable() });

/** The whole file. */
export const splitExplanationSchema = z.object({
  format: z.literal('a2d-split-explanation'),
  version: z.literal(1),
  experiment: z.string(),
  checkpoint: z.string(),
  weights: z.enum(['live', 'ema']),
  /** The map's form (`CamMethod` of `@a2d/layers`). */
  method: z.enum(['grad-cam', 'hires-cam']).default('grad-cam'),
  split: z.enum(['test', 'val']),
  /** Videos in the split, and how many were explained (`limit`), annotated and skipped. */
  clipsInSplit: z.number().int().nonnegative(),
  clips: z.number().int().nonnegative(),
  annotatedClips: z.number().int().nonnegative(),
  skipped: z.array(z.object({ videoId: z.string(), reason: z.string() })),
  /**
   * The same frames with Zhang et al. 2016's tolerance: a peak within `marginPixels` of the box (their 15 px at about
   * 224 px, scaled to the input size) is a hit, and the random point's baseline grows with the widened box.
   */
  pointingWithTolerance: stepsSchema.extend({ marginPixels: z.number().nonnegative() }),
  /** The pointing game over every scored frame, and per true actor. */
  pointing: stepsSchema.extend({ byActor: z.record(z.string(), stepsSchema) }),
  /**
   * Sanity checks (Adebayo et al. 2018) on the first `clips` explained clips: mean Spearman correlation of each
   * step's maps with a randomly initialised model's maps for the same classes, and with the trained model's maps
   * for the runner-up class (step 1: the second most probable action; step 2: the second most probable actor
   * given the action). Maps that do not rank (all zero) are left out and counted in `undefined`.
   */
  sanity: z.object({
    clips: z.number().int().nonnegative(),
    randomModel: correlationSchema,
    otherClass: correlationSchema,
    undefined: z.number().int().nonnegative(),
    /**
     * Faithfulness of the frame importance: the mean fall of the explained class's probability (step 1 p(action),
     * step 2 p(actor | action)) when the step's most / least important frame is replaced by the dataset mean.
     */
    frameDeletion: z.object({ step1: deletionSchema, step2: deletionSchema }),
  }),
  rows: z.array(explainedClipSchema),
});
export type SplitExplanation = z.infer<typeof splitExplanationSchema>;

/** Reads and validates a summary; a missing, unreadable or invalid file is a `DatasetError` naming it. */
export async function readSplitExplanation(file: string): Promise<SplitExplanation> {
  const parsed = splitExplanationSchema.safeParse(parseJsonText(await readTextFile(file, 'the explanation summary'), file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DatasetError(file, `not an explanation summary (${issue.path.join('.') || '(root)'}: ${issue.message}); run evaluator:explain --split=<split> again`);
  }
  return parsed.data;
}
