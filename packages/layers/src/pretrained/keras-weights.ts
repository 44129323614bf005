/**
 * Keras weight files in their three HDF5 layouts, as keras.applications and users write them:
 * - Keras 2 `save_weights('x.h5')`: root attribute `layer_names`; group `<layer>` with attribute `weight_names`
 *   (`stem_conv/kernel:0`) and the datasets at those paths inside the group;
 * - Keras 2 `save('x.h5')`: the same under the `model_weights` group (what keras.applications downloads are);
 * - Keras 3 `save_weights('x.weights.h5')`: `layers/<path>/vars/<i>`, the layer's i-th weight, unnamed, where
 *   the path is the class name and a per-class counter (`conv2d_3`), not the layer name.
 * Layer names are keras.applications' (`block2a_expand_conv`), which our EfficientNet uses, so weights keep
 * their layer and weight name; Keras 3's paths and indices are resolved against our model later
 * (`import-weights.ts`).
 *
 * The `normalization` layer (Keras' input normalisation inside EfficientNet) is not a backbone weight: its
 * mean and variance become the input preprocessing. keras.applications' ImageNet files store the channel
 * standard deviations in its `variance` (tensorflow/tensorflow#49930), and Keras then rescales by
 * 1/sqrt(std) once more, so that the net effect is (x/255 - mean)/std; a file whose variance equals those
 * standard deviations is read that way (reported), any other file as (x/255 - mean)/sqrt(variance).
 */
import type { Hdf5Dataset, Hdf5Group } from './hdf5-file';
import { PretrainedImportError } from './pretrained-import-error';
import { IMAGENET_INPUT_NORMALIZATION, type InputNormalization } from '@a2d/core';
import type { SourceWeight, SourceWeights } from './source-weights';
import { refuseNegativeVariances, refuseNonFiniteValues } from './weight-value-checks';

/** A Keras weight as stored: its layer, its name within the layer (or index), and the dataset. */
interface KerasEntry {
  layer: string;
  /** `kernel`, `depthwise_kernel`, `gamma`, ... (Keras 2) or `#0`, `#1`, ... (Keras 3). */
  weight: string;
  dataset: Hdf5Dataset;
}

/** Keras' epsilon floor on sqrt(variance) in its Normalization layer. */
const NORMALIZATION_EPSILON = 1e-7;

/** Fixed-length HDF5 strings (numpy 'S' arrays, as Keras writes them) come back padded with NULs. */
function unpadded(text: string): string {
  return text.replace(/\0+$/, '');
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [unpadded(value)];
  // h5py stores Keras' empty weight_names list as an empty float array.
  if (ArrayBuffer.isView(value) && (value as unknown as ArrayLike<unknown>).length === 0) return [];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return (value as string[]).map(unpadded);
  return undefined;
}

function legacyEntries(weightsGroup: Hdf5Group, file: string): KerasEntry[] {
  const layerNames = stringList(weightsGroup.attrs().layer_names);
  if (!layerNames) throw new PretrainedImportError(file, `${weightsGroup.path}: attribute layer_names must be a list of strings`);
  const entries: KerasEntry[] = [];
  for (const layer of layerNames) {
    const group = weightsGroup.get(layer);
    if (group?.kind !== 'group') throw new PretrainedImportError(file, `layer_names lists ${JSON.stringify(layer)}, but ${weightsGroup.path} has no such group`);
    const weightNames = stringList(group.attrs().weight_names ?? []);
    if (!weightNames) throw new PretrainedImportError(file, `${group.path}: attribute weight_names must be a list of strings`);
    for (const weightName of weightNames) {
      const dataset = group.get(weightName);
      if (dataset?.kind !== 'dataset') throw new PretrainedImportError(file, `${group.path}: weight_names lists ${JSON.stringify(weightName)}, but there is no such dataset`);
      // 'block1a_dwconv/depthwise_kernel:0' -> 'depthwise_kernel' (the layer name prefix may carry a model scope).
      const leaf = weightName.split('/').pop() ?? weightName;
      entries.push({ layer, weight: leaf.replace(/:\d+$/, ''), dataset });
    }
  }
  return entries;
}

function keras3Entries(layersGroup: Hdf5Group, file: string): KerasEntry[] {
  const entries: KerasEntry[] = [];
  for (const layer of layersGroup.keys()) {
    const vars = layersGroup.get(`${layer}/vars`);
    if (vars?.kind !== 'group') continue; // layers without weights may have no vars group
    const indices = vars.keys().map(Number);
    if (!indices.every((i) => Number.isInteger(i) && i >= 0)) throw new PretrainedImportError(file, `${vars.path}: expected datasets named 0, 1, ..., got ${vars.keys().join(', ')}`);
    for (const index of indices.sort((a, b) => a - b)) {
      const dataset = vars.get(String(index));
      if (dataset?.kind !== 'dataset') throw new PretrainedImportError(file, `${vars.path}/${index}: expected a dataset`);
      entries.push({ layer, weight: `#${index}`, dataset });
    }
  }
  return entries;
}

