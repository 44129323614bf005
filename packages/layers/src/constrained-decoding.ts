/**
 * Constrained decoding: step 2 re-scores step 1's top-k actions, and the clip gets the valid A2D
 * (action, actor) pair maximizing p(action) * p(actor | action). Plain sequential decoding is the special case
 * of the top action and its best actor, valid or not; both are reported.
 */
import { validityMask } from '@a2d/core';

/** One re-scored action of a clip. */
export interface ActionCandidate {
  /** Action class index (0..7). */
  action: number;
  /** Step 1's p(action). */
  actionProbability: number;
  /** Step 2's p(actor | action), 7 values. */
  actorProbabilities: readonly number[];
}

/** A decoded (action, actor) pair with its joint score p(action) * p(actor | action). */
export interface DecodedPair {
  action: number;
  actor: number;
  score: number;
}

/**
 * The valid pair of highest joint score among `candidates` (ties: earlier candidate, then lower actor index).
 * `mask[action][actor]` is 1 for valid pairs (default: the A2D video-level pairs).
 */
export function decodeConstrained(candidates: readonly ActionCandidate[], mask: readonly (readonly number[])[] = validityMask()): DecodedPair {
  let best: DecodedPair | undefined;
  for (const { action, actionProbability, actorProbabilities } of candidates) {
    actorProbabilities.forEach((actorProbability, actor) => {
      if (mask[action]?.[actor] !== 1) return;
      const score = actionProbability * actorProbability;
      if (!best || score > best.score) best = { action, actor, score };
    });
  }
  if (!best) throw new RangeError(`no valid (action, actor) pair among actions ${candidates.map((c) => c.action).join(', ')}`);
  return best;
}
