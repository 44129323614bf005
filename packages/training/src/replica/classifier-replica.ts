/**
 * The training replica of a classifier: what `DataParallelTrainer` workers (or the in-process trainer) load.
 * It owns the model, the loss, AdamW and the optional weight EMA; the main thread sends shards of batches and
 * per-clip decisions, averages the gradients and sends them back. Everything random on the main thread (which
 * clips feed step 2 the prediction) arrives as inputs, so the replicas stay identical.
 *
 * Inputs of a training shard (axis 0 = clips):
 *   frames [b, T, S, S, 3] float32, normalised; or the raw bytes 0..255 when the context says `rawFrames` (the
 *   replica normalises them with `model.inputNormalization`, as `clipBatchToFloat` does), actionTarget [b, 8], actorTarget [b, 7], pairTarget [b, 36]
 *   (soft or one-hot), trueAction [b] / trueActor [b] int32 (the dominant label, for accuracy and conditioning),
 *   feedPrediction [b] int32 (1: step 2 is conditioned on step 1's argmax; 0: on trueAction).
 */
import { NUM_ACTIONS, type A2dConfig, type InputNormalization } from '@a2d/core';
import { tf, type Replica, type ReplicaState, type StepContext, type TensorPayload } from '@a2d/engine';
import { applyPretrainedBackbone, getRandomStreams, OneStepModel, PAIR_CLASSES, setRandomStreams } from '@a2d/layers';
import { crossEntropy, focalLoss, TwoStepLoss, type TwoStepClassCounts } from '@a2d/losses';
import { AdamW } from '../optim/adamw';
import { WeightEma } from '../optim/weight-ema';
import { inferProbabilities } from '../inference/infer-probabilities';
import type { Classifier } from '../inference/load-classifier';
import { createClassifier, networkOf } from './classifier';

/** What a worker needs to build the replica (structured-cloneable). */
export interface ClassifierReplicaOptions {
  config: Pick<A2dConfig, 'model' | 'loss' | 'train'>;
  inputSize: number;
  numFrames: number;
  /** Model seed: every replica (and the main thread's copy) builds the same weights from it. */
  modelSeed: number;
  /** Training-split class counts (for `balanced` class weights and adaptive focal alphas). */
  classCounts?: TwoStepClassCounts;
  /** A pretrained folder to fill the backbone(s) from after building (a new run; a resumed one sets its state instead). */
  pretrained?: string;
}

/**
 * Names of the per-batch numbers `lastMetrics` reports: loss terms (means over the shard's clips; NaN where the
 * model has no such term) and accuracies as fractions of the shard's clips, so the trainer's example-weighted
 * mean over shards is the batch's value.
 */
export const REPLICA_METRICS = ['loss.total', 'loss.action', 'loss.actor', 'loss.consistency', 'acc.action', 'acc.actor', 'acc.combined'] as const;

/** `(bytes / 255 - mean) / std` per channel: what `clipBatchToFloat` computes, here inside the replica. */
function normalizeFrames(frames: tf.Tensor5D, { mean, std }: InputNormalization): tf.Tensor5D {
  return tf.div(tf.sub(tf.div(frames, 255), tf.tensor1d([...mean])), tf.tensor1d([...std])) as tf.Tensor5D;
}

/** The frames of a shard as the model takes them. */
function framesOf(inputs: Record<string, tf.Tensor>, context: StepContext, normalization: InputNormalization): tf.Tensor5D {
  const frames = inputs.frames as tf.Tensor5D;
  return context.rawFrames === true ? normalizeFrames(frames, normalization) : frames;
}

function argMaxRows(tensor: tf.Tensor2D): Int32Array {
  return tf.tidy(() => tf.argMax(tensor, 1).dataSync() as Int32Array);
}

function payload(tensor: tf.Tensor): TensorPayload {
  return { values: Float32Array.from(tensor.dataSync() as Float32Array), shape: tensor.shape.slice(), dtype: 'float32' };
}

/** The replica class (exported for the in-process trainer and tests). */
export class ClassifierReplica implements Replica {
  readonly model: Classifier;
  readonly variables: tf.Variable[];
  readonly buffers: tf.Variable[];
  private readonly optimizer: AdamW;
  private readonly ema: WeightEma | undefined;
  private readonly twoStepLoss: TwoStepLoss;
  private metrics: Record<string, number> = {};

