/**
 * The A2D actor-action taxonomy: actor ids 1..7, action ids 1..9, label = 10 * actor + action.
 * Model heads use 0-based class indices over the video-level classes (7 actors, 8 actions: no `none`).
 */
import { LabelError } from './errors';

/** Actor names in id order (id = index + 1). */
export const ACTORS = ['adult', 'baby', 'ball', 'bird', 'car', 'cat', 'dog'] as const;
/** Action names in id order (id = index + 1); `none` (9) never occurs as a video-level label. */
export const ACTIONS = [
  'climbing',
  'crawling',
  'eating',
  'flying',
  'jumping',
  'rolling',
  'running',
  'walking',
  'none',
] as const;
/** The actions a video-level classifier predicts (everything but `none`), in class-index order. */
export const VIDEO_ACTIONS = ACTIONS.slice(0, 8) as readonly Exclude<ActionName, 'none'>[];

export type ActorName = (typeof ACTORS)[number];
export type ActionName = (typeof ACTIONS)[number];
export type VideoActionName = Exclude<ActionName, 'none'>;

/** Number of actor classes of step 2. */
export const NUM_ACTORS = 7;
/** Number of action classes of step 1 (video-level: `none` excluded). */
export const NUM_ACTIONS = 8;
/** Action id of `none`. */
export const NONE_ACTION_ID = 9;

/** The 43 actor-action label codes that exist in A2D (including the `x9` "none" codes). */
export const VALID_LABELS: readonly number[] = Object.freeze([
  11, 12, 13, 15, 16, 17, 18, 19, 21, 22, 26, 28, 29, 34, 35, 36, 39, 41, 43, 44, 45, 46, 48, 49, 54,
  55, 56, 57, 59, 61, 63, 65, 66, 67, 68, 69, 72, 73, 75, 76, 77, 78, 79,
]);

/** The 36 label codes that occur as video-level labels (the valid codes without `none`). */
export const VIDEO_LEVEL_LABELS: readonly number[] = Object.freeze(
  VALID_LABELS.filter((code) => code % 10 !== NONE_ACTION_ID),
);

const validSet = new Set(VALID_LABELS);

/** A decoded A2D label. Ids are 1-based as in the dataset; indices are 0-based model classes. */
export interface A2dLabel {
  code: number;
  actorId: number;
  actionId: number;
  actor: ActorName;
  action: ActionName;
}

/** Decodes a label code such as 11 (adult-climbing); throws `LabelError` for codes outside the 43. */
export function decodeLabel(code: number): A2dLabel {
  if (!Number.isInteger(code) || !validSet.has(code)) {
    throw new LabelError(code, `not one of the ${VALID_LABELS.length} A2D actor-action codes`);
  }
  const actorId = Math.floor(code / 10);
  const actionId = code % 10;
  return { code, actorId, actionId, actor: ACTORS[actorId - 1], action: ACTIONS[actionId - 1] };
}

/** Encodes an (actor, action) pair, by name or 1-based id; throws `LabelError` when A2D has no such pair. */
export function encodeLabel(actor: ActorName | number, action: ActionName | number): number {
  const actorId = typeof actor === 'number' ? actor : ACTORS.indexOf(actor) + 1;
  const actionId = typeof action === 'number' ? action : ACTIONS.indexOf(action) + 1;
  const code = 10 * actorId + actionId;
  if (actorId < 1 || actorId > ACTORS.length || actionId < 1 || actionId > ACTIONS.length || !validSet.has(code)) {
    throw new LabelError(code, `(${String(actor)}, ${String(action)}) is not a valid A2D actor-action pair`);
  }
  return code;
}

/** True when the code is one of the 43 A2D labels. */
export function isValidLabel(code: number): boolean {
  return validSet.has(code);
}

/** True when (actor index, action index), 0-based video-level classes, is one of the 36 video-level pairs. */
export function isValidPair(actorIndex: number, actionIndex: number): boolean {
  const code = 10 * (actorIndex + 1) + (actionIndex + 1);
  return actionIndex >= 0 && actionIndex < NUM_ACTIONS && validSet.has(code);
}

/** Actor class index (0..6) of a 1-based actor id. */
export function actorIndexOf(actorId: number): number {
  if (!Number.isInteger(actorId) || actorId < 1 || actorId > NUM_ACTORS) {
    throw new LabelError(actorId, 'actor id must be an integer in 1..7');
  }
  return actorId - 1;
}

/** Action class index (0..7) of a 1-based action id; `none` (9) has no class index. */
export function actionIndexOf(actionId: number): number {
  if (!Number.isInteger(actionId) || actionId < 1 || actionId > NUM_ACTIONS) {
    throw new LabelError(actionId, 'video-level action id must be an integer in 1..8 (`none` has no class)');
  }
  return actionId - 1;
}

/**
 * The action x actor validity mask over video-level classes: `mask[action][actor]` is 1 when A2D has
 * that pair as a video-level label, else 0. Used by constrained decoding and the consistency loss.
 */
export function validityMask(): number[][] {
  const mask: number[][] = [];
  for (let action = 0; action < NUM_ACTIONS; action++) {
    const row: number[] = [];
    for (let actor = 0; actor < NUM_ACTORS; actor++) row.push(isValidPair(actor, action) ? 1 : 0);
    mask.push(row);
  }
  return mask;
}

/** Human-readable name of a label code, e.g. `adult-climbing`. */
export function labelName(code: number): string {
  const { actor, action } = decodeLabel(code);
  return `${actor}-${action}`;
}
