/**
 * Explanations of one clip's predictions, for both steps of `TwoStepModel` and for the one-step baseline:
 * - Grad-CAM (Selvaraju et al. 2017) on the last feature map of the per-frame backbone that feeds the explained
 *   head. The class score is the head's logit (pre-softmax), as the paper prescribes: the softmax would couple
 *   the classes. Step 2's score is its actor logit GIVEN the conditioning action, and its feature map is fed
 *   through the whole graph, so the gradient flows through the action embedding and cross-attention (with a
 *   shared backbone also through the action tokens, which are step 2's keys and values).
 * - Per-frame importance: gradient x input of the same logit w.r.t. the (normalised) frames, |g * x| summed over
 *   each frame's pixels and channels, normalised to sum 1. The baseline implied by gradient x input is the
 *   all-zero clip, i.e. the dataset mean colour after normalisation.
 * - The maps are resampled to the frame around each feature cell's measured receptive-field centre
 *   (`cell-alignment.ts`): plain resizing draws the `tiny` backbone's maps half a cell (7.5 px) off.
 * Everything is read back into plain arrays; no tensor outlives a call.
 */
import { tf } from '@a2d/engine';
import { NUM_ACTIONS, NUM_ACTORS } from '@a2d/core';
import { NUM_PAIRS, OneStepModel } from '../one-step-model';
import { TWO_STEP_NAMES } from '../two-step-network';
import type { TwoStepModel } from '../two-step-model';
import { ExplanationError } from './explanation-error';
import { evaluateSymbolic } from './graph-evaluation';
import { measureCellAlignment, resampleCells, type CellAlignment } from './cell-alignment';

/** The explanation of one head's class on one clip. */
export interface ClassExplanation {
  /** The explained class: the head's argmax unless one was requested. */
  classIndex: number;
  /** The head's softmax probability of `classIndex` (step 2: given the conditioning action). */
  probability: number;
  /**
   * Class maps (Grad-CAM or HiResCAM), [T, H, W] row-major at the frame size: bilinear between the feature cells'
   * measured receptive-field centres (`cell-alignment.ts`), not plain resizing. Normalised per clip: divided by
   * the clip's largest value, so frames stay comparable; 0 everywhere when no location has a positive weight.
   */
  maps: Float32Array;
  /** Shape of `maps`: [T, H, W]. */
  mapShape: [number, number, number];
  /** Gradient x input per frame, T non-negative values summing to 1 (uniform when every gradient is zero). */
  frameImportance: number[];
}

/** Both steps of a two-step prediction, explained. */
export interface TwoStepExplanation {
  /** Step 1: the action. */
  action: ClassExplanation;
  /** Step 2: the actor, conditioned on `action.classIndex`. */
  actor: ClassExplanation;
}

/** The one-step model's pair, explained. */
export interface OneStepExplanation {
  /** The (actor, action) pair class, an index into `PAIR_CLASSES`. */
  pair: ClassExplanation;
}

/**
 * How the class map is formed from the feature map A [h, w, C] and the logit's gradient G:
 * - `grad-cam` (Selvaraju et al. 2017): ReLU(sum_c mean_hw(G_c) * A_c), channel weights shared by every location;
 * - `hires-cam` (Draelos & Carin 2020): ReLU(sum_c G_c * A_c), each location with its own gradient. Where the
 *   head pools the map over regions (`model.motion.tokenGrid` > 1) the gradient differs per region, and only this
 *   form keeps that; with one global average pool the two are equal up to a constant factor.
 */
export type CamMethod = 'grad-cam' | 'hires-cam';

/** The map's form, shared by both explanation entry points. */
export interface CamOptions {
  /** Default `grad-cam`. */
  method?: CamMethod;
}

/** Which classes `explainTwoStepClip` explains; omitted ones are the model's own choices. */
export interface TwoStepExplanationOptions extends CamOptions {
  /** Action to explain for step 1, and to condition step 2 on (default: step 1's argmax, as `predict` does). */
  action?: number;
  /** Actor to explain for step 2 (default: step 2's argmax given the action). */
  actor?: number;
}