  /** `model`: an already built classifier (e.g. with pretrained weights); by default one is built from the options. */
  constructor(
    readonly options: ClassifierReplicaOptions,
    model?: Classifier,
  ) {
    const { config } = options;
    if (config.train.mixedPrecision) throw new Error('train.mixedPrecision: tfjs has no float16 kernels on any Node backend');
    this.model = model ?? createClassifier(config.model, options.inputSize, options.numFrames, options.modelSeed);
    const network = networkOf(this.model);
    this.variables = network.trainableWeights.map((w) => w.read() as tf.Variable);
    this.buffers = network.nonTrainableWeights.map((w) => w.read() as tf.Variable);
    this.optimizer = new AdamW(this.variables, config.train.optimizer);
    this.ema = config.train.ema.enabled ? new WeightEma([...this.variables, ...this.buffers], config.train.ema) : undefined;
    this.twoStepLoss = new TwoStepLoss(config.loss, options.classCounts);
  }

  loss(inputs: Record<string, tf.Tensor>, context: StepContext = {}): tf.Scalar {
    const frames = framesOf(inputs, context, this.options.config.model.inputNormalization);
    const trueAction = inputs.trueAction as tf.Tensor1D;
    const trueActor = inputs.trueActor as tf.Tensor1D;
    if (this.model instanceof OneStepModel) {
      const logits = this.model.logits(frames, true);
      const { kind, labelSmoothing, focal } = this.options.config.loss;
      const total =
        kind === 'focal'
          ? focalLoss(logits, inputs.pairTarget as tf.Tensor2D, { gamma: focal.gamma, labelSmoothing })
          : crossEntropy(logits, inputs.pairTarget as tf.Tensor2D, { labelSmoothing });
      const predicted = argMaxRows(logits);
      const pairs = inputs.pairTarget.argMax(1).dataSync();
      let correct = 0;
      predicted.forEach((pair, i) => (correct += pair === pairs[i] ? 1 : 0));
      const { actionCorrect, actorCorrect } = this.oneStepCorrect(predicted, trueAction, trueActor);
      this.metrics = {
        'loss.total': total.dataSync()[0],
        'loss.action': NaN,
        'loss.actor': NaN,
        'loss.consistency': NaN,
        'acc.action': actionCorrect / predicted.length,
        'acc.actor': actorCorrect / predicted.length,
        'acc.combined': correct / predicted.length,
      };
      return total;
    }
    const model = this.model;
    const encoded = model.encode(frames, true);
    const predictedActions = tf.argMax(encoded.actionLogits, 1);
    const feed = tf.cast(inputs.feedPrediction, 'bool');
    const conditioned = tf.where(feed, predictedActions, tf.cast(trueAction, 'int32')) as tf.Tensor1D;
    const conditionAction = tf.oneHot(conditioned, NUM_ACTIONS).toFloat() as tf.Tensor2D;
    const actorLogits = model.actorLogits(encoded, conditionAction, true);
    const result = this.twoStepLoss.compute(
      { actionLogits: encoded.actionLogits, actorLogits, conditionedAction: conditioned },
      { action: inputs.actionTarget as tf.Tensor2D, actor: inputs.actorTarget as tf.Tensor2D },
    );
    const actionPred = predictedActions.dataSync();
    const actorPred = argMaxRows(actorLogits);
    const actions = trueAction.dataSync();
    const actors = trueActor.dataSync();
    let action = 0;
    let actor = 0;
    let combined = 0;
    for (let i = 0; i < actions.length; i++) {
      const a = actionPred[i] === actions[i];
      const b = actorPred[i] === actors[i];
      action += a ? 1 : 0;
      actor += b ? 1 : 0;
      combined += a && b ? 1 : 0;
    }
    this.metrics = {
      'loss.total': result.total.dataSync()[0],
      'loss.action': result.terms.action.dataSync()[0],
      'loss.actor': result.terms.actor.dataSync()[0],
      'loss.consistency': result.terms.consistency.dataSync()[0],
      'acc.action': action / actions.length,
      'acc.actor': actor / actions.length,
      'acc.combined': combined / actions.length,
    };
    return result.total;
  }

