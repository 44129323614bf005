/**
 * The converter behind `npx nx run layers:import-weights`: reads another framework's weights (a torchvision
 * ResNet state_dict as safetensors, a Keras EfficientNet .h5 / .weights.h5), fills the matching backbone of
 * ours, reports loaded / missing / mismatched / unused weights, refuses a poisoned file always (weight-value-checks.ts)
 * and a partial load unless forced, and writes a folder the trainer takes (`--model.pretrained=<dir>`): the bare
 * backbone as a tfjs LayersModel (`model.json` + `weights.bin`, any input size) and `pretrained.json` (source,
 * preprocessing, report). Every refusal comes before anything is written.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync, type Stats } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { tf } from '@a2d/engine';
import { A2dError, writeJsonAtomic, type BackboneName } from '@a2d/core';
import { createBackbone } from '../backbones/backbone';
import { writeModelArtifacts } from '../backbones/file-system-io';
import { matchWeightsByName } from '../backbones/pretrained';
import { parseHdf5 } from './hdf5-file';
import { kerasWeights } from './keras-weights';
import { PRETRAINED_MANIFEST_FILE, pretrainedManifestSchema, type PretrainedManifest } from './pretrained-manifest';
import { PretrainedImportError } from './pretrained-import-error';
import { parseSafetensors } from './safetensors-file';
import type { SourceWeight, SourceWeights } from './source-weights';
import { torchvisionResNetWeights } from './torchvision-resnet';
import { refuseNegativeVariances } from './weight-value-checks';

/** What to import. */
export interface ImportWeightsOptions {
  /** The source file: `.safetensors` (torchvision ResNet) or `.h5` / `.weights.h5` (Keras EfficientNet). */
  from: string;
  backbone: BackboneName;
  /** Folder to create; it must not exist yet (or be empty). */
  out: string;
  /** Write the folder even when some backbone weights are missing or mismatched (they keep random values). */
  force?: boolean;
}

/** The full report of one import (the manifest keeps the counts and the problem lists). */
export interface ImportWeightsReport {
  format: string;
  /** Backbone weights filled from the file. */
  loaded: string[];
  /** Backbone weights the file has no value for. */
  missing: string[];
  /** Backbone weights whose value in the file has another shape. */
  mismatched: { name: string; expected: number[]; got: number[] }[];
  /** File entries no backbone weight took (e.g. the ImageNet classifier). */
  unused: string[];
  /** File entries without a counterpart by design, with the reason. */
  ignored: { sourceName: string; reason: string }[];
}

/** The result: where it was written, the manifest and the full report. */
export interface ImportWeightsResult {
  out: string;
  manifest: PretrainedManifest;
  report: ImportWeightsReport;
}

// Uint8Array, not Buffer: the browser viewer bundles this package.
const HDF5_SIGNATURE = Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Reads the source file as the family of `backbone` expects it. */
function readSource(bytes: Buffer, file: string, backbone: BackboneName): SourceWeights {
  const isHdf5 = bytes.subarray(0, 8).equals(HDF5_SIGNATURE);
  if (backbone.startsWith('resnet')) {
    if (isHdf5) {
      throw new PretrainedImportError(file, `${backbone} imports torchvision weights (a state_dict as .safetensors, written by tools/pretrained/export_torchvision.py); this is an HDF5 (Keras) file`);
    }
    const parsed = parseSafetensors(bytes, file);
    const declared = parsed.metadata.model;
    if (declared !== undefined && declared !== backbone) {
      throw new PretrainedImportError(file, `the file holds torchvision ${declared} weights (__metadata__.model), not ${backbone}: pass --backbone=${declared}`);
    }
    return torchvisionResNetWeights(parsed, file);
  }
  if (backbone.startsWith('efficientnet')) {
    if (!isHdf5) throw new PretrainedImportError(file, `${backbone} imports Keras weights (.h5 or .weights.h5, HDF5); this file has no HDF5 signature`);
    return kerasWeights(parseHdf5(bytes, file), file);
  }
  throw new PretrainedImportError(file, `there are no pretrained weights for the ${backbone} backbone (resnet18/34/50/101 from torchvision, efficientnet-b0..b4 from Keras)`);
}