/** Which pair `explainOneStepClip` explains. */
export interface OneStepExplanationOptions extends CamOptions {
  /** Pair class (default: the argmax). */
  pair?: number;
}

/** One head of a functional model and how to feed it. */
interface HeadGraph {
  /** The clip input, fed [1, T, S, S, 3]. */
  framesInput: tf.SymbolicTensor;
  /** Further inputs and their values (step 2's conditioning one-hot). */
  extraFeeds: [tf.SymbolicTensor, tf.Tensor][];
  /** The head's logits [1, K]. */
  logits: tf.SymbolicTensor;
  /** The last feature map of the backbone that feeds the head, [T, h, w, C] for one clip. */
  featureMap: tf.SymbolicTensor;
}

/**
 * The last backbone feature map: the input of the layer that pools it into per-frame features, the backbone's
 * global pooling (every backbone names it `avg_pool`) or, with `model.motion.tokenGrid` > 1, the grid pooling.
 */
function featureMapOf(model: tf.LayersModel, backbonePrefix: string): tf.SymbolicTensor {
  const names = new Set(model.layers.map((layer) => layer.name));
  const pooling = [`${backbonePrefix}grid_pool`, `${backbonePrefix}avg_pool`].find((name) => names.has(name));
  if (!pooling) throw new ExplanationError('model', `no pooled feature map of backbone '${backbonePrefix}' in ${model.name}`);
  return model.getLayer(pooling).getInputAt(0) as tf.SymbolicTensor;
}

function inputNamed(model: tf.LayersModel, prefix: string): tf.SymbolicTensor {
  const input = model.inputs.find((candidate) => candidate.name.startsWith(prefix));
  if (!input) throw new TypeError(`model ${model.name} has no '${prefix}' input`);
  return input;
}

function checkClass(argument: string, index: number | undefined, count: number): void {
  if (index !== undefined && (!Number.isInteger(index) || index < 0 || index >= count)) {
    throw new ExplanationError(argument, `expected a class index in 0..${count - 1}, got ${index}`);
  }
}

function checkClip(frames: tf.Tensor, inputSize: number, numFrames: number | null): void {
  const [time, height, width, channels] = frames.shape;
  if (frames.rank !== 4 || height !== inputSize || width !== inputSize || channels !== 3 || (numFrames !== null && time !== numFrames)) {
    throw new ExplanationError('frames', `expected one normalised clip [${numFrames ?? 'T'}, ${inputSize}, ${inputSize}, 3], got [${frames.shape.join(', ')}]`);
  }
}

