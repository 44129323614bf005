/**
 * `synth.json`: what a generated dataset folder holds (size, difficulty, seed, generator revision, whether its
 * annotations are complete), written before its first clip and again when generation finishes. Generation refuses
 * to add clips of other options to a folder, and the trainer refuses to train its default run on a folder that holds
 * another dataset than the one it asked for. Two folders hold the same dataset when their clips are the same: a
 * folder of an earlier revision that differs only by lacking annotations is accepted (and generating into it adds
 * them).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DatasetError, parseJsonText, readTextFile, writeFileAtomic } from '@a2d/core';
import { DATASET_SIZE_NAMES, type DatasetSize } from './dataset-size';
import { clipRevisionOf, DIFFICULTY_REVISIONS, difficultySchema, type Difficulty } from './difficulty';

/** File name of the manifest inside a dataset root. */
export const SYNTH_MANIFEST_FILE = 'synth.json';

/** The manifest's schema. */
export const synthManifestSchema = z.strictObject({
  format: z.literal('a2d-synth'),
  size: z.enum(DATASET_SIZE_NAMES as [DatasetSize, ...DatasetSize[]]),
  difficulty: difficultySchema,
  /** Revision of the difficulty's generator (`DIFFICULTY_REVISIONS`); manifests written before it existed hold 1. */
  revision: z.number().int().positive().default(1),
  seed: z.number().int().nonnegative(),
  clips: z.number().int().positive(),
  /** Whether `Annotations/` holds every clip's ground truth (boxes, masks); manifests written before it existed hold false. */
  annotations: z.boolean().default(false),
});

/** A dataset folder's manifest. */
export type SynthManifest = z.infer<typeof synthManifestSchema>;

/** The manifest of `root`, or null when it has none; throws `DatasetError` naming the field when it is invalid. */
export async function readSynthManifest(root: string): Promise<SynthManifest | null> {
  const file = path.join(root, SYNTH_MANIFEST_FILE);
  if (!existsSync(file)) return null;
  const parsed = synthManifestSchema.safeParse(parseJsonText(await readTextFile(file, 'the synthetic dataset manifest'), file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DatasetError(file, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Writes `root`'s manifest atomically. */
export async function writeSynthManifest(root: string, manifest: SynthManifest): Promise<void> {
  await writeFileAtomic(path.join(root, SYNTH_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** What names a synthetic dataset; without `revision`, the current generator's revision of the difficulty. */
export type SynthIdentity = Pick<SynthManifest, 'size' | 'difficulty' | 'seed'> & { revision?: number };

/** The revision of the identity's clips (`clipRevisionOf`): revisions that only added annotations share it. */
function clipRevision(identity: SynthIdentity): number {
  const difficulty = identity.difficulty as Difficulty;
  return clipRevisionOf(difficulty, identity.revision ?? DIFFICULTY_REVISIONS[difficulty]);
}

/**
 * `size`/`difficulty`/seed as one readable word, e.g. `medium/easy r2/seed 0`. The revision named is that of the
 * clips (revision 1 is not named), so two identities `sameSynth` accepts read the same.
 */
export function describeSynth(identity: SynthIdentity): string {
  const revision = clipRevision(identity);
  return `${identity.size}/${identity.difficulty}${revision === 1 ? '' : ` r${revision}`}/seed ${identity.seed}`;
}

/**
 * Whether two manifests (or a manifest and generate options) describe the same dataset: same size, difficulty and
 * seed, and revisions that generate the same clips (a folder lacking only the annotations a later revision adds
 * is the same dataset).
 */
export function sameSynth(a: SynthIdentity, b: SynthIdentity): boolean {
  return a.size === b.size && a.difficulty === b.difficulty && a.seed === b.seed && clipRevision(a) === clipRevision(b);
}
