/**
 * The training step the model benches measure: one Adam step of a `TwoStepModel` on synthetic clips (both heads'
 * cross-entropy, step 2 conditioned by the scheduled mix of true and predicted actions), with the weights, clips
 * and labels drawn from the config's seed so every backend steps the same function.
 */
import { NUM_ACTIONS, NUM_ACTORS, Rng, type A2dConfig } from '@a2d/core';
import { tf } from '@a2d/engine';
import { TwoStepModel } from '../src/index';

/** A model, a batch and an optimizer, ready to step. */
export interface BenchTrainingStep {
  model: TwoStepModel;
  clips: tf.Tensor5D;
  /** One Adam step; returns the loss. */
  step(): number;
  dispose(): void;
}

/** Builds the configured model (with `weights` when given: the same function on every backend) and a batch of `batch` clips. */
export function benchTrainingStep(config: A2dConfig, batch: number, weights?: readonly Float32Array[]): BenchTrainingStep {
  const inputSize = config.augment.cropSize;
  const numFrames = config.data.sampling.numFrames;
  const model = TwoStepModel.create({ config: config.model, inputSize, numFrames, rng: new Rng(config.seed).fork('model') });
  if (weights) model.network.full.setWeights(model.network.full.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  const rng = new Rng(config.seed).fork('bench-clips');
  const clips = tf.tensor5d(Float32Array.from({ length: batch * numFrames * inputSize * inputSize * 3 }, () => rng.normal()), [batch, numFrames, inputSize, inputSize, 3]);
  const actions = Array.from({ length: batch }, () => rng.int(0, NUM_ACTIONS - 1));
  const actors = Array.from({ length: batch }, () => rng.int(0, NUM_ACTORS - 1));
  const optimizer = tf.train.adam(1e-3);
  const conditioningRng = new Rng(config.seed).fork('bench-conditioning');
  const variables = model.trainableVariables;
  return {
    model,
    clips,
    step() {
      const loss = optimizer.minimize(
        () => {
          const encoded = model.encode(clips, true);
          const conditioning = model.conditioningForTraining(encoded.actionLogits, actions, 0.5, conditioningRng);
          const actorLogits = model.actorLogits(encoded, conditioning.conditionAction, true);
          const actionLoss = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(actions, 'int32'), NUM_ACTIONS), encoded.actionLogits);
          const actorLoss = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(actors, 'int32'), NUM_ACTORS), actorLogits);
          return tf.add(actionLoss, actorLoss) as tf.Scalar;
        },
        true,
        variables,
      );
      const value = loss ? loss.dataSync()[0] : Number.NaN;
      loss?.dispose();
      return value;
    },
    dispose() {
      optimizer.dispose();
      clips.dispose();
      model.dispose();
    },
  };
}
