/**
 * The two-step network as tfjs functional models over one set of layers:
 *   action stream: frames [B, T, S, S, 3] -> fold time -> 2D backbone per frame -> token projection -> unfold
 *                  -> temporal transformer -> mean over time -> dropout -> action logits [B, 8]      (step 1)
 *   actor stream:  the same (or its own) backbone -> its own projection and transformer -> actor tokens
 *   step 2:        (actor tokens, action tokens, condition action one-hot [B, 8]) -> actor logits [B, 7]
 * `full` is what is saved; `encoder` (frames -> step-1 logits and both token sequences) and `actorStep` share its
 * weights, so inference runs the backbones once and step 2 once per candidate action.
 */
import { tf } from '@a2d/engine';
import { NUM_ACTIONS, type ModelConfig } from '@a2d/core';
import { applyActorStep, createActorStepLayers, findActorStepLayers } from './action-conditioning';
import { APPEARANCE_BACKBONE_PREFIXES, frameFeatures } from './frame-motion';
import { layerSeed } from './layer-seed';
import { SeededDropout } from './seeded-dropout';
import { applySymbolic } from './symbolic-layer-output';
import { temporalTransformer } from './temporal-transformer';
import { UnfoldTime } from './time-folding';

/** Names of the network's inputs and of the layers whose outputs the encoder exposes. */
export const TWO_STEP_NAMES = {
  framesInput: 'frames',
  conditionActionInput: 'condition_action',
  actionLogits: 'action_logits',
  actionTokens: 'action_stream/transformer/final_norm',
  actorTokens: 'actor_stream/transformer/final_norm',
} as const;

/** The network's shared-weight views. */
export interface TwoStepNetwork {
  /** `[frames, conditionAction]` -> `[actionLogits, actorLogits]`; the model that is saved. */
  full: tf.LayersModel;
  /** `frames` -> `[actionLogits, actionTokens, actorTokens]`. */
  encoder: tf.LayersModel;
  /** `[actorTokens, actionTokens, conditionAction]` -> `actorLogits`. */
  actorStep: tf.LayersModel;
}

/** What `buildTwoStepNetwork` needs besides the model config. */
export interface TwoStepNetworkOptions {
  config: ModelConfig;
  /** Side of the square input frames. */
  inputSize: number;
  /** Frames per clip, or null to accept any clip length. */
  numFrames: number | null;
  /** Model seed: every initializer, dropout and drop-path stream derives from it. */
  seed: number;
}

/** Token projection, unfold and transformer of one stream; `pooled` is the backbone's [B*T, F] output. */
export function streamTokens(
  stream: 'action_stream' | 'actor_stream',
  pooled: tf.SymbolicTensor,
  frames: tf.SymbolicTensor,
  { config, seed }: TwoStepNetworkOptions,
): tf.SymbolicTensor {
  const projectionName = `${stream}/token_projection`;
  const projection = tf.layers.dense({
    name: projectionName,
    units: config.hiddenDim,
    kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(seed, projectionName) }),
  });
  let tokens = applySymbolic(new UnfoldTime({ name: `${stream}/unfold_time` }), [applySymbolic(projection, pooled), frames]);
  const dropoutName = `${stream}/token_dropout`;
  tokens = applySymbolic(new SeededDropout({ name: dropoutName, rate: config.dropout, seed: layerSeed(seed, dropoutName) }), tokens);
  return temporalTransformer(tokens, {
    name: `${stream}/transformer`,
    numLayers: config.numLayers,
    numHeads: config.numHeads,
    mlpRatio: config.mlpRatio,
    dropout: config.dropout,
    attentionDropout: config.attentionDropout,
    dropPathRate: config.dropPathRate,
    maxRelativeDistance: config.maxRelativeDistance,
    seed,
  });
}

