/**
 * Optional pretrained weights: copies the weights of a saved tfjs LayersModel into a model by name
 * (`<layer name>/<weight name>`, e.g. `conv1_conv/kernel`), the way Keras' `load_weights(by_name=True)`
 * does, and reports what matched instead of failing on the first difference.
 */
import { tf } from '@a2d/engine';
import { readModelArtifacts } from './file-system-io';

/** Options of `loadPretrainedWeights`. */
export interface PretrainedLoadOptions {
  /**
   * Renames saved weights before matching: the longest key that starts a saved name is replaced by its
   * value, e.g. `{ '': 'action_backbone/' }` loads a bare backbone into a prefixed one.
   */
  prefixMap?: Readonly<Record<string, string>>;
}

/** What `loadPretrainedWeights` did, by model weight name (saved names after `prefixMap`). */
export interface PretrainedLoadReport {
  /** Model weights that now hold the saved values. */
  loaded: string[];
  /** Model weights with no saved weight of that name (they keep their initial values). */
  missing: string[];
  /** Model weights whose saved namesake has another shape (they keep their initial values). */
  mismatched: { name: string; expected: number[]; got: number[] }[];
  /** Saved weights that no model weight asked for (e.g. a classifier head). */
  unused: string[];
}

/** Drops the `:0` output suffix TensorFlow puts on variable names. */
function canonicalName(name: string): string {
  return name.replace(/:\d+$/, '');
}

function renamed(name: string, prefixMap: Readonly<Record<string, string>>): string {
  const key = Object.keys(prefixMap)
    .filter((prefix) => name.startsWith(prefix))
    .sort((a, b) => b.length - a.length)[0];
  return key === undefined ? name : `${prefixMap[key]}${name.slice(key.length)}`;
}

/** How the weights of a model pair up with named values: which to write, and the report's lists. */
export interface WeightMatch<T> {
  writes: { variable: tf.LayerVariable; value: T }[];
  loaded: string[];
  missing: string[];
  mismatched: { name: string; expected: number[]; got: number[] }[];
  /** Names of `values` that no model weight took. */
  unused: string[];
}

/** Pairs every weight of `weights` with the value of its `originalName` in `values`, when the shapes agree. */
export function matchWeightsByName<T extends { shape: readonly number[] }>(weights: readonly tf.LayerVariable[], values: ReadonlyMap<string, T>): WeightMatch<T> {
  const match: WeightMatch<T> = { writes: [], loaded: [], missing: [], mismatched: [], unused: [] };
  const used = new Set<string>();
  for (const variable of weights) {
    const name = variable.originalName;
    const value = values.get(name);
    if (value === undefined) {
      match.missing.push(name);
      continue;
    }
    used.add(name);
    const expected = variable.shape.map((d) => d ?? -1);
    if (!tf.util.arraysEqual(expected, [...value.shape])) {
      match.mismatched.push({ name, expected, got: [...value.shape] });
      continue;
    }
    match.writes.push({ variable, value });
    match.loaded.push(name);
  }
  match.unused = [...values.keys()].filter((name) => !used.has(name));
  return match;
}

/** Copies the weights saved at `location` (a folder, model.json path or `file://` URL) into `model`, matching by name. */
export async function loadPretrainedWeights(model: tf.LayersModel, location: string, options: PretrainedLoadOptions = {}): Promise<PretrainedLoadReport> {
  const artifacts = await readModelArtifacts(location);
  const saved = tf.io.decodeWeights(artifacts.weightData ?? new ArrayBuffer(0), artifacts.weightSpecs ?? []);
  const prefixMap = options.prefixMap ?? {};
  const byName = new Map<string, tf.Tensor>();
  for (const [name, tensor] of Object.entries(saved)) byName.set(renamed(canonicalName(name), prefixMap), tensor);
  try {
    const { writes, loaded, missing, mismatched, unused } = matchWeightsByName(model.weights, byName);
    tf.tidy(() => {
      for (const { variable, value } of writes) variable.write(value.dtype === variable.dtype ? value : tf.cast(value, variable.dtype));
    });
    return { loaded, missing, mismatched, unused };
  } finally {
    tf.dispose(Object.values(saved));
  }
}
