/** The body state a motion hands to a figure each frame; figures turn it into joint angles. */

/** Overall body configuration. */
export type Posture =
  /** Upright on the ground (people standing, animals on four legs, birds perched, cars on wheels). */
  | 'stand'
  /** Low to the ground: people on hands and knees, a dog creeping on bent legs. */
  | 'crouch'
  /** Reaching up a vertical surface. */
  | 'climb'
  /** Curled into a compact ball (rolling). */
  | 'tuck'
  /** In the air under own power (birds' wings spread). */
  | 'flight';

/** Per-frame pose parameters; each figure reads the ones that apply to it. */
export interface ActorPose {
  posture: Posture;
  /** Gait cycle phase in radians (legs, arms, wing beats). */
  phase: number;
  /** Gait amplitude, 0 (still) .. 1 (full run). */
  stride: number;
  /** 0..1: legs tucked as at the top of a jump. */
  lift: number;
  /** 0..1: hand to mouth (people) or head down to food (animals). */
  reach: number;
  /** Forward lean of the torso, radians (people). */
  lean: number;
  /** 0..1: legs bent and body carried low (animals creeping, a cat crouched over its bowl). */
  crouch: number;
  /** Wing angle above the backward horizontal, radians (birds; 0 = folded when perched). */
  wing: number;
  /** Tail angle above the backward horizontal, radians. */
  tail: number;
  /** Rotation of wheels / a ball's pattern, radians. */
  spin: number;
  /** 0..0.4: vertical squash (a ball hitting the ground). */
  squash: number;
  /** -1..1: head pushed back or forward (a walking bird's head bob, chewing). */
  headBob: number;
}

/** A pose with every parameter at rest. */
export function restingPose(posture: Posture = 'stand'): ActorPose {
  return { posture, phase: 0, stride: 0, lift: 0, reach: 0, lean: 0, crouch: 0, wing: 0, tail: 0.6, spin: 0, squash: 0, headBob: 0 };
}
