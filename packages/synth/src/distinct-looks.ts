/**
 * The `easy` difficulty's looks: every actor kind wears its own colour (jittered a little per clip), and cats
 * always have pointed ears, dogs floppy ones. Shapes, proportions, patterns and motions are untouched, so a model
 * still has to find the actor and read its motion; it no longer has to separate look-alikes by detail.
 */
import type { ActorName, Rng } from '@a2d/core';
import type { ActorAppearance } from './actor-appearance';
import { jitterRgb, scaleRgb } from './colour';
import type { Paint, Rgb } from './raster';

/**
 * Each kind's colour in `easy` (far apart in hue and brightness). Revision 2 moved dogs from brown (125, 80, 45),
 * a darker shade of cats' orange and of the ground, to violet, which no backdrop uses: in revision 1 a model
 * trained by the default run confused dogs with cats, bird and ball (50% actor accuracy on dogs, 100% on adults).
 */
export const KIND_COLOURS: Readonly<Record<ActorName, Rgb>> = Object.freeze({
  adult: [40, 70, 190],
  baby: [240, 130, 185],
  ball: [215, 35, 30],
  bird: [35, 35, 40],
  car: [40, 165, 75],
  cat: [240, 150, 30],
  dog: [150, 60, 200],
});

function recolour(paint: Paint, color: Rgb): Paint {
  return { ...paint, color, accent: scaleRgb(color, 0.6) };
}

/** `look` in its kind's colour (drawn from `rng`, which nothing else uses), with the kind's ears. */
export function withDistinctLook(look: ActorAppearance, rng: Rng): ActorAppearance {
  const color = jitterRgb(KIND_COLOURS[look.kind], 18, () => rng.next());
  switch (look.kind) {
    case 'adult':
    case 'baby':
      return { ...look, top: recolour(look.top, color), bottom: scaleRgb(color, 0.55) };
    case 'cat':
    case 'dog':
      return { ...look, coat: recolour(look.coat, color), ears: look.kind === 'cat' ? 'pointed' : 'floppy' };
    case 'bird':
      return { ...look, body: recolour(look.body, color), wing: recolour(look.wing, scaleRgb(color, 0.8)), head: color };
    case 'ball':
      return { ...look, paint: recolour(look.paint, color) };
    case 'car':
      return { ...look, body: color };
  }
}
