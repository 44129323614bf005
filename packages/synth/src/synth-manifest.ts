/**
 * `synth.json`: what a generated dataset folder holds (size, difficulty, seed), written before its first clip.
 * Generation refuses to add clips of other options to a folder, and the trainer refuses to train its default
 * run on a folder that holds another dataset than the one it asked for.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DatasetError, parseJsonText, readTextFile, writeFileAtomic } from '@a2d/core';
import { DATASET_SIZE_NAMES, type DatasetSize } from './dataset-size';
import { DIFFICULTY_REVISIONS, difficultySchema, type Difficulty } from './difficulty';

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

function revisionOf(identity: SynthIdentity): number {
  return identity.revision ?? DIFFICULTY_REVISIONS[identity.difficulty as Difficulty];
}

/** `size`/`difficulty`/seed as one readable word, e.g. `medium/easy r2/seed 0` (revision 1 is not named). */
export function describeSynth(identity: SynthIdentity): string {
  const revision = revisionOf(identity);
  return `${identity.size}/${identity.difficulty}${revision === 1 ? '' : ` r${revision}`}/seed ${identity.seed}`;
}

/** Whether two manifests (or a manifest and generate options) describe the same dataset, generator revision included. */
export function sameSynth(a: SynthIdentity, b: SynthIdentity): boolean {
  return a.size === b.size && a.difficulty === b.difficulty && a.seed === b.seed && revisionOf(a) === revisionOf(b);
}