/** Which layout the file has, and its weight entries in file order. */
function kerasEntries(root: Hdf5Group, file: string): { layout: string; entries: KerasEntry[] } {
  if (root.attrs().layer_names !== undefined) return { layout: 'Keras 2 weights (.h5)', entries: legacyEntries(root, file) };
  const modelWeights = root.get('model_weights');
  if (modelWeights?.kind === 'group') return { layout: 'Keras 2 model (.h5, model_weights)', entries: legacyEntries(modelWeights, file) };
  const layers = root.get('layers');
  if (layers?.kind === 'group') return { layout: 'Keras 3 weights (.weights.h5)', entries: keras3Entries(layers, file) };
  throw new PretrainedImportError(
    file,
    "not a Keras weights file: expected a root attribute 'layer_names' (Keras 2 save_weights), a 'model_weights' group (Keras 2 save) or a 'layers' group (Keras 3 .weights.h5)",
  );
}

function isNormalizationLayer(layer: string): boolean {
  return /^normalization(_\d+)?$/.test(layer);
}

function triple(values: Float32Array, what: string, file: string): [number, number, number] {
  if (values.length !== 3) throw new PretrainedImportError(file, `${what}: expected 3 channel values, got ${values.length}`);
  return [values[0] ?? 0, values[1] ?? 0, values[2] ?? 0];
}

/** HDF5 float element types as jsfive names them ('<f4', '>f8', ...); weights are never integers or bools. */
const FLOAT_DTYPE = /^[<>=|]?f[248]$/;

/** A dataset that becomes a weight or the preprocessing: refused unless it is float and finite. */
function floatValues(dataset: Hdf5Dataset, sourceName: string, file: string): Float32Array {
  if (!FLOAT_DTYPE.test(dataset.dtype)) {
    throw new PretrainedImportError(file, `dtype ${dataset.dtype}, expected a float dtype (f2, f4 or f8) for a weight; nothing was written`, sourceName);
  }
  const values = dataset.values();
  refuseNonFiniteValues(values, sourceName, file);
  return values;
}

/** The input preprocessing a Keras normalization layer's mean and variance stand for (see the file comment). */
export function kerasInputNormalization(mean: [number, number, number], variance: [number, number, number]): { normalization: InputNormalization; imagenet: boolean } {
  const imagenetStd = IMAGENET_INPUT_NORMALIZATION.std;
  const imagenet = variance.every((v, c) => Math.abs(v - (imagenetStd[c] ?? 0)) < 1e-6);
  const std = variance.map((v, c) => Math.max(Math.sqrt(v), NORMALIZATION_EPSILON) * (imagenet ? Math.sqrt(imagenetStd[c] ?? 1) : 1)) as [number, number, number];
  return { normalization: { mean, std }, imagenet };
}

/** The weights of a Keras EfficientNet file (any of the three layouts). */
export function kerasWeights(root: Hdf5Group, file: string): SourceWeights {
  const { layout, entries } = kerasEntries(root, file);
  const weights: SourceWeight[] = [];
  const ignored: SourceWeights['ignored'] = [];
  const normalizationParts: Record<string, Float32Array> = {};
  for (const { layer, weight, dataset } of entries) {
    const sourceName = dataset.path.replace(/^\//, '');
    if (isNormalizationLayer(layer)) {
      // Keras 2 names them mean/variance/count; Keras 3 stores them in that order as vars 0, 1, 2.
      const part = { '#0': 'mean', '#1': 'variance', '#2': 'count' }[weight] ?? weight;
      // The sample count is an integer in Keras and plays no part in the preprocessing.
      normalizationParts[part] = part === 'count' ? dataset.values() : floatValues(dataset, sourceName, file);
      if (part === 'variance') refuseNegativeVariances(normalizationParts[part], sourceName, file, 'input normalization');
      ignored.push({ sourceName, reason: `input normalization ${part} (becomes the preprocessing, not a weight)` });
      continue;
    }
    weights.push({ name: `${layer}/${weight}`, sourceName, shape: [...dataset.shape], values: floatValues(dataset, sourceName, file) });
  }
  let inputNormalization = IMAGENET_INPUT_NORMALIZATION;
  let normalizationSource = 'ImageNet statistics (the file has no normalization layer)';
  const { mean, variance } = normalizationParts;
  if (mean !== undefined && variance !== undefined) {
    const read = kerasInputNormalization(triple(mean, 'normalization mean', file), triple(variance, 'normalization variance', file));
    inputNormalization = read.normalization;
    normalizationSource = read.imagenet
      ? "the file's normalization layer, read as keras.applications' ImageNet weights (variance holds the std; Keras rescales by 1/sqrt(std) again)"
      : "the file's normalization layer: (x/255 - mean) / sqrt(variance)";
  } else if (mean !== undefined || variance !== undefined) {
    throw new PretrainedImportError(file, 'the normalization layer has a mean or a variance but not both');
  }
  return { format: layout, weights, ignored, unmapped: [], inputNormalization, normalizationSource };
}
