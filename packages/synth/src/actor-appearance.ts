/**
 * What each A2D actor looks like, drawn at random per clip. Sizes are fractions of the frame height before
 * the camera's distance factor. Cats and dogs deliberately share sizes, coats, ear shapes and proportions
 * (ranges overlap), so telling them apart needs how they move, not only how they look.
 */
import type { ActorName, Rng } from '@a2d/core';
import { hsv, jitterRgb, mixRgb, scaleRgb } from './colour';
import type { Paint, PatternKind, Rgb } from './raster';

/** A person: adult (tall, small head) or baby (short, big head, short limbs). */
export interface HumanAppearance {
  kind: 'adult' | 'baby';
  /** Standing height. */
  size: number;
  skin: Rgb;
  hair: Rgb;
  hairStyle: 'short' | 'long' | 'bald' | 'cap';
  /** Shirt (torso and upper arms). */
  top: Paint;
  /** Trousers, shorts or nappy. */
  bottom: Rgb;
  /** True when the bottom stops above the knee (shins show skin). */
  shorts: boolean;
  shoes: Rgb;
  /** Food held while eating. */
  snack: Rgb;
  /** Body proportions in units of standing height. */
  headRadius: number;
  neck: number;
  torso: number;
  torsoHalfWidth: number;
  upperLeg: number;
  lowerLeg: number;
  upperArm: number;
  lowerArm: number;
  limbRadius: number;
}

/** A four-legged pet; `kind` decides nothing about the drawing, only which ranges the values came from. */
export interface QuadrupedAppearance {
  kind: 'cat' | 'dog';
  /** Body length (nose to rump). */
  size: number;
  coat: Paint;
  belly: Rgb;
  /** Half-height of the body ellipse, in body lengths. */
  bodyHalfHeight: number;
  legLength: number;
  legRadius: number;
  headRadius: number;
  snoutLength: number;
  ears: 'pointed' | 'floppy';
  earSize: number;
  tailLength: number;
  tailRadius: number;
  /** How much the tail curls along its length (radians per segment). */
  tailCurl: number;
  eye: Rgb;
}

/** A bird seen from the side. */
export interface BirdAppearance {
  kind: 'bird';
  /** Body length. */
  size: number;
  body: Paint;
  breast: Rgb;
  wing: Paint;
  head: Rgb;
  beak: Rgb;
  legs: Rgb;
  headRadius: number;
  bodyHalfHeight: number;
  wingLength: number;
  tailLength: number;
  beakLength: number;
  legLength: number;
}

/** A ball; its pattern shows the spin. */
export interface BallAppearance {
  kind: 'ball';
  /** Diameter. */
  size: number;
  paint: Paint;
}

/** A car in profile. */
export interface CarAppearance {
  kind: 'car';
  /** Length bumper to bumper. */
  size: number;
  body: Rgb;
  window: Rgb;
  tyre: Rgb;
  hub: Rgb;
  /** Half-height of the lower body, in car lengths. */
  bodyHalfHeight: number;
  cabinHalfLength: number;
  cabinHalfHeight: number;
  /** Cabin centre offset from the body centre (negative: towards the back). */
  cabinOffset: number;
  wheelRadius: number;
  /** Boxy vans and rounded sedans. */
  corner: number;
}

/** Any actor's appearance, discriminated by `kind`. */
export type ActorAppearance = HumanAppearance | QuadrupedAppearance | BirdAppearance | BallAppearance | CarAppearance;

const SKIN: Rgb[] = [
  [255, 219, 180],
  [241, 194, 145],
  [224, 172, 120],
  [198, 134, 80],
  [141, 85, 46],
  [96, 60, 36],
];
const HAIR: Rgb[] = [
  [25, 20, 18],
  [70, 45, 25],
  [120, 80, 40],
  [205, 170, 100],
  [150, 150, 150],
  [150, 60, 30],
];
/** Coats shared by cats and dogs (the overlap that makes them hard to tell apart by looks). */
const COATS: Rgb[] = [
  [214, 137, 60],
  [190, 110, 50],
  [128, 126, 124],
  [85, 82, 80],
  [35, 32, 30],
  [232, 228, 220],
  [226, 204, 160],
  [120, 80, 45],
  [180, 140, 95],
  [90, 60, 40],
];
const BIRD_COLOURS: Rgb[] = [
  [120, 90, 60],
  [100, 100, 105],
  [30, 30, 35],
  [230, 230, 225],
  [50, 90, 170],
  [190, 40, 40],
  [230, 200, 40],
  [70, 140, 60],
];
const CAR_COLOURS: Rgb[] = [
  [200, 30, 30],
  [30, 60, 170],
  [235, 235, 235],
  [25, 25, 28],
  [170, 172, 178],
  [240, 200, 30],
  [40, 120, 60],
  [230, 110, 30],
  [110, 30, 90],
];
const BALL_COLOURS: Rgb[] = [
  [230, 40, 40],
  [250, 220, 40],
  [40, 90, 220],
  [245, 245, 245],
  [250, 130, 30],
  [50, 170, 70],
  [220, 80, 180],
];

