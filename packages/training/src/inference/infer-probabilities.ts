/**
 * Inference on a batch of normalised clips: per clip, step 1's p(action) and the table p(actor | action) for all
 * 8 actions, from which plain and constrained decoding follow. The one-step baseline's 36 pair probabilities are
 * turned into the same two outputs, so every consumer (validation, the evaluator, the viewer page) decodes alike.
 */
import { NUM_ACTIONS, NUM_ACTORS } from '@a2d/core';
import { tf } from '@a2d/engine';
import { NUM_PAIRS, OneStepModel, PAIR_CLASSES, type EncodedClips, type TwoStepModel } from '@a2d/layers';
import type { Classifier } from './load-classifier';

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
