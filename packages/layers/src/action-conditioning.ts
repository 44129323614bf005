/**
 * Step 2's head: the action (one-hot) is embedded, the actor stream's frame tokens cross-attend to
 * [action token; action stream tokens], and a fusion MLP over [actor video global, action embedding,
 * attended context] (LayerNorm -> Linear -> GELU -> Dropout -> Linear) gives the actor logits.
 * Its layers are kept in a named set, so the same weights can be applied again to fresh inputs (re-scoring
 * several candidate actions without re-running the backbone) and found again by name in a reloaded model.
 */
import { tf } from '@a2d/engine';
import { NUM_ACTIONS, NUM_ACTORS } from '@a2d/core';
import { ActionEmbedding } from './action-embedding';
import { ActionContextCrossAttention } from './attention/action-context-cross-attention';
import { layerSeed } from './layer-seed';
import { SeededDropout } from './seeded-dropout';
import { applySymbolic } from './symbolic-layer-output';
import { LayerNorm } from './layer-norm';

/** Names of step 2's layers in the model (stable: a reloaded model is searched by them). */
export const ACTOR_STEP_LAYER_NAMES = {
  actionEmbedding: 'actor_step/action_embedding',
  crossAttention: 'actor_step/cross_attention',
  videoPool: 'actor_step/video_pool',
  contextPool: 'actor_step/context_pool',
  fusionConcat: 'actor_step/fusion_concat',
  fusionNorm: 'actor_step/fusion_norm',
  fusionHidden: 'actor_step/fusion_hidden',
  fusionDropout: 'actor_step/fusion_dropout',
  actorLogits: 'actor_logits',
} as const;

/** The layers of step 2, by role. */
export type ActorStepLayers = { [Role in keyof typeof ACTOR_STEP_LAYER_NAMES]: tf.layers.Layer };

/** Sizes of step 2. */
export interface ActorStepOptions {
  /** Width of the temporal tokens (both streams). */
  hiddenDim: number;
  /** Width of the action embedding. */
  actionEmbeddingDim: number;
  /** Cross-attention heads. */
  numHeads: number;
  /** Hidden width of the fusion MLP as a multiple of `hiddenDim`. */
  mlpRatio: number;
  /** Dropout in the fusion MLP. */
  dropout: number;
  /** Dropout on cross-attention probabilities. */
  attentionDropout: number;
  /** Model seed; each layer derives its own from it and its name. */
  seed: number;
}

/** Creates step 2's layers (unbuilt: they get their weights on first `applyActorStep`). */
export function createActorStepLayers(options: ActorStepOptions): ActorStepLayers {
  const names = ACTOR_STEP_LAYER_NAMES;
  const seed = (name: string) => layerSeed(options.seed, name);
  const glorot = (name: string) => tf.initializers.glorotUniform({ seed: seed(name) });
  return {
    actionEmbedding: new ActionEmbedding({
      name: names.actionEmbedding,
      numActions: NUM_ACTIONS,
      embeddingDim: options.actionEmbeddingDim,
      seed: seed(names.actionEmbedding),
    }),
    crossAttention: new ActionContextCrossAttention({
      name: names.crossAttention,
      numHeads: options.numHeads,
      attentionDropout: options.attentionDropout,
      seed: seed(names.crossAttention),
    }),
    videoPool: tf.layers.globalAveragePooling1d({ name: names.videoPool }),
    contextPool: tf.layers.globalAveragePooling1d({ name: names.contextPool }),
    fusionConcat: tf.layers.concatenate({ name: names.fusionConcat, axis: -1 }),
    fusionNorm: new LayerNorm({ name: names.fusionNorm, epsilon: 1e-5 }),
    fusionHidden: tf.layers.dense({
      name: names.fusionHidden,
      units: Math.max(1, Math.round(options.hiddenDim * options.mlpRatio)),
      activation: 'gelu',
      kernelInitializer: glorot(names.fusionHidden),
    }),
    fusionDropout: new SeededDropout({ name: names.fusionDropout, rate: options.dropout, seed: seed(names.fusionDropout) }),
    actorLogits: tf.layers.dense({ name: names.actorLogits, units: NUM_ACTORS, kernelInitializer: glorot(names.actorLogits) }),
  };
}

/** Step 2's layers in a built (or reloaded) model, found by their names. */
export function findActorStepLayers(model: tf.LayersModel): ActorStepLayers {
  const entries = Object.entries(ACTOR_STEP_LAYER_NAMES).map(([role, name]) => [role, model.getLayer(name)]);
  return Object.fromEntries(entries) as ActorStepLayers;
}

/** Symbolic inputs of step 2. */
export interface ActorStepInputs {
  /** [B, T, D] actor stream tokens (the queries). */
  actorTokens: tf.SymbolicTensor;
  /** [B, Tk, D] action stream tokens (keys and values after the action token). */
  actionTokens: tf.SymbolicTensor;
  /** [B, 8] one-hot (or soft) conditioning action. */
  conditionAction: tf.SymbolicTensor;
}

/** Applies step 2's layers and returns the actor logits `[B, 7]`. */
export function applyActorStep(layers: ActorStepLayers, inputs: ActorStepInputs): tf.SymbolicTensor {
  const embedding = applySymbolic(layers.actionEmbedding, inputs.conditionAction);
  const attended = applySymbolic(layers.crossAttention, [inputs.actorTokens, embedding, inputs.actionTokens]);
  const videoGlobal = applySymbolic(layers.videoPool, inputs.actorTokens);
  const context = applySymbolic(layers.contextPool, attended);
  let fused = applySymbolic(layers.fusionConcat, [videoGlobal, embedding, context]);
  fused = applySymbolic(layers.fusionNorm, fused);
  fused = applySymbolic(layers.fusionHidden, fused);
  fused = applySymbolic(layers.fusionDropout, fused);
  return applySymbolic(layers.actorLogits, fused);
}
