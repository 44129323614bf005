/**
 * A tfjs IOHandler on the local file system (`file://` needs tfjs-node, which this workspace may not
 * have): a model is a folder with `model.json` and `weights.bin`, the layout tfjs-node and the tfjs
 * converter write, so their models (also with several weight shards) load too.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { tf } from '@a2d/engine';
import { writeFileAtomic } from '@a2d/core';
import { ModelFileError } from './model-file-error';

const weightEntrySchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']),
  group: z.enum(['model', 'optimizer']).optional(),
  quantization: z
    .object({
      dtype: z.enum(['uint8', 'uint16', 'float16']),
      scale: z.number().optional(),
      min: z.number().optional(),
      original_dtype: z.enum(['float32', 'int32', 'bool', 'string', 'complex64']).optional(),
    })
    .optional(),
});

/** The parts of a tfjs `model.json` we read (validated; unknown fields are kept). */
export const modelJsonSchema = z.looseObject({
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.object({ paths: z.array(z.string().min(1)), weights: z.array(weightEntrySchema) })),
  format: z.string().optional(),
  generatedBy: z.string().optional(),
  convertedBy: z.string().nullable().optional(),
  trainingConfig: z.record(z.string(), z.unknown()).optional(),
  userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
});

/** A parsed `model.json`. */
export type ModelJson = z.infer<typeof modelJsonSchema>;

/** The folder and model.json path of a saved model given as a folder, a model.json path, or a `file://` URL of either. */
export function resolveModelLocation(location: string): { dir: string; modelJsonPath: string } {
  const plain = location.startsWith('file://') ? location.slice('file://'.length) : location;
  const modelJsonPath = plain.endsWith('.json') ? plain : path.join(plain, 'model.json');
  return { dir: path.dirname(modelJsonPath), modelJsonPath };
}

const bytesPerElement: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

function byteLengthOf(entry: z.infer<typeof weightEntrySchema>, file: string): number {
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const size = bytesPerElement[dtype];
  if (size === undefined) throw new ModelFileError(file, `weight ${entry.name}: dtype ${dtype} is not supported (variable-length)`, 'weightsManifest');
  return entry.shape.reduce((a, b) => a * b, 1) * size;
}

/** Reads and validates `model.json`, then its weight files, checking that they hold exactly the bytes the manifest lists. */
export async function readModelArtifacts(location: string): Promise<tf.io.ModelArtifacts> {
  const { dir, modelJsonPath } = resolveModelLocation(location);
  let text: string;
  try {
    text = await fs.readFile(modelJsonPath, 'utf8');
  } catch (error) {
    throw new ModelFileError(modelJsonPath, `cannot read: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ModelFileError(modelJsonPath, `not JSON: ${(error as Error).message}`);
  }
  const parsed = modelJsonSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ModelFileError(modelJsonPath, issue?.message ?? 'invalid model.json', issue?.path.join('.') || '(root)');
  }
  const json = parsed.data;
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    const expected = group.weights.reduce((sum, entry) => sum + byteLengthOf(entry, modelJsonPath), 0);
    let got = 0;
    for (const shard of group.paths) {
      const shardPath = path.join(dir, shard);
      try {
        const bytes = await fs.readFile(shardPath);
        buffers.push(bytes);
        got += bytes.byteLength;
      } catch (error) {
        throw new ModelFileError(shardPath, `cannot read weight shard listed in ${modelJsonPath}: ${(error as Error).message}`);
      }
    }
    if (got !== expected) {
      throw new ModelFileError(path.join(dir, group.paths[0] ?? ''), `weight data holds ${got} bytes, the manifest lists ${expected}`);
    }
  }
  const weightData = new Uint8Array(buffers.reduce((sum, b) => sum + b.byteLength, 0));
  let offset = 0;
  for (const b of buffers) {
    weightData.set(b, offset);
    offset += b.byteLength;
  }
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights) as tf.io.WeightsManifestEntry[],
    weightData: weightData.buffer,
    ...(json.format !== undefined ? { format: json.format } : {}),
    ...(json.generatedBy !== undefined ? { generatedBy: json.generatedBy } : {}),
    ...(json.convertedBy !== undefined ? { convertedBy: json.convertedBy } : {}),
    ...(json.trainingConfig !== undefined ? { trainingConfig: json.trainingConfig as unknown as tf.io.TrainingConfig } : {}),
    ...(json.userDefinedMetadata !== undefined ? { userDefinedMetadata: json.userDefinedMetadata as Record<string, object> } : {}),
  };
}

/** Model artifacts as the two files of a saved model: `model.json` (text) and `weights.bin`. */
export function modelArtifactsToFiles(artifacts: tf.io.ModelArtifacts, location = 'model.json'): { modelJson: string; weights: Uint8Array } {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new ModelFileError(location, 'only JSON (layers) model topologies can be saved, got a binary graph');
  }
  const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const json = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
    ...(artifacts.trainingConfig !== undefined ? { trainingConfig: artifacts.trainingConfig } : {}),
    ...(artifacts.userDefinedMetadata !== undefined ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
  };
  return { modelJson: JSON.stringify(json), weights: new Uint8Array(weightData) };
}

/** Writes model artifacts as `model.json` + `weights.bin` in `dir`; weights first, so a model.json on disk never points at missing data. */
export async function writeModelArtifacts(dir: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  const { modelJson, weights } = modelArtifactsToFiles(artifacts, path.join(dir, 'model.json'));
  await writeFileAtomic(path.join(dir, 'weights.bin'), weights);
  await writeFileAtomic(path.join(dir, 'model.json'), modelJson);
  const weightData = weights;
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      modelTopologyBytes: Buffer.byteLength(JSON.stringify(artifacts.modelTopology ?? {})),
      weightSpecsBytes: Buffer.byteLength(JSON.stringify(artifacts.weightSpecs ?? [])),
      weightDataBytes: weightData.byteLength,
    },
  };
}

/**
 * An IOHandler for `model.save(fileSystemIO(dir))` and `tf.loadLayersModel(fileSystemIO(dir))`.
 * `location` is a folder, a model.json path or a `file://` URL of either; saving always writes `model.json`.
 */
export function fileSystemIO(location: string): tf.io.IOHandler {
  const { dir } = resolveModelLocation(location);
  return {
    save: (artifacts) => writeModelArtifacts(dir, artifacts),
    load: () => readModelArtifacts(location),
  };
}
