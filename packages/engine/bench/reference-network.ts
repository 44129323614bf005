/**
 * The benchmark's reference network, written in plain tfjs ops so every backend runs exactly the same
 * graph as `torch_peer.py`: a ResNet-18-style per-frame 2D CNN over [B, T, H, W, 3], an average over
 * frames, and two linear heads (9 actions, 7 actors), trained with Adam on the sum of both
 * cross-entropies. Batch norm uses batch statistics when training and fixed statistics otherwise.
 */
import { Rng } from '@a2d/core';
import { batchNormTraining, tf } from '../src/index';

/** ResNet-18 stage widths and blocks per stage. */
export const resnet18 = { stemWidth: 64, widths: [64, 128, 256, 512], blocks: [2, 2, 2, 2] } as const;

/** Number of classes of each head. */
export const headClasses = { actions: 9, actors: 7 } as const;

/** Trainable parameters by name (names match the PyTorch peer's modules in order). */
export type NetworkParameters = Map<string, tf.Variable>;

function heNormal(rng: Rng, shape: number[], fanIn: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  const std = Math.sqrt(2 / fanIn);
  for (let i = 0; i < size; i++) values[i] = rng.normal(0, std);
  return tf.tensor(values, shape);
}

/** Creates the parameters (He-normal convolutions, unit batch-norm scales, small heads) from `rng`. */
export function createParameters(rng: Rng): NetworkParameters {
  const params: NetworkParameters = new Map();
  const add = (name: string, init: () => tf.Tensor) => params.set(name, tf.tidy(() => tf.variable(init(), true, name)));
  const conv = (name: string, k: number, cin: number, cout: number) => {
    add(`${name}.weight`, () => heNormal(rng, [k, k, cin, cout], k * k * cin));
    add(`${name}.bn.gamma`, () => tf.ones([cout]));
    add(`${name}.bn.beta`, () => tf.zeros([cout]));
  };
  conv('stem', 7, 3, resnet18.stemWidth);
  let cin: number = resnet18.stemWidth;
  resnet18.widths.forEach((width, stage) => {
    for (let block = 0; block < resnet18.blocks[stage]; block++) {
      const prefix = `layer${stage + 1}.${block}`;
      const stride = stage > 0 && block === 0 ? 2 : 1;
      conv(`${prefix}.conv1`, 3, cin, width);
      conv(`${prefix}.conv2`, 3, width, width);
      if (stride !== 1 || cin !== width) conv(`${prefix}.downsample`, 1, cin, width);
      cin = width;
    }
  });
  add('actionHead.weight', () => heNormal(rng, [cin, headClasses.actions], cin));
  add('actionHead.bias', () => tf.zeros([headClasses.actions]));
  add('actorHead.weight', () => heNormal(rng, [cin, headClasses.actors], cin));
  add('actorHead.bias', () => tf.zeros([headClasses.actors]));
  return params;
}

function param(params: NetworkParameters, name: string): tf.Variable {
  const value = params.get(name);
  if (!value) throw new Error(`reference network: no parameter ${name}`);
  return value;
}

function convBn(params: NetworkParameters, name: string, x: tf.Tensor4D, stride: number, training: boolean): tf.Tensor4D {
  const y = tf.conv2d(x, param(params, `${name}.weight`) as tf.Tensor4D, stride, 'same');
  const gamma = param(params, `${name}.bn.gamma`);
  const beta = param(params, `${name}.bn.beta`);
  if (training) return batchNormTraining(y, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-5).y;
  // Fixed statistics (the fresh running averages: mean 0, variance 1), as PyTorch's eval mode uses.
  return tf.batchNorm(y, tf.zeros([y.shape[3]]), tf.ones([y.shape[3]]), beta as tf.Tensor1D, gamma as tf.Tensor1D, 1e-5) as tf.Tensor4D;
}

/** Logits of both heads for clips [B, T, H, W, 3]. */
export function forward(params: NetworkParameters, clips: tf.Tensor5D, training: boolean): { actions: tf.Tensor2D; actors: tf.Tensor2D } {
  const [batch, frames, height, width] = clips.shape;
  let x = tf.reshape(clips, [batch * frames, height, width, 3]) as tf.Tensor4D;
  x = tf.relu(convBn(params, 'stem', x, 2, training));
  x = tf.maxPool(x, 3, 2, 'same');
  let cin: number = resnet18.stemWidth;
  resnet18.widths.forEach((channels, stage) => {
    for (let block = 0; block < resnet18.blocks[stage]; block++) {
      const prefix = `layer${stage + 1}.${block}`;
      const stride = stage > 0 && block === 0 ? 2 : 1;
      let h = tf.relu(convBn(params, `${prefix}.conv1`, x, stride, training));
      h = convBn(params, `${prefix}.conv2`, h, 1, training);
      const shortcut = stride !== 1 || cin !== channels ? convBn(params, `${prefix}.downsample`, x, stride, training) : x;
      x = tf.relu(tf.add(h, shortcut)) as tf.Tensor4D;
      cin = channels;
    }
  });
  const perFrame = tf.mean(x, [1, 2]);
  const clip = tf.mean(tf.reshape(perFrame, [batch, frames, cin]), 1) as tf.Tensor2D;
  const head = (name: string) => tf.add(tf.matMul(clip, param(params, `${name}.weight`) as tf.Tensor2D), param(params, `${name}.bias`)) as tf.Tensor2D;
  return { actions: head('actionHead'), actors: head('actorHead') };
}

/** Mean cross-entropy of integer labels. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const logProbabilities = tf.sub(logits, tf.logSumExp(logits, -1, true));
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(labels, logits.shape[1]), logProbabilities), -1))) as tf.Scalar;
}

/** The training loss: the sum of both heads' cross-entropies. */
export function trainingLoss(params: NetworkParameters, clips: tf.Tensor5D, actions: tf.Tensor1D, actors: tf.Tensor1D): tf.Scalar {
  const logits = forward(params, clips, true);
  return tf.add(crossEntropy(logits.actions, actions), crossEntropy(logits.actors, actors));
}

/** Multiply-adds x2 of one frame's forward pass (convolutions and heads), for GFLOP/s figures. */
export function forwardFlopsPerFrame(size: number): number {
  let flops = 0;
  let side = Math.ceil(size / 2);
  flops += 2 * side * side * 7 * 7 * 3 * resnet18.stemWidth;
  side = Math.ceil(side / 2);
  let cin: number = resnet18.stemWidth;
  resnet18.widths.forEach((channels, stage) => {
    for (let block = 0; block < resnet18.blocks[stage]; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const out = Math.ceil(side / stride);
      flops += 2 * out * out * 9 * cin * channels + 2 * out * out * 9 * channels * channels;
      if (stride !== 1 || cin !== channels) flops += 2 * out * out * cin * channels;
      side = out;
      cin = channels;
    }
  });
  return flops;
}
