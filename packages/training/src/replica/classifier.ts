/**
 * One interface over the two model kinds the trainer can train: the two-step model and the one-step 36-way
 * baseline. Training feeds batches of normalised frames and targets; inference returns, per clip, step 1's
 * p(action) and the table p(actor | action) for all 8 actions, from which plain and constrained decoding follow.
 */
import { readFile } from 'node:fs/promises';
import { NUM_ACTIONS, NUM_ACTORS, Rng, type ModelConfig } from '@a2d/core';
import { tf } from '@a2d/engine';
import { NUM_PAIRS, OneStepModel, PAIR_CLASSES, resolveModelLocation, TwoStepModel, type EncodedClips } from '@a2d/layers';

/** Either trained model. */
export type Classifier = TwoStepModel | OneStepModel;

/** The saved network of a classifier (what `save` writes and `setWeights` fills). */
export function networkOf(model: Classifier): tf.LayersModel {
  return model instanceof TwoStepModel ? model.network.full : model.network;
}

/** Builds a fresh classifier from the model config (the same `seed` gives the same weights in every thread). */
export function createClassifier(config: ModelConfig, inputSize: number, numFrames: number, seed: number): Classifier {
  const options = { config, inputSize, numFrames, rng: new Rng(seed).fork('model') };
  return config.kind === 'one-step' ? OneStepModel.create(options) : TwoStepModel.create(options);
}

/** Loads a classifier saved by either model's `save` (a folder or its model.json), whichever kind it is. */
export async function loadClassifier(location: string): Promise<Classifier> {
  // Only model.json is read to tell the kinds apart; the chosen `load` validates everything.
  const { modelJsonPath } = resolveModelLocation(location);
  let format: unknown;
  try {
    format = (JSON.parse(await readFile(modelJsonPath, 'utf8')) as { userDefinedMetadata?: { format?: unknown } }).userDefinedMetadata?.format;
  } catch {
    format = undefined; // unreadable or not JSON: the two-step loader reports it with the file's name
  }
  return format === 'a2d-one-step-model' ? OneStepModel.load(location) : TwoStepModel.load(location);
}

/** The pair-probability rows of a one-step model as step-1 marginals and the p(actor | action) table. */
export function pairsToTable(pairProbs: tf.Tensor2D): { actionProbs: tf.Tensor2D; actorTable: tf.Tensor3D } {
  return tf.tidy(() => {
    const joint = new Float32Array(NUM_PAIRS * NUM_ACTIONS * NUM_ACTORS);
    PAIR_CLASSES.forEach(({ action, actor }, pair) => {
      joint[pair * NUM_ACTIONS * NUM_ACTORS + action * NUM_ACTORS + actor] = 1;
    });
    const scatter = tf.tensor2d(joint, [NUM_PAIRS, NUM_ACTIONS * NUM_ACTORS]);
    const jointProbs = tf.matMul(pairProbs, scatter).reshape([-1, NUM_ACTIONS, NUM_ACTORS]) as tf.Tensor3D;
    const actionProbs = tf.sum(jointProbs, 2) as tf.Tensor2D;
    const actorTable = tf.div(jointProbs, tf.maximum(tf.expandDims(actionProbs, 2), 1e-12)) as tf.Tensor3D;
    return { actionProbs, actorTable };
  });
}

/**
 * Step 2 of two-step inference on encoded clips: p(actor | action) [B, 8, 7], step 2 run once for every action
 * (one batched pass over the cached tokens). The caller disposes the result.
 */
export function inferActorTable(model: TwoStepModel, encoded: Pick<EncodedClips, 'actionTokens' | 'actorTokens'>): tf.Tensor3D {
  return tf.tidy(() => {
    const batch = encoded.actorTokens.shape[0];
    const tile = (tokens: tf.Tensor3D) => tf.concat(new Array<tf.Tensor3D>(NUM_ACTIONS).fill(tokens), 0);
    // Row action * batch + clip conditions clip `clip` on `action`.
    const conditions = tf.oneHot(tf.tensor1d(Array.from({ length: NUM_ACTIONS * batch }, (_, row) => Math.floor(row / batch)), 'int32'), NUM_ACTIONS).toFloat() as tf.Tensor2D;
    const actorLogits = model.actorLogits({ actorTokens: tile(encoded.actorTokens), actionTokens: tile(encoded.actionTokens) }, conditions);
    return tf.transpose(tf.softmax(actorLogits).reshape([NUM_ACTIONS, batch, NUM_ACTORS]), [1, 0, 2]) as tf.Tensor3D;
  });
}

/** Inference outputs on a batch: p(action) [B, 8], p(actor | action) [B, 8, 7], and for one-step p(pair) [B, 36]. */
export function inferProbabilities(model: Classifier, frames: tf.Tensor5D): { actionProbs: tf.Tensor2D; actorTable: tf.Tensor3D; pairProbs?: tf.Tensor2D } {
  return tf.tidy(() => {
    if (model instanceof OneStepModel) {
      const pairProbs = tf.softmax(model.logits(frames)) as tf.Tensor2D;
      return { ...pairsToTable(pairProbs), pairProbs };
    }
    const encoded = model.encode(frames);
    return { actionProbs: tf.softmax(encoded.actionLogits) as tf.Tensor2D, actorTable: inferActorTable(model, encoded) };
  });
}
