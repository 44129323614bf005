/**
 * The 36 video-level (actor, action) pairs of A2D (core's `VIDEO_LEVEL_LABELS`), indexed 0..35 in label-code
 * order: the rows and columns of the joint confusion matrix and the keys of per-pair accuracy.
 */
import { ACTIONS, ACTORS, labelName, NUM_ACTIONS, NUM_ACTORS, VIDEO_LEVEL_LABELS, type ActorName, type VideoActionName } from '@a2d/core';

/** One video-level pair. Indices are 0-based model classes. */
export interface VideoLevelPair {
  /** A2D label code, 10 * actor id + action id (e.g. 11). */
  code: number;
  /** Display name, `actor-action` (e.g. `adult-climbing`). */
  name: string;
  actor: ActorName;
  action: VideoActionName;
  actorIndex: number;
  actionIndex: number;
}

/** The 36 pairs, in label-code order. */
export const VIDEO_LEVEL_PAIRS: readonly VideoLevelPair[] = Object.freeze(
  VIDEO_LEVEL_LABELS.map((code) => {
    const actorIndex = Math.floor(code / 10) - 1;
    const actionIndex = (code % 10) - 1;
    return {
      code,
      name: labelName(code),
      actor: ACTORS[actorIndex],
      action: ACTIONS[actionIndex] as VideoActionName,
      actorIndex,
      actionIndex,
    };
  }),
);

const pairIndexByCode = new Map(VIDEO_LEVEL_PAIRS.map((pair, index) => [pair.code, index]));

/** Index (0..35) of (actor index, action index) in `VIDEO_LEVEL_PAIRS`, or -1 when A2D has no such video-level pair. */
export function videoLevelPairIndex(actorIndex: number, actionIndex: number): number {
  const inRange = (value: number, size: number): boolean => Number.isInteger(value) && value >= 0 && value < size;
  if (!inRange(actorIndex, NUM_ACTORS) || !inRange(actionIndex, NUM_ACTIONS)) return -1;
  return pairIndexByCode.get(10 * (actorIndex + 1) + (actionIndex + 1)) ?? -1;
}
