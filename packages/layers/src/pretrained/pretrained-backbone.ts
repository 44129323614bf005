/**
 * Fills the appearance backbone(s) of a classifier from a pretrained folder (`layers:import-weights` output):
 * every backbone weight must be there with its shape, under each backbone prefix the model has (`backbone/`,
 * or `action_backbone/` and `actor_backbone/`). One difference is bridged on purpose: with
 * `model.motion.frameDifferences` the first convolution reads 6 channels (the frame, then its difference to
 * the previous one) where the source read 3; the RGB part takes the pretrained kernel and the difference part
 * starts at zero, so at step 0 the backbone computes exactly the source network's features.
 */
import { tf } from '@a2d/engine';
import type { BackboneName } from '@a2d/core';
import { readModelArtifacts } from '../backbones/file-system-io';
import { APPEARANCE_BACKBONE_PREFIXES } from '../frame-motion';
import { readPretrainedManifest, type PretrainedManifest } from './pretrained-manifest';
import { PretrainedImportError } from './pretrained-import-error';

/** What `applyPretrainedBackbone` did. */
export interface PretrainedBackboneReport {
  manifest: PretrainedManifest;
  /** The backbone prefixes filled (`backbone/`, ...). */
  prefixes: string[];
  /** Weights written, over all prefixes. */
  loaded: number;
  /** Kernels whose extra input channels were zero-filled (frame differences), with both shapes. */
  adapted: { name: string; saved: number[]; model: number[] }[];
}

/** Pretrained `values` [kh, kw, c, out] widened to [kh, kw, k*c, out]: the first c input channels get them, the rest zeros. */
function widenInputChannels(values: tf.Tensor, modelShape: number[]): tf.Tensor {
  return tf.tidy(() => {
    const [kh = 0, kw = 0, inSaved = 0, out = 0] = values.shape;
    const extra = (modelShape[2] ?? 0) - inSaved;
    return tf.concat([values, tf.zeros([kh, kw, extra, out])], 2);
  });
}

/** Whether a model kernel differs from the saved one only by more input channels (a multiple of them). */
function isWiderInput(saved: readonly number[], model: readonly number[]): boolean {
  const [kh, kw, inSaved, out] = saved;
  return (
    saved.length === 4 &&
    model.length === 4 &&
    model[0] === kh &&
    model[1] === kw &&
    model[3] === out &&
    inSaved !== undefined &&
    (model[2] ?? 0) > inSaved &&
    (model[2] ?? 0) % inSaved === 0
  );
}

/** Loads `<dir>` into the backbones of `model` (built for `backbone`); throws `PretrainedImportError` when it does not fit. */
export async function applyPretrainedBackbone(model: tf.LayersModel, dir: string, backbone: BackboneName): Promise<PretrainedBackboneReport> {
  const manifest = await readPretrainedManifest(dir);
  if (manifest.backbone !== backbone) {
    throw new PretrainedImportError(dir, `holds ${manifest.backbone} weights, the model's backbone is ${backbone}: set --model.backbone=${manifest.backbone}`);
  }
  const artifacts = await readModelArtifacts(dir);
  const saved = tf.io.decodeWeights(artifacts.weightData ?? new ArrayBuffer(0), artifacts.weightSpecs ?? []);
  try {
    const byName = new Map(model.weights.map((weight) => [weight.originalName, weight]));
    const savedNames = Object.keys(saved);
    const firstName = savedNames[0];
    if (firstName === undefined) throw new PretrainedImportError(dir, 'the folder holds no weights');
    const prefixes = APPEARANCE_BACKBONE_PREFIXES.filter((prefix) => byName.has(`${prefix}${firstName}`));
    if (prefixes.length === 0) {
      throw new PretrainedImportError(dir, `the model has no ${backbone} backbone weight named like ${firstName} under ${APPEARANCE_BACKBONE_PREFIXES.join(', ')}`);
    }
    const report: PretrainedBackboneReport = { manifest, prefixes: [...prefixes], loaded: 0, adapted: [] };
    const writes: { weight: tf.LayerVariable; value: tf.Tensor; widen: boolean }[] = [];
    for (const prefix of prefixes) {
      for (const name of savedNames) {
        const value = saved[name];
        const weight = byName.get(`${prefix}${name}`);
        if (!value || !weight) throw new PretrainedImportError(dir, `weight ${name} has no counterpart ${prefix}${name} in the model`);
        const modelShape = weight.shape.map((d) => d ?? -1);
        if (tf.util.arraysEqual(modelShape, value.shape)) writes.push({ weight, value, widen: false });
        else if (isWiderInput(value.shape, modelShape)) {
          writes.push({ weight, value, widen: true });
          report.adapted.push({ name: weight.originalName, saved: [...value.shape], model: modelShape });
        } else {
          throw new PretrainedImportError(dir, `weight ${name}: saved [${value.shape.join(', ')}], the model's ${prefix}${name} is [${modelShape.join(', ')}]`);
        }
      }
      const missing = model.weights
        .map((weight) => weight.originalName)
        .filter((name) => name.startsWith(prefix) && !(name.slice(prefix.length) in saved));
      if (missing.length > 0) throw new PretrainedImportError(dir, `the model's ${prefix} backbone has weights the folder lacks: ${missing.slice(0, 5).join(', ')}`);
    }
    tf.tidy(() => {
      for (const { weight, value, widen } of writes) weight.write(widen ? widenInputChannels(value, weight.shape.map((d) => d ?? 0)) : value);
    });
    report.loaded = writes.length;
    return report;
  } finally {
    tf.dispose(Object.values(saved));
  }
}
