/**
 * How hard a synthetic dataset is to classify. Difficulty changes only what a scene holds (the labelled actor's
 * size, the look-alike distractors, the occluders), never the dataset plan (ids, labels, splits, formats).
 * - `hard` is the generator as it was first written, kept exactly (a golden test pins it): up to three
 *   still distractors per clip, 40% of them of the kind most easily confused with the subject, actors at
 *   0.75-1.25x their base size, an occluder in 30% of clips. A small model overfits it at the `small` size.
 * - `easy` (the default) is the same world with the confusion turned down, so a small model trained for
 *   minutes shows what it learned: at most one distractor (none in 70% of clips) and never a look-alike kind,
 *   a larger subject (1.1-1.4x, and at least 30% of the frame height, so balls and birds are not specks), no
 *   occluders, and each kind in its own colour with cats' ears pointed and dogs' floppy (in `hard` coats,
 *   proportions and ears overlap by design). Every shape, motion, backdrop, camera, lighting and noise are drawn
 *   as in `hard`.
 */
import { z } from 'zod';

/** Name of a difficulty. */
export type Difficulty = 'easy' | 'hard';

/** The difficulty names, easiest first. */
export const DIFFICULTY_NAMES: readonly Difficulty[] = ['easy', 'hard'];

/** Zod schema of a difficulty name. */
export const difficultySchema = z.enum(['easy', 'hard']);

/** What a difficulty sets in a scene. */
export interface DifficultyPreset {
  /** Probability of 0, 1, 2, ... distractors in a clip. */
  distractorWeights: readonly number[];
  /** Probability that a distractor is of a kind easily confused with the subject (else any kind). */
  lookAlikeProb: number;
  /** Range of the subject's size as a multiple of its kind's base size (capped for flying clips). */
  subjectDistance: readonly [number, number];
  /** Smallest subject size as a fraction of the frame height (small kinds are drawn nearer); 0 keeps kinds' sizes. */
  minSubjectSize: number;
  /** Probability of a foreground occluder passing in front of the subject. */
  occluderProb: number;
  /** Each kind in its own colour, cats with pointed ears and dogs with floppy ones (`distinct-looks.ts`). */
  distinctLooks: boolean;
}

/** The presets by name. */
export const DIFFICULTIES: Readonly<Record<Difficulty, DifficultyPreset>> = Object.freeze({
  easy: {
    distractorWeights: [0.7, 0.3],
    lookAlikeProb: 0,
    subjectDistance: [1.1, 1.4],
    minSubjectSize: 0.3,
    occluderProb: 0,
    distinctLooks: true,
  },
  hard: {
    distractorWeights: [0.3, 0.35, 0.25, 0.1],
    lookAlikeProb: 0.4,
    subjectDistance: [0.75, 1.25],
    minSubjectSize: 0,
    occluderProb: 0.3,
    distinctLooks: false,
  },
});