function argMaxOf(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Runs `fn` in a tfjs scope that frees every tensor it made; `fn` returns plain data, which `tf.tidy` cannot type. */
function inScope<T>(fn: () => T): T {
  let result: T | undefined;
  tf.tidy(() => {
    result = fn();
  });
  return result as T;
}

/** Logits [K] of `head` for `clip` [1, T, S, S, 3], optionally with the feature map replaced. */
function headLogits(head: HeadGraph, clip: tf.Tensor, featureMap?: tf.Tensor): tf.Tensor1D {
  const feeds = new Map<tf.SymbolicTensor, tf.Tensor>([[head.framesInput, clip], ...head.extraFeeds]);
  if (featureMap) feeds.set(head.featureMap, featureMap);
  const [logits] = evaluateSymbolic([head.logits], feeds);
  return tf.squeeze(logits, [0]) as tf.Tensor1D;
}

/** Measured cell centres per feature map and clip shape (see `cell-alignment.ts`); weights do not move them. */
const alignments = new WeakMap<tf.SymbolicTensor, Map<string, CellAlignment>>();

/** The cell centres of `head`'s feature map on clips shaped like `clip` (measured once, then remembered). */
function alignmentOf(head: HeadGraph, clip: tf.Tensor, cells: { rows: number; columns: number }): CellAlignment {
  const key = clip.shape.join('x');
  const known = alignments.get(head.featureMap) ?? new Map<string, CellAlignment>();
  alignments.set(head.featureMap, known);
  let alignment = known.get(key);
  if (!alignment) {
    const featuresOf = (frames: tf.Tensor) => evaluateSymbolic([head.featureMap], new Map<tf.SymbolicTensor, tf.Tensor>([[head.framesInput, frames], ...head.extraFeeds]))[0];
    alignment = measureCellAlignment(featuresOf, clip.shape, cells);
    known.set(key, alignment);
  }
  return alignment;
}

/**
 * The class map [T, S, S] in [0, 1] of logit `classIndex` (see `ClassExplanation.maps` for the normalisation): the
 * ReLU of the weighted channel sum at the feature map's resolution, resampled onto the frame around the cells'
 * measured centres.
 */
function classMap(head: HeadGraph, clip: tf.Tensor, classIndex: number, size: number, method: CamMethod): Float32Array {
  const [activations] = evaluateSymbolic([head.featureMap], new Map<tf.SymbolicTensor, tf.Tensor>([[head.framesInput, clip], ...head.extraFeeds]));
  const gradient = tf.grad((featureMap: tf.Tensor) => tf.gather(headLogits(head, clip, featureMap), classIndex))(activations);
  // Grad-CAM's channel weights per frame: the spatial mean of the gradient (the paper's global-average-pooled
  // gradient); HiResCAM keeps each location's own gradient.
  const weights = method === 'grad-cam' ? tf.mean(gradient, [1, 2], true) : gradient;
  const cam = tf.relu(tf.sum(tf.mul(weights, activations), -1));
  const [time, rows, columns] = cam.shape;
  const maps = resampleCells(cam.dataSync(), [time, rows, columns], alignmentOf(head, clip, { rows, columns }), size, size);
  let peak = 0;
  for (const value of maps) peak = Math.max(peak, value);
  // A map with no positive location stays zero rather than dividing by zero.
  if (peak > 0) for (let i = 0; i < maps.length; i++) maps[i] /= peak;
  return maps;
}

/** Gradient x input of logit `classIndex`, per frame, normalised to sum 1. */
function frameImportance(head: HeadGraph, clip: tf.Tensor, classIndex: number): number[] {
  const gradient = tf.grad((frames: tf.Tensor) => tf.gather(headLogits(head, frames), classIndex))(clip);
  const perFrame = Array.from(tf.sum(tf.abs(tf.mul(gradient, clip)), [0, 2, 3, 4]).dataSync());
  const total = perFrame.reduce((sum, value) => sum + value, 0);
  return total > 0 ? perFrame.map((value) => value / total) : perFrame.map(() => 1 / perFrame.length);
}

/** Explains `classIndex` of `head` (default: its argmax) on `clip` [1, T, S, S, 3]; call inside `tf.tidy`. */
function explainHead(head: HeadGraph, clip: tf.Tensor, classIndex: number | undefined, method: CamMethod = 'grad-cam'): ClassExplanation {
  const [, time, size] = clip.shape;
  const logits = headLogits(head, clip);
  const chosen = classIndex ?? argMaxOf(logits.dataSync());
  const probability = tf.softmax(logits).dataSync()[chosen];
  const maps = classMap(head, clip, chosen, size, method);
  return { classIndex: chosen, probability, maps, mapShape: [time, size, size], frameImportance: frameImportance(head, clip, chosen) };
}

/** Which step(s) `explainTwoStep` explains. */
type TwoStepPart = 'action' | 'actor' | 'both';

/**
 * The two-step explanation's one body: step 1's head, and step 2's conditioned on the explained action (given, else
 * step 1's argmax), each only when `part` asks for it; step 2 alone needs no step-1 explanation, only its logits.
 */
function explainTwoStep(model: TwoStepModel, frames: tf.Tensor4D, options: TwoStepExplanationOptions, part: TwoStepPart): Partial<TwoStepExplanation> {
  const { inputSize, numFrames, config } = model.metadata;
  checkClip(frames, inputSize, numFrames);
  checkClass('action', options.action, NUM_ACTIONS);
  checkClass('actor', options.actor, NUM_ACTORS);
  const full = model.network.full;
  const framesInput = inputNamed(full, TWO_STEP_NAMES.framesInput);
  const conditionInput = inputNamed(full, TWO_STEP_NAMES.conditionActionInput);
  const [actionLogits, actorLogits] = full.outputs;
  return inScope(() => {
    const clip = tf.expandDims(frames, 0);
    const noCondition = tf.zeros([1, NUM_ACTIONS]);
    const actionHead: HeadGraph = {
      framesInput,
      // Step 1 does not read the conditioning; the input is fed only because the graph has it.
      extraFeeds: [[conditionInput, noCondition]],
      logits: actionLogits,
      featureMap: featureMapOf(full, config.sharedBackbone ? 'backbone/' : 'action_backbone/'),
    };
    const action = part === 'actor' ? undefined : explainHead(actionHead, clip, options.action, options.method);
    if (part === 'action') return { action };
    const condition = action?.classIndex ?? options.action ?? argMaxOf(headLogits(actionHead, clip).dataSync());
    const actorHead: HeadGraph = {
      ...actionHead,
      extraFeeds: [[conditionInput, tf.oneHot(tf.tensor1d([condition], 'int32'), NUM_ACTIONS).toFloat()]],
      logits: actorLogits,
      featureMap: featureMapOf(full, config.sharedBackbone ? 'backbone/' : 'actor_backbone/'),
    };
    return { action, actor: explainHead(actorHead, clip, options.actor, options.method) };
  });
}

/**
 * Explains step 1's action and step 2's actor given that action on one normalised clip [T, S, S, 3]. Step 1's
 * maps are on the action (or shared) backbone, step 2's on the actor (or shared) backbone.
 */
export function explainTwoStepClip(model: TwoStepModel, frames: tf.Tensor4D, options: TwoStepExplanationOptions = {}): TwoStepExplanation {
  const { action, actor } = explainTwoStep(model, frames, options, 'both');
  if (!action || !actor) throw new Error('explainTwoStep left a step out');
  return { action, actor };
}

/**
 * One step of `explainTwoStepClip` without computing the other: `'action'` is its `action`, `'actor'` its `actor`
 * (given `options.action`, else step 1's argmax), equal to the full call's (what sanity checks on other classes use).
 */
export function explainTwoStepPart(model: TwoStepModel, frames: tf.Tensor4D, part: 'action' | 'actor', options: TwoStepExplanationOptions = {}): ClassExplanation {
  const explained = explainTwoStep(model, frames, options, part)[part];
  if (!explained) throw new Error(`explainTwoStep left the ${part} out`);
  return explained;
}

/** Explains the one-step model's pair (default: its most probable) on one normalised clip [T, S, S, 3]. */
export function explainOneStepClip(model: OneStepModel, frames: tf.Tensor4D, options: OneStepExplanationOptions = {}): OneStepExplanation {
  const { inputSize, numFrames } = model.metadata;
  checkClip(frames, inputSize, numFrames);
  checkClass('pair', options.pair, NUM_PAIRS);
  const network = model.network;
  const head: HeadGraph = {
    framesInput: inputNamed(network, TWO_STEP_NAMES.framesInput),
    extraFeeds: [],
    logits: network.outputs[0],
    featureMap: featureMapOf(network, 'backbone/'),
  };
  return inScope(() => ({ pair: explainHead(head, tf.expandDims(frames, 0), options.pair, options.method) }));
}

/** Explains a two-step or one-step model's prediction on one clip (dispatches on the model). */
export function explainClip(model: TwoStepModel, frames: tf.Tensor4D, options?: TwoStepExplanationOptions): TwoStepExplanation;
export function explainClip(model: OneStepModel, frames: tf.Tensor4D, options?: OneStepExplanationOptions): OneStepExplanation;
export function explainClip(
  model: TwoStepModel | OneStepModel,
  frames: tf.Tensor4D,
  options: TwoStepExplanationOptions & OneStepExplanationOptions = {},
): TwoStepExplanation | OneStepExplanation {
  return model instanceof OneStepModel ? explainOneStepClip(model, frames, options) : explainTwoStepClip(model, frames, options);
}