  private oneStepCorrect(predictedPairs: Int32Array, trueAction: tf.Tensor1D, trueActor: tf.Tensor1D): { actionCorrect: number; actorCorrect: number } {
    const actions = trueAction.dataSync();
    const actors = trueActor.dataSync();
    let actionCorrect = 0;
    let actorCorrect = 0;
    predictedPairs.forEach((pair, i) => {
      actionCorrect += PAIR_CLASSES[pair].action === actions[i] ? 1 : 0;
      actorCorrect += PAIR_CLASSES[pair].actor === actors[i] ? 1 : 0;
    });
    return { actionCorrect, actorCorrect };
  }

  lastMetrics(): Record<string, number> {
    return this.metrics;
  }

  applyGradients(gradients: tf.Tensor[], learningRate: number, step: number): void {
    this.optimizer.apply(gradients, learningRate);
    if (this.optimizer.step !== step) throw new Error(`replica optimizer at step ${this.optimizer.step}, trainer at ${step}`);
    this.ema?.update(step);
  }

  predict(inputs: Record<string, tf.Tensor>, context: StepContext): Record<string, tf.Tensor> {
    const run = (): Record<string, tf.Tensor> => {
      const out = inferProbabilities(this.model, framesOf(inputs, context, this.options.config.model.inputNormalization));
      const named: Record<string, tf.Tensor> = { actionProbs: out.actionProbs, actorTable: out.actorTable };
      if (out.pairProbs) named.pairProbs = out.pairProbs;
      return named;
    };
    if (context.ema === true) {
      if (!this.ema) throw new Error('predict: EMA requested but train.ema.enabled is false');
      return this.ema.withAveragedWeights(run);
    }
    return run();
  }

  getState(): ReplicaState {
    const tensors: Record<string, TensorPayload> = {};
    networkOf(this.model).weights.forEach((weight, i) => (tensors[`weights/${i}`] = payload(weight.read())));
    const adam = this.optimizer.getState();
    adam.firstMoments.forEach((values, i) => (tensors[`adamw/m/${i}`] = { values, shape: this.variables[i].shape.slice(), dtype: 'float32' }));
    adam.secondMoments.forEach((values, i) => (tensors[`adamw/v/${i}`] = { values, shape: this.variables[i].shape.slice(), dtype: 'float32' }));
    this.ema?.getValues().forEach((values, i) => (tensors[`ema/${i}`] = { values, shape: [values.length], dtype: 'float32' }));
    return { tensors, json: { adamwStep: adam.step, randomStreams: getRandomStreams(networkOf(this.model)) } };
  }

  setState(state: ReplicaState): void {
    const network = networkOf(this.model);
    const json = state.json as { adamwStep: number; randomStreams: Parameters<typeof setRandomStreams>[1] };
    const tensor = (name: string) => {
      const found = state.tensors[name];
      if (!found) throw new Error(`replica state: '${name}' is missing`);
      return found.values as Float32Array;
    };
    tf.tidy(() => network.setWeights(network.weights.map((weight, i) => tf.tensor(tensor(`weights/${i}`), weight.shape as number[]))));
    this.optimizer.setState({
      step: json.adamwStep,
      firstMoments: this.variables.map((_, i) => tensor(`adamw/m/${i}`)),
      secondMoments: this.variables.map((_, i) => tensor(`adamw/v/${i}`)),
    });
    if (this.ema) this.ema.setValues([...this.variables, ...this.buffers].map((_, i) => tensor(`ema/${i}`)));
    setRandomStreams(network, json.randomStreams);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.ema?.dispose();
    this.model.dispose();
  }
}

/** Factory the trainer's workers call (see `ReplicaSpec`). */
export async function createReplica(options: ClassifierReplicaOptions): Promise<Replica> {
  const model = createClassifier(options.config.model, options.inputSize, options.numFrames, options.modelSeed);
  // Before the optimizer and the EMA copy the weights.
  if (options.pretrained !== undefined) await applyPretrainedBackbone(networkOf(model), options.pretrained, options.config.model.backbone);
  return new ClassifierReplica(options, model);
}
