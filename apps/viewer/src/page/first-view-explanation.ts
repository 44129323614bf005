/**
 * "Where each step looked", for the page: Grad-CAM of both steps (or of the one-step model's pair) on the first view's
 * first crop, the exact values the page fed the model (`modelInputCuts` + `clipBatchToFloat`), through `explainClip`
 * of `@a2d/layers`, the module `evaluator:explain` runs. Step 2 is explained given step 1's argmax on that clip, as
 * `predict` conditions it. The picture is `evaluator:explain`'s (`overlayHeatmaps` of `@a2d/augment`: the "hot" colour
 * map blended into the frames, a frame-importance bar under each). No DOM: it runs in Node tests as well.
 */
import { clipBatchToFloat, overlayHeatmaps } from '@a2d/augment';
import { ACTORS, VIDEO_ACTIONS, type Clip } from '@a2d/core';
import { tf } from '@a2d/engine';
import { explainClip, OneStepModel, PAIR_CLASSES, type ClassExplanation } from '@a2d/layers';
import type { Classifier } from '@a2d/training';
import { modelInputCuts } from './clip-inference';
import type { ModelCard } from './model-card';

/** The first view's first crop as the model read it. */
export interface FirstViewClip {
  /** Its pixels at the model's input size (uint8 RGB `[T, S, S, 3]`), before normalisation. */
  pixels: Clip;
  /** The same clip normalised, row-major `[T, S, S, 3]`: the values fed to the model. */
  normalised: Float32Array;
  shape: [number, number, number, 3];
}

/** One explained head: a row of the page's picture. Plain numbers only, so a script reads it as it is. */
export interface ExplainedStep {
  /** `step1` (the action), `step2` (the actor given the action) or `pair` (the one-step model). */
  step: 'step1' | 'step2' | 'pair';
  /** The explained class, in words (`adult`, `climbing`, `adult climbing`). */
  label: string;
  classIndex: number;
  /** Softmax probability of the class (step 2: given `givenAction`). */
  probability: number;
  /** Step 2's conditioning action (step 1's argmax on this clip); null for the other heads. */
  givenAction: string | null;
  /** Grad-CAM maps in [0, 1], row-major `[T, S, S]` (`explainClip`'s values, unrounded). */
  maps: number[];
  mapShape: [number, number, number];
  /** Gradient x input per frame, summing to 1. */
  frameImportance: number[];
}

/** What the page draws: two rows for a two-step model, one for the one-step model. */
export interface ViewerExplanation {
  kind: 'two-step' | 'one-step';
  steps: ExplainedStep[];
  /** Milliseconds `explainClip` took. */
  milliseconds: number;
}

/** View 0's first crop of a video's view clips (decode size), pixels and normalised values. */
export function firstViewClip(clips: readonly Clip[], card: ModelCard): FirstViewClip {
  if (clips.length === 0) throw new Error('firstViewClip: no clips');
  const [cut] = modelInputCuts(clips.slice(0, 1), card);
  const [, numFrames, height, width] = cut.shape;
  return {
    pixels: { data: cut.frames, numFrames, height, width },
    normalised: clipBatchToFloat(cut.frames, cut.shape, card.inference.normalization),
    shape: [numFrames, height, width, 3],
  };
}

function explainedStep(step: ExplainedStep['step'], label: string, explained: ClassExplanation, givenAction: string | null = null): ExplainedStep {
  return {
    step,
    label,
    classIndex: explained.classIndex,
    probability: explained.probability,
    givenAction,
    maps: Array.from(explained.maps),
    mapShape: explained.mapShape,
    frameImportance: explained.frameImportance,
  };
}

/** Explains the model on `clip` (see the file comment); leaves no tensor behind. */
export function explainViewClip(model: Classifier, clip: FirstViewClip): ViewerExplanation {
  const frames = tf.tensor4d(clip.normalised, clip.shape);
  const started = performance.now();
  try {
    if (model instanceof OneStepModel) {
      const { pair } = explainClip(model, frames);
      const { actor, action } = PAIR_CLASSES[pair.classIndex];
      return { kind: 'one-step', steps: [explainedStep('pair', `${ACTORS[actor]} ${VIDEO_ACTIONS[action]}`, pair)], milliseconds: performance.now() - started };
    }
    const { action, actor } = explainClip(model, frames);
    const actionName = VIDEO_ACTIONS[action.classIndex];
    return {
      kind: 'two-step',
      steps: [explainedStep('step1', actionName, action), explainedStep('step2', ACTORS[actor.classIndex], actor, actionName)],
      milliseconds: performance.now() - started,
    };
  } finally {
    frames.dispose();
  }
}

/** The clip's frames with `step`'s maps blended in and a frame-importance bar under each: `evaluator:explain`'s row. */
export function heatOverlay(pixels: Clip, step: ExplainedStep): Clip {
  return overlayHeatmaps(pixels, Float32Array.from(step.maps), { frameImportance: step.frameImportance });
}

/** The caption of a row: what was explained and how probable it was. */
export function stepCaption(step: ExplainedStep): string {
  const p = `p ${step.probability.toFixed(3)}`;
  if (step.step === 'step1') return `Step 1: action ${step.label} (${p})`;
  if (step.step === 'step2') return `Step 2: actor ${step.label} given ${step.givenAction} (${p})`;
  return `Pair: ${step.label} (${p})`;
}
