/**
 * Building a fresh classifier of either model kind the trainer can train (the two-step model and the one-step
 * 36-way baseline), and the network a checkpoint saves of it. Loading and inference are the inference API's
 * (`../inference/`).
 */
import { Rng, type ModelConfig } from '@a2d/core';
import { tf } from '@a2d/engine';
import { OneStepModel, TwoStepModel } from '@a2d/layers';
import type { Classifier } from '../inference/load-classifier';


/** The saved network of a classifier (what `save` writes and `setWeights` fills). */
export function networkOf(model: Classifier): tf.LayersModel {
  return model instanceof TwoStepModel ? model.network.full : model.network;
}

/** Builds a fresh classifier from the model config (the same `seed` gives the same weights in every thread). */
export function createClassifier(config: ModelConfig, inputSize: number, numFrames: number, seed: number): Classifier {
  const options = { config, inputSize, numFrames, rng: new Rng(seed).fork('model') };
  return config.kind === 'one-step' ? OneStepModel.create(options) : TwoStepModel.create(options);
}
