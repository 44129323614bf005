/**
 * The shape every clip augmentation has, and how steps compose. A step draws its random parameters
 * once per clip (`plan`) and applies them to every frame (`apply`), so all frames of a clip see the
 * same crop, flip, colour change and erased box; keeping the draw separate also lets tests and the
 * contact sheet inspect exactly what was drawn.
 */
import { Rng, type Clip } from '@a2d/core';
import { assertClipShape } from './augment-input-error';

/** The per-clip hook the data loader calls: a new clip from a clip and a generator. */
export type ClipTransform = (clip: Clip, rng: Rng) => Clip;

/** Height and width of the frames a step is planned for. */
export interface FrameSize {
  height: number;
  width: number;
}

/** One augmentation: a random draw per clip, then a deterministic application to every frame. */
export interface ClipStep<Params> {
  /** Short name, used in error messages and contact-sheet captions. */
  readonly name: string;
  /** Draws this clip's parameters; the only place the step uses randomness. */
  plan(rng: Rng, frame: FrameSize): Params;
  /** Applies drawn parameters; never mutates `clip` (may return it unchanged when there is nothing to do). */
  apply(clip: Clip, params: Params): Clip;
}

/** Turns a step into the loader's `(clip, rng) => Clip` shape. */
export function stepTransform<Params>(step: ClipStep<Params>): ClipTransform {
  return (clip, rng) => step.apply(clip, step.plan(rng, clip));
}

/**
 * Chains transforms. Each step gets its own generator seeded by one draw from `rng`, so a step that
 * changes how many numbers it draws does not shift the draws of the steps after it, while a shared
 * `rng` advanced across clips still gives every clip a different augmentation.
 */
export function composeTransforms(transforms: readonly ClipTransform[]): ClipTransform {
  return (clip, rng) => {
    assertClipShape(clip);
    const seeds = transforms.map(() => Math.floor(rng.next() * 4294967296));
    let current = clip;
    transforms.forEach((transform, index) => {
      current = transform(current, new Rng(seeds[index]));
    });
    return current;
  };
}
