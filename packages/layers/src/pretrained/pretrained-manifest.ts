/**
 * `pretrained.json`, written by `layers:import-weights` next to the imported backbone (a tfjs LayersModel:
 * `model.json` + `weights.bin`) and read by the trainer (`--model.pretrained=<dir>`): which backbone the
 * weights are for, where they came from, the input preprocessing they expect, and the import report.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { backboneNameSchema } from '@a2d/core';
import { PretrainedImportError } from './pretrained-import-error';

/** File name of the manifest inside a pretrained folder. */
export const PRETRAINED_MANIFEST_FILE = 'pretrained.json';

const channelTriple = z.tuple([z.number(), z.number(), z.number()]);

/** The manifest's schema (shared by the writer and every reader). */
export const pretrainedManifestSchema = z.strictObject({
  format: z.literal('a2d-pretrained-backbone'),
  version: z.literal(1),
  backbone: backboneNameSchema,
  createdAt: z.string(),
  source: z.strictObject({
    file: z.string(),
    /** e.g. 'torchvision state_dict (safetensors)', 'Keras 2 model (.h5, model_weights)'. */
    format: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().nonnegative(),
  }),
  /** The model input is `(byte / 255 - mean) / std` per channel: the preprocessing the source network was trained with. */
  inputNormalization: z.strictObject({ mean: channelTriple, std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]) }),
  normalizationSource: z.string(),
  report: z.strictObject({
    loaded: z.number().int().nonnegative(),
    missing: z.array(z.string()),
    mismatched: z.array(z.strictObject({ name: z.string(), expected: z.array(z.number()), got: z.array(z.number()) })),
    unused: z.array(z.string()),
    ignored: z.number().int().nonnegative(),
    /** True when missing or mismatched weights were accepted with --force (they keep their random initial values). */
    partial: z.boolean(),
  }),
});

/** A parsed `pretrained.json`. */
export type PretrainedManifest = z.infer<typeof pretrainedManifestSchema>;

/** Reads and validates `<dir>/pretrained.json`. */
export async function readPretrainedManifest(dir: string): Promise<PretrainedManifest> {
  const file = path.join(dir, PRETRAINED_MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PretrainedImportError(
      file,
      code === 'ENOENT'
        ? 'not found: a pretrained folder is what `npx nx run layers:import-weights --from=<file> --backbone=<name> --out=<dir>` writes'
        : `cannot read: ${code ?? (error as Error).message}`,
    );
  }
  const parsed = pretrainedManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PretrainedImportError(file, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