function pickColour(rng: Rng, palette: readonly Rgb[], jitter = 18): Rgb {
  return jitterRgb(rng.pick(palette), jitter, () => rng.next());
}

function clothing(rng: Rng): Rgb {
  return hsv(rng.next(), rng.uniform(0.1, 0.9), rng.uniform(0.25, 0.95));
}

function patternPaint(
  color: Rgb,
  accent: Rgb,
  pattern: PatternKind,
  frequency: number,
  shade: number,
): Paint {
  return { color, accent, pattern, frequency, shade, opacity: 1 };
}

function humanAppearance(rng: Rng, kind: 'adult' | 'baby'): HumanAppearance {
  const adult = kind === 'adult';
  const shirt = clothing(rng);
  const topPattern: PatternKind = rng.pick(['plain', 'plain', 'plain', 'stripes', 'checks']);
  return {
    kind,
    size: adult ? rng.uniform(0.42, 0.72) : rng.uniform(0.22, 0.4),
    skin: pickColour(rng, SKIN, 10),
    hair: pickColour(rng, HAIR, 12),
    hairStyle: adult ? rng.pick(['short', 'short', 'long', 'bald', 'cap']) : rng.pick(['short', 'bald', 'bald']),
    top: patternPaint(shirt, scaleRgb(shirt, rng.uniform(0.5, 1.4)), topPattern, rng.uniform(2, 4), 0.3),
    bottom: adult ? clothing(rng) : rng.bool(0.5) ? [240, 240, 235] : clothing(rng),
    shorts: adult ? rng.bool(0.25) : rng.bool(0.6),
    shoes: adult ? pickColour(rng, [[30, 30, 30], [240, 240, 240], [120, 70, 40]]) : pickColour(rng, SKIN, 10),
    snack: rng.pick<Rgb>([[200, 40, 40], [230, 200, 120], [240, 220, 60], [160, 100, 50]]),
    headRadius: adult ? rng.uniform(0.06, 0.07) : rng.uniform(0.11, 0.13),
    neck: adult ? 0.03 : 0.01,
    torso: adult ? rng.uniform(0.3, 0.34) : rng.uniform(0.28, 0.32),
    torsoHalfWidth: adult ? rng.uniform(0.065, 0.09) : rng.uniform(0.09, 0.11),
    upperLeg: adult ? rng.uniform(0.23, 0.25) : rng.uniform(0.13, 0.15),
    lowerLeg: adult ? rng.uniform(0.23, 0.25) : rng.uniform(0.12, 0.14),
    upperArm: adult ? 0.17 : 0.12,
    lowerArm: adult ? 0.16 : 0.11,
    limbRadius: adult ? rng.uniform(0.028, 0.036) : rng.uniform(0.042, 0.05),
  };
}

function quadrupedAppearance(rng: Rng, kind: 'cat' | 'dog'): QuadrupedAppearance {
  const cat = kind === 'cat';
  const coat = pickColour(rng, COATS);
  const patterns: PatternKind[] = cat
    ? ['plain', 'plain', 'stripes', 'stripes', 'spots', 'halves']
    : ['plain', 'plain', 'plain', 'spots', 'stripes', 'halves'];
  const pattern = rng.pick(patterns);
  const accent = pattern === 'halves' || pattern === 'spots' ? pickColour(rng, COATS) : scaleRgb(coat, rng.uniform(0.55, 0.8));
  return {
    kind,
    size: cat ? rng.uniform(0.2, 0.38) : rng.uniform(0.24, 0.48),
    coat: patternPaint(coat, accent, pattern, rng.uniform(3, 6), 0.3),
    belly: mixRgb(coat, [235, 230, 220], rng.uniform(0, 0.6)),
    bodyHalfHeight: cat ? rng.uniform(0.1, 0.135) : rng.uniform(0.11, 0.15),
    legLength: cat ? rng.uniform(0.22, 0.3) : rng.uniform(0.24, 0.36),
    legRadius: cat ? rng.uniform(0.03, 0.042) : rng.uniform(0.035, 0.052),
    headRadius: cat ? rng.uniform(0.09, 0.11) : rng.uniform(0.09, 0.125),
    snoutLength: cat ? rng.uniform(0.03, 0.08) : rng.uniform(0.05, 0.14),
    ears: rng.bool(cat ? 0.92 : 0.45) ? 'pointed' : 'floppy',
    earSize: cat ? rng.uniform(0.06, 0.09) : rng.uniform(0.05, 0.1),
    tailLength: cat ? rng.uniform(0.35, 0.55) : rng.uniform(0.2, 0.45),
    tailRadius: cat ? rng.uniform(0.022, 0.032) : rng.uniform(0.025, 0.045),
    tailCurl: cat ? rng.uniform(0.1, 0.4) : rng.uniform(-0.1, 0.35),
    eye: rng.pick<Rgb>([[40, 40, 30], [90, 140, 40], [160, 120, 30]]),
  };
}