/** The encoder and step-2 views of `full`, whose layers carry the weights. */
function viewsOf(full: tf.LayersModel, frames: tf.SymbolicTensor, hiddenDim: number): TwoStepNetwork {
  const outputOf = (name: string) => full.getLayer(name).getOutputAt(0) as tf.SymbolicTensor;
  const actionTokens = outputOf(TWO_STEP_NAMES.actionTokens);
  const actorTokens = outputOf(TWO_STEP_NAMES.actorTokens);
  const encoder = tf.model({
    name: 'two_step_encoder',
    inputs: frames,
    outputs: [outputOf(TWO_STEP_NAMES.actionLogits), actionTokens, actorTokens],
  });
  const inputs = {
    actorTokens: tf.input({ shape: [null, hiddenDim], name: 'actor_tokens' }),
    actionTokens: tf.input({ shape: [null, hiddenDim], name: 'action_tokens' }),
    conditionAction: tf.input({ shape: [NUM_ACTIONS], name: TWO_STEP_NAMES.conditionActionInput }),
  };
  const actorLogits = applyActorStep(findActorStepLayers(full), inputs);
  const actorStep = tf.model({
    name: 'two_step_actor_step',
    inputs: [inputs.actorTokens, inputs.actionTokens, inputs.conditionAction],
    outputs: actorLogits,
  });
  return { full, encoder, actorStep };
}

/** Builds the network for `config` (fresh weights from `seed`). */
export function buildTwoStepNetwork(options: TwoStepNetworkOptions): TwoStepNetwork {
  const { config, inputSize, numFrames, seed } = options;
  const frames = tf.input({ shape: [numFrames, inputSize, inputSize, 3], name: TWO_STEP_NAMES.framesInput });
  const conditionAction = tf.input({ shape: [NUM_ACTIONS], name: TWO_STEP_NAMES.conditionActionInput });
  const motionStream = { features: null };
  const featuresOf = (backbonePrefix: (typeof APPEARANCE_BACKBONE_PREFIXES)[number]) => frameFeatures(frames, { config, seed, backbonePrefix, motionStream });
  const actionFeatures = featuresOf(config.sharedBackbone ? 'backbone/' : 'action_backbone/');
  const actorFeatures = config.sharedBackbone ? actionFeatures : featuresOf('actor_backbone/');

  const actionTokens = streamTokens('action_stream', actionFeatures, frames, options);
  const actorTokens = streamTokens('actor_stream', actorFeatures, frames, options);

  let actionGlobal = applySymbolic(tf.layers.globalAveragePooling1d({ name: 'action_stream/pool' }), actionTokens);
  actionGlobal = applySymbolic(
    new SeededDropout({ name: 'action_head/dropout', rate: config.dropout, seed: layerSeed(seed, 'action_head/dropout') }),
    actionGlobal,
  );
  const actionLogits = applySymbolic(
    tf.layers.dense({
      name: TWO_STEP_NAMES.actionLogits,
      units: NUM_ACTIONS,
      kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(seed, TWO_STEP_NAMES.actionLogits) }),
    }),
    actionGlobal,
  );

  const actorStepLayers = createActorStepLayers({
    hiddenDim: config.hiddenDim,
    actionEmbeddingDim: config.actionEmbeddingDim,
    numHeads: config.numHeads,
    mlpRatio: config.mlpRatio,
    dropout: config.dropout,
    attentionDropout: config.attentionDropout,
    seed,
  });
  const actorLogits = applyActorStep(actorStepLayers, { actorTokens, actionTokens, conditionAction });
  const full = tf.model({ name: 'two_step', inputs: [frames, conditionAction], outputs: [actionLogits, actorLogits] });
  return viewsOf(full, frames, config.hiddenDim);
}

/** The views of a reloaded `full` network. */
export function twoStepNetworkOf(full: tf.LayersModel, hiddenDim: number): TwoStepNetwork {
  const frames = full.inputs.find((input) => input.name.startsWith(TWO_STEP_NAMES.framesInput));
  if (!frames) throw new TypeError(`model ${full.name} has no '${TWO_STEP_NAMES.framesInput}' input`);
  return viewsOf(full, frames, hiddenDim);
}