/** Keras' snake_case class names of the weighted layer classes our backbones use. */
const KERAS_CLASS_PATHS: Readonly<Record<string, string>> = {
  Conv2D: 'conv2d',
  A2dConv2D: 'conv2d',
  DepthwiseConv2D: 'depthwise_conv2d',
  ChannelBatchNorm: 'batch_normalization',
  BatchNormalization: 'batch_normalization',
  Dense: 'dense',
};

/**
 * The names Keras 3 files give our layers: not the layer names but the snake_case class name with a counter per
 * class in the model's layer order (`conv2d`, `conv2d_1`, ..., `batch_normalization_7`). The backbones are chains
 * (the SE gate and the residual add do not reorder any weighted layer), so the order is the same in both.
 */
export function keras3LayerPaths(model: tf.LayersModel): Map<string, tf.layers.Layer> {
  const counts = new Map<string, number>();
  const paths = new Map<string, tf.layers.Layer>();
  for (const layer of model.layers) {
    const base = KERAS_CLASS_PATHS[layer.getClassName()];
    if (base === undefined) continue;
    const count = counts.get(base) ?? 0;
    counts.set(base, count + 1);
    paths.set(count === 0 ? base : `${base}_${count}`, layer);
  }
  return paths;
}

/** Our weight name for each source weight (Keras 3's `<layer>/#i` resolved against the layer's weights). */
function resolveNames(model: tf.LayersModel, source: SourceWeight[], file: string): Map<string, SourceWeight> {
  const byName = new Map<string, SourceWeight>();
  let keras3Paths: Map<string, tf.layers.Layer> | undefined;
  for (const weight of source) {
    let name = weight.name;
    const indexed = /^(.*)\/#(\d+)$/.exec(name);
    if (indexed) {
      const [, layerName = '', index = '0'] = indexed;
      let layer: tf.layers.Layer | undefined;
      try {
        layer = model.getLayer(layerName);
      } catch {
        keras3Paths ??= keras3LayerPaths(model);
        layer = keras3Paths.get(layerName);
      }
      const target = layer?.weights[Number(index)];
      name = target ? target.originalName : `${layerName}/#${index}`;
    }
    if (byName.has(name)) throw new PretrainedImportError(file, `two entries map to ${name}: ${byName.get(name)?.sourceName} and ${weight.sourceName}`);
    byName.set(name, { ...weight, name });
  }
  return byName;
}

function listed(names: string[], limit = 6): string {
  return names.length <= limit ? names.join(', ') : `${names.slice(0, limit).join(', ')}, ... (${names.length - limit} more)`;
}

/** `EACCES (permission denied)`: a Node file-system error's code and what it means here, or the message of another error. */
function describeFsError(error: unknown, meanings: Readonly<Record<string, string>>): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return error instanceof Error ? error.message : String(error);
  const meaning = meanings[code] ?? { EACCES: 'permission denied', ENOSPC: 'no space left on the device', EROFS: 'a read-only file system' }[code];
  return meaning === undefined ? code : `${code} (${meaning})`;
}