function birdAppearance(rng: Rng): BirdAppearance {
  const body = pickColour(rng, BIRD_COLOURS);
  const wingColour = rng.bool(0.6) ? scaleRgb(body, rng.uniform(0.55, 0.85)) : pickColour(rng, BIRD_COLOURS);
  return {
    kind: 'bird',
    size: rng.uniform(0.12, 0.24),
    body: patternPaint(body, scaleRgb(body, 0.7), rng.pick(['plain', 'plain', 'spots']), 4, 0.25),
    breast: rng.bool(0.5) ? mixRgb(body, [240, 235, 225], 0.6) : pickColour(rng, BIRD_COLOURS),
    wing: patternPaint(wingColour, scaleRgb(wingColour, 0.6), rng.pick(['plain', 'stripes']), 3, 0.2),
    head: rng.bool(0.7) ? body : pickColour(rng, BIRD_COLOURS),
    beak: rng.pick<Rgb>([[240, 170, 30], [40, 40, 40], [220, 200, 60]]),
    legs: rng.pick<Rgb>([[200, 130, 60], [60, 50, 45], [220, 150, 140]]),
    headRadius: rng.uniform(0.13, 0.17),
    bodyHalfHeight: rng.uniform(0.15, 0.21),
    wingLength: rng.uniform(0.45, 0.7),
    tailLength: rng.uniform(0.2, 0.4),
    beakLength: rng.uniform(0.08, 0.18),
    legLength: rng.uniform(0.14, 0.22),
  };
}

function ballAppearance(rng: Rng): BallAppearance {
  const color = pickColour(rng, BALL_COLOURS);
  const pattern = rng.pick<PatternKind>(['spots', 'stripes', 'halves', 'checks', 'plain']);
  const accent: Rgb = pattern === 'spots' ? (rng.bool(0.6) ? [20, 20, 20] : [245, 245, 245]) : pickColour(rng, BALL_COLOURS);
  return {
    kind: 'ball',
    size: rng.uniform(0.09, 0.2),
    paint: patternPaint(color, accent, pattern, rng.uniform(1.5, 3), 0.35),
  };
}

function carAppearance(rng: Rng): CarAppearance {
  const style = rng.pick(['sedan', 'hatch', 'van', 'sport'] as const);
  const cabin = {
    sedan: { length: 0.26, height: 0.11, offset: -0.04, corner: 0.06 },
    hatch: { length: 0.28, height: 0.12, offset: -0.1, corner: 0.05 },
    van: { length: 0.4, height: 0.16, offset: -0.06, corner: 0.03 },
    sport: { length: 0.2, height: 0.08, offset: -0.06, corner: 0.07 },
  }[style];
  return {
    kind: 'car',
    size: rng.uniform(0.34, 0.68),
    body: pickColour(rng, CAR_COLOURS, 14),
    window: rng.pick<Rgb>([[150, 190, 215], [70, 80, 95], [180, 200, 210]]),
    tyre: [28, 28, 30],
    hub: pickColour(rng, [[190, 190, 195], [60, 60, 65], [220, 200, 120]], 8),
    bodyHalfHeight: rng.uniform(0.09, 0.13),
    cabinHalfLength: cabin.length * rng.uniform(0.9, 1.1),
    cabinHalfHeight: cabin.height * rng.uniform(0.9, 1.1),
    cabinOffset: cabin.offset,
    wheelRadius: rng.uniform(0.095, 0.13),
    corner: cabin.corner,
  };
}

/** Draws a random appearance for one actor. */
export function sampleAppearance(rng: Rng, actor: ActorName): ActorAppearance {
  switch (actor) {
    case 'adult':
    case 'baby':
      return humanAppearance(rng, actor);
    case 'cat':
    case 'dog':
      return quadrupedAppearance(rng, actor);
    case 'bird':
      return birdAppearance(rng);
    case 'ball':
      return ballAppearance(rng);
    case 'car':
      return carAppearance(rng);
  }
}
