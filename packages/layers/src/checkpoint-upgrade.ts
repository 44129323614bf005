/**
 * Saved models of format version 1 (before issue 10) carry attention weights that could never learn; loading drops
 * them, so those checkpoints keep working and load into today's layers:
 * - the key biases of every `RelativePositionSelfAttention` (`qkv_bias`' middle third) and of the
 *   `ActionContextCrossAttention` (`key_value_bias`' first half): a key bias adds the same q . b to all of a
 *   query's logits, which the softmax cancels;
 * - with a frame count T in the metadata, the relative-position table columns beyond distance T - 1, which no clip
 *   of the model can reach.
 * Neither changes any output beyond float rounding. Version 2 is what `save` writes.
 */
import { z } from 'zod';
import { tf } from '@a2d/engine';

/** The format version of a saved two-step or one-step model. */
export const MODEL_FORMAT_VERSION = 2;

const versionOneSchema = z.looseObject({
  format: z.enum(['a2d-two-step-model', 'a2d-one-step-model']),
  version: z.literal(1),
  numFrames: z.number().int().positive().nullable(),
});

/** A layer entry of a tfjs JSON topology. */
interface TopologyLayer {
  class_name: string;
  config: { name: string; [key: string]: unknown };
}

function isTopologyLayer(node: unknown): node is TopologyLayer {
  if (typeof node !== 'object' || node === null) return false;
  const { class_name: className, config } = node as Record<string, unknown>;
  return typeof className === 'string' && typeof config === 'object' && config !== null && typeof (config as Record<string, unknown>).name === 'string';
}

/** Every layer entry of a topology, nested models included. */
function topologyLayers(node: unknown, found: TopologyLayer[] = []): TopologyLayer[] {
  if (Array.isArray(node)) node.forEach((child) => topologyLayers(child, found));
  else if (typeof node === 'object' && node !== null) {
    if (isTopologyLayer(node)) found.push(node);
    Object.values(node).forEach((child) => topologyLayers(child, found));
  }
  return found;
}

/** A weight by its saved name. */
interface NamedWeight {
  name: string;
  tensor: tf.Tensor;
}

/** How one version-1 weight becomes its version-2 weights (an empty list would drop it). */
type WeightRule = (tensor: tf.Tensor) => NamedWeight[];

function rulesOf(layers: TopologyLayer[], numFrames: number | null): Map<string, WeightRule> {
  const rules = new Map<string, WeightRule>();
  for (const { class_name: className, config } of layers) {
    const name = config.name;
    if (className === 'RelativePositionSelfAttention') {
      rules.set(`${name}/qkv_bias`, (bias) => {
        const width = bias.size / 3;
        return [
          { name: `${name}/query_bias`, tensor: tf.slice(bias, [0], [width]) },
          { name: `${name}/value_bias`, tensor: tf.slice(bias, [2 * width], [width]) },
        ];
      });
      const maxDistance = Number(config.max_relative_distance);
      const kept = numFrames === null ? maxDistance : Math.min(maxDistance, numFrames - 1);
      if (kept < maxDistance) {
        // Columns are distances -maxDistance..maxDistance: keep the middle -kept..kept.
        rules.set(`${name}/relative_bias`, (table) => [
          { name: `${name}/relative_bias`, tensor: tf.slice(table, [0, maxDistance - kept], [table.shape[0], 2 * kept + 1]) },
        ]);
      }
    } else if (className === 'ActionContextCrossAttention') {
      rules.set(`${name}/key_value_bias`, (bias) => [{ name: `${name}/value_bias`, tensor: tf.slice(bias, [bias.size / 2], [bias.size / 2]) }]);
    }
  }
  return rules;
}

/** `artifacts` in the current format: version-1 two-step and one-step models are upgraded, anything else is returned as is. */
export async function upgradeModelArtifacts(artifacts: tf.io.ModelArtifacts): Promise<tf.io.ModelArtifacts> {
  const metadata = versionOneSchema.safeParse(artifacts.userDefinedMetadata);
  const { weightData, weightSpecs } = artifacts;
  if (!metadata.success || weightData === undefined || weightSpecs === undefined || artifacts.modelTopology instanceof ArrayBuffer) return artifacts;
  const { numFrames } = metadata.data;
  // A JSON copy, not structuredClone: tfjs tells arrays by `instanceof Array`, which another realm's arrays fail (jest).
  const modelTopology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as object;
  const layers = topologyLayers(modelTopology);
  const rules = rulesOf(layers, numFrames);
  // Today's self-attention sizes its table from the longest sequence it takes: the model's frame count.
  for (const layer of layers) if (layer.class_name === 'RelativePositionSelfAttention') layer.config.max_sequence_length = numFrames;
  const saved = tf.io.decodeWeights(weightData, weightSpecs);
  const upgraded = weightSpecs.flatMap(({ name }): NamedWeight[] => {
    const rule = rules.get(name);
    return rule ? rule(saved[name]) : [{ name, tensor: saved[name] }];
  });
  try {
    const encoded = await tf.io.encodeWeights(upgraded);
    return {
      ...artifacts,
      modelTopology,
      weightSpecs: encoded.specs,
      weightData: encoded.data,
      // tfjs types metadata as objects; null (any clip length) is valid JSON and our schemas take it.
      userDefinedMetadata: { ...metadata.data, version: MODEL_FORMAT_VERSION } as unknown as Record<string, object>,
    };
  } finally {
    tf.dispose([...Object.values(saved), ...upgraded.map((weight) => weight.tensor)]);
  }
}

/** A loader reading through `handler` and upgrading old checkpoints (see the file comment). */
export function upgradingLoader(handler: tf.io.IOHandler): tf.io.IOHandler {
  const load = handler.load?.bind(handler);
  return load ? { load: async () => upgradeModelArtifacts(await load()) } : handler;
}