/** The file-system entry at `target`, undefined where there is none (also where a parent is a file). */
function statIfAny(target: string, out: string): Stats | undefined {
  try {
    return statSync(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new PretrainedImportError(out, `cannot inspect ${target}: ${describeFsError(error, {})}; choose another --out (nothing was written)`);
  }
}

/**
 * Refuses an `--out` the import could not create as a new folder, before the (slow) import runs: an existing file,
 * a non-empty folder, or a path below a file.
 */
function refuseUnusableOut(out: string): void {
  const refuse = (reason: string): never => {
    throw new PretrainedImportError(out, `${reason}; choose another --out (nothing was written)`);
  };
  const existing = statIfAny(out, out);
  if (existing !== undefined) {
    if (!existing.isDirectory()) refuse('is a file, not a folder: --out names the folder to create');
    let entries: string[] = [];
    try {
      entries = readdirSync(out);
    } catch (error) {
      refuse(`cannot list it: ${describeFsError(error, {})}`);
    }
    if (entries.length > 0) refuse('already exists and is not empty');
    return;
  }
  // The nearest existing ancestor must be a folder, or neither the staging folder nor --out can be made.
  for (let dir = path.dirname(path.resolve(out)); ; dir = path.dirname(dir)) {
    const stats = statIfAny(dir, out);
    if (stats !== undefined) {
      if (!stats.isDirectory()) refuse(`cannot be created: ${dir} is a file, not a folder`);
      return;
    }
    if (path.dirname(dir) === dir) return;
  }
}

/** Imports `options.from` into a new pretrained folder; throws `PretrainedImportError` on a bad file or a refused partial load. */
export async function importBackboneWeights(options: ImportWeightsOptions): Promise<ImportWeightsResult> {
  const { from, backbone, out } = options;
  refuseUnusableOut(out);
  let bytes: Buffer;
  try {
    bytes = await readFile(from);
  } catch (error) {
    throw new PretrainedImportError(from, `cannot read: ${describeFsError(error, { EISDIR: 'a folder; --from takes the weights file itself, .safetensors or .h5', ENOENT: 'no such file' })}`);
  }
  const source = readSource(bytes, from, backbone);

  const input = tf.input({ shape: [null, null, 3], name: 'frames' });
  const built = createBackbone(backbone, {}).apply(input);
  const model = tf.model({ name: `${backbone}_backbone`, inputs: input, outputs: built.featureMap });
  try {
    const byName = resolveNames(model, source.weights, from);
    // Here, not in the readers: Keras 3 files name a layer's weights by index, known as variances only once resolved.
    for (const weight of byName.values()) {
      if (weight.name.endsWith('/moving_variance')) refuseNegativeVariances(weight.values, weight.sourceName, from, 'batch-norm');
    }
    const match = matchWeightsByName(model.weights, byName);
    const report: ImportWeightsReport = {
      format: source.format,
      loaded: match.loaded,
      missing: match.missing,
      mismatched: match.mismatched,
      unused: [...source.unmapped, ...match.unused.map((name) => byName.get(name)?.sourceName ?? name)],
      ignored: source.ignored,
    };

    if (report.loaded.length === 0) {
      throw new PretrainedImportError(from, `no weight of the file fits ${backbone} (${byName.size} entries, e.g. ${listed([...byName.keys()], 3)}): is --backbone right?`);
    }
    const partial = report.missing.length > 0 || report.mismatched.length > 0;
    if (partial && !options.force) {
      const problems = [
        report.missing.length > 0 ? `${report.missing.length} missing (${listed(report.missing)})` : '',
        report.mismatched.length > 0
          ? `${report.mismatched.length} mismatched (${listed(report.mismatched.map((m) => `${m.name} [${m.expected.join(',')}] vs [${m.got.join(',')}]`))})`
          : '',
      ].filter(Boolean);
      throw new PretrainedImportError(
        from,
        `partial load refused: ${report.loaded.length} of ${model.weights.length} ${backbone} weights loaded, ${problems.join(', ')}; nothing was written. ` +
          'Pass --force to write it anyway (the missing and mismatched weights keep random initial values).',
      );
    }
    tf.tidy(() => {
      for (const { variable, value } of match.writes) variable.write(tf.tensor(value.values, value.shape, 'float32'));
    });

    const manifest: PretrainedManifest = pretrainedManifestSchema.parse({
      format: 'a2d-pretrained-backbone',
      version: 1,
      backbone,
      createdAt: new Date().toISOString(),
      source: { file: path.resolve(from), format: source.format, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length },
      inputNormalization: source.inputNormalization,
      normalizationSource: source.normalizationSource,
      report: { loaded: report.loaded.length, missing: report.missing, mismatched: report.mismatched, unused: report.unused, ignored: report.ignored.length, partial },
    });
    // Written next to the target and renamed into place, so `out` is either complete or absent.
    const staging = `${out.replace(/[/\\]+$/, '')}.partial-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    try {
      await model.save({ save: (artifacts) => writeModelArtifacts(staging, artifacts) });
      await writeJsonAtomic(path.join(staging, PRETRAINED_MANIFEST_FILE), manifest);
      if (existsSync(out)) await rm(out, { recursive: true }); // empty (checked above)
      await mkdir(path.dirname(path.resolve(out)), { recursive: true });
      await rename(staging, out);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      if (error instanceof A2dError) throw error;
      throw new PretrainedImportError(out, `cannot write it: ${describeFsError(error, {})} (nothing was written)`);
    }
    return { out, manifest, report };
  } finally {
    model.dispose();
  }
}
