/**
 * Explanations of a trained two-step model on a split's clips, checked against the ground truth where the
 * dataset has it (A2D's `Annotations/`, which the synthetic generator writes too):
 * - each video's test clip (view 0, the centre crop) with its annotated frames in place of the nearest sampled
 *   frames (`placeAnnotatedFrames`), decoded at the experiment's size, cropped and normalised as the evaluator does;
 * - `explainClip` (Grad-CAM of step 1's action and of step 2's actor given it, frame importance);
 * - the pointing game of each step on every annotated frame whose true actor is in the crop, against the random
 *   point (the box's share of the frame);
 * - on the first `sanityClips` clips, Adebayo et al.'s checks: rank correlation with a randomly initialised
 *   model of the same architecture explaining the same classes, and with the runner-up class; and a deletion check
 *   of the frame importance: the explained class's probability with the most / the least important frame blanked.
 * Writes `<outDir>/summary.json` (`splitExplanationSchema`) and `<outDir>/strips/<videoId>.png` (the frames, each
 * step's map, the true box in green and the map's peak in cyan). A video that cannot be decoded is skipped with a
 * warning and listed; a broken annotation file leaves its clip unscored with a warning.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ACTORS, checkOutputPath, DatasetError, Rng, VIDEO_ACTIONS, VideoDecodeError, writeFileAtomic, writeJsonAtomic, type A2dConfig, type ActorName, type Clip } from '@a2d/core';
import { buildTestTransform, ClipBatchConverter, overlayHeatmaps, renderContactSheet, testCropBoxes, testResizeShortSide, type PixelBoxOutline } from '@a2d/augment';
import { tf } from '@a2d/engine';
import { clipPath, decodeFrames, readClipAnnotations, sampleClipIndices, type ClipFrameAnnotation, type VideoRecord } from '@a2d/ingest';
import { explainTwoStepClip, explainTwoStepPart, OneStepModel, TwoStepModel, type CamMethod, type ClassExplanation, type TwoStepExplanation } from '@a2d/layers';
import { boxPixelMask, pointingFrame, spearmanCorrelation, summarisePointing, type PointingFrame } from '@a2d/metrics';
import { CheckpointError } from '../checkpoint/checkpoint-error';
import { checkpointConfig, existingCheckpointDir, loadCheckpointModel, splitRecords } from '../evaluate-experiment';
import { inferProbabilities } from '../inference/infer-probabilities';
import { boxInInput, placeAnnotatedFrames, type InputGeometry } from './annotated-clip';
import { SPLIT_EXPLANATION_FILE, STRIPS_DIR, splitExplanationSchema, type ExplainedClip, type ScoredFrame, type SplitExplanation } from './split-explanation-file';

/** Which clips get a strip PNG. */
export type StripSelection = 'all' | 'errors' | 'none';

/** Options of `explainSplit`. */
export interface ExplainSplitOptions {
  /** The experiment folder. */
  experimentDir: string;
  /** A checkpoint folder instead of `<experiment>/checkpoints/best`. */
  checkpoint?: string;
  /** Explain the checkpoint's EMA weights. */
  ema?: boolean;
  split: 'test' | 'val';
  /** Explain only the split's first `limit` videos (in split order). */
  limit?: number;
  /** Dataset root, when the data moved since training. */
  dataRoot?: string;
  /** Output folder (default `<experiment>/explanations/<split>`). */
  outDir?: string;
  /** Strips for every clip, for the clips whose combined prediction is wrong (default), or none. */
  strips?: StripSelection;
  /** Clips (the first ones) that get the sanity checks (default 32). */
  sanityClips?: number;
  /** The map's form (default `grad-cam`). */
  method?: CamMethod;
  /** Seed of the randomly initialised model (default 1). */
  randomSeed?: number;
  log?: (line: string) => void;
}

/** What `explainSplit` did. */
export interface SplitExplanationOutcome {
  outDir: string;
  summaryFile: string;
  summary: SplitExplanation;
}

/** Zhang et al. 2016's pointing-game tolerance: 15 px on inputs of about 224 px, scaled to the model's input. */
const [TOLERANCE_PIXELS, TOLERANCE_INPUT_SIZE] = [15, 224];

const PEAK_COLOUR = [0, 230, 255] as const;
const BOX_COLOUR = [0, 255, 0] as const;

/** The step's map of clip position `t`. */
function frameMap(step: ClassExplanation, t: number): Float32Array {
  const [, height, width] = step.mapShape;
  return step.maps.subarray(t * height * width, (t + 1) * height * width);
}

function outcome(frame: PointingFrame): ScoredFrame['step1'] {
  return { hit: frame.hit, peak: frame.peak };
}

/** Decodes `indices` of a record's video at the experiment's size and applies the test crop. */
async function croppedClip(file: string, indices: readonly number[], config: A2dConfig): Promise<Clip> {
  const { decode } = config.data;
  const decoded = await decodeFrames(file, { indices, width: decode.width, height: decode.height, timeoutSeconds: decode.timeoutSeconds, threads: decode.threads });
  const clip: Clip = { data: decoded.data, numFrames: decoded.numFrames, height: decoded.height, width: decoded.width };
  // The test transform draws nothing; the generator only satisfies its signature.
  return buildTestTransform(config.augment)(clip, new Rng(0));
}

/** The strip: the frames under each step's map, the true boxes and the peaks on the scored frames. */
function renderStrip(pixels: Clip, explanation: TwoStepExplanation, row: ExplainedClip): Buffer {
  const outlines = (step: 'step1' | 'step2'): PixelBoxOutline[][] => {
    const perFrame: PixelBoxOutline[][] = Array.from({ length: pixels.numFrames }, () => []);
    for (const frame of row.scored) {
      const { box } = frame;
      perFrame[frame.position].push({ x1: box.left, y1: box.top, x2: box.right - 1, y2: box.bottom - 1, colour: BOX_COLOUR });
      const peak = frame[step].peak;
      if (peak) perFrame[frame.position].push({ x1: peak.x - 2, y1: peak.y - 2, x2: peak.x + 2, y2: peak.y + 2, colour: PEAK_COLOUR });
    }
    return perFrame;
  };
  const verdict = (ok: boolean) => (ok ? 'right' : 'WRONG');
  const sheet = renderContactSheet([
    {
      label: `${row.videoId} step 1: ${row.action.label} (p ${row.action.probability.toFixed(3)}), true ${row.trueAction}: ${verdict(row.correct.action)}`,
      clip: overlayHeatmaps(pixels, explanation.action.maps, { frameImportance: explanation.action.frameImportance, boxes: outlines('step1') }),
    },
    {
      label: `step 2: ${row.actor.label} given ${row.action.label} (p ${row.actor.probability.toFixed(3)}), true ${row.trueActor}: ${verdict(row.correct.actor)}`,
      clip: overlayHeatmaps(pixels, explanation.actor.maps, { frameImportance: explanation.actor.frameImportance, boxes: outlines('step2') }),
    },
  ]);
  return sheet.png;
}

/** Index of the largest value other than `except`. */
function runnerUp(values: ArrayLike<number>, except: number): number {
  let best = except === 0 ? 1 : 0;
  for (let i = 0; i < values.length; i++) if (i !== except && values[i] > values[best]) best = i;
  return best;
}

/** Step 1's p(action) and the table p(actor | action) of one normalised clip [T, S, S, 3]. */
function probabilitiesOf(model: TwoStepModel, clip: tf.Tensor4D): { actionProbs: Float32Array; actorRow: number[][] } {
  return tf.tidy(() => {
    const out = inferProbabilities(model, tf.expandDims(clip, 0) as tf.Tensor5D);
    return { actionProbs: out.actionProbs.dataSync() as Float32Array, actorRow: tf.squeeze(out.actorTable, [0]).arraySync() as number[][] };
  });
}

function argMax(values: readonly number[]): number {
  return values.reduce((best, value, i) => (value > values[best] ? i : best), 0);
}

const mean = (values: readonly number[]): number | null => (values.length > 0 ? values.reduce((sum, value) => sum + value, 0) / values.length : null);

/** Rank correlations per step, for the sanity means; maps that do not rank are counted, not averaged. */
class CorrelationMeans {
  private readonly values = { step1: [] as number[], step2: [] as number[] };
  undefinedCount = 0;

  add(step: 'step1' | 'step2', a: Float32Array, b: Float32Array): void {
    const rho = spearmanCorrelation(a, b);
    if (Number.isNaN(rho)) this.undefinedCount++;
    else this.values[step].push(rho);
  }

  means(): { step1: number | null; step2: number | null } {
    return { step1: mean(this.values.step1), step2: mean(this.values.step2) };
  }
}

/** Explains a split's clips and writes the summary and strips (see the file comment). */
export async function explainSplit(options: ExplainSplitOptions): Promise<SplitExplanationOutcome> {
  const log = options.log ?? (() => undefined);
  const checkpointDir = existingCheckpointDir(options.experimentDir, options.checkpoint);
  const outDir = options.outDir ?? path.join(options.experimentDir, 'explanations', options.split);
  checkOutputPath(outDir, 'folder');
  const config = checkpointConfig(checkpointDir, options.experimentDir);
  if (config.model.kind !== 'two-step') throw new CheckpointError(checkpointDir, `explains two-step models; this checkpoint is ${config.model.kind}`);
  const data = { ...config.data, root: options.dataRoot ?? config.data.root };
  const inSplit = await splitRecords(data, options.split);
  const chosen = inSplit.slice(0, options.limit ?? inSplit.length);
  const strips = options.strips ?? 'errors';
  const sanityClips = options.sanityClips ?? 32;
  const method = options.method ?? 'grad-cam';

  const loaded = await loadCheckpointModel(checkpointDir, options.ema ?? false);
  if (loaded instanceof OneStepModel) {
    loaded.dispose();
    throw new CheckpointError(checkpointDir, 'explains two-step models; this checkpoint holds a one-step model');
  }
  const model: TwoStepModel = loaded;
  const { inputSize, numFrames, config: modelConfig } = model.metadata;
  const random = sanityClips > 0 ? TwoStepModel.create({ config: modelConfig, inputSize, numFrames, rng: new Rng(options.randomSeed ?? 1) }) : undefined;
  const converter = new ClipBatchConverter(modelConfig.inputNormalization);
  const crop = testCropBoxes({ height: data.decode.height, width: data.decode.width }, config.augment.cropSize, testResizeShortSide(config.augment), 1)[0];
  await mkdir(path.join(outDir, STRIPS_DIR), { recursive: true });

  const rows: ExplainedClip[] = [];
  const skipped: SplitExplanation['skipped'] = [];
  const frames = { step1: [] as PointingFrame[], step2: [] as PointingFrame[] };
  const tolerant = { step1: [] as PointingFrame[], step2: [] as PointingFrame[] };
  const margin = (TOLERANCE_PIXELS * config.augment.cropSize) / TOLERANCE_INPUT_SIZE;
  const byActor = new Map<ActorName, { step1: PointingFrame[]; step2: PointingFrame[] }>();
  const randomModel = new CorrelationMeans();
  const otherClass = new CorrelationMeans();
  let sanityDone = 0;
  const deletion = {
    step1: { mostImportant: [] as number[], leastImportant: [] as number[] },
    step2: { mostImportant: [] as number[], leastImportant: [] as number[] },
  };
  let annotatedClips = 0;
  const started = performance.now();
  try {
    for (const [index, record] of chosen.entries()) {
      const row = await explainRecord(record);
      if (row) rows.push(row);
      if ((index + 1) % 25 === 0) log(`explained ${index + 1}/${chosen.length} clips (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  } finally {
    model.dispose();
    random?.dispose();
  }

  async function explainRecord(record: VideoRecord): Promise<ExplainedClip | undefined> {
    const file = clipPath(data.root, data.clipsDir, record.videoId);
    let annotations: ClipFrameAnnotation[] = [];
    try {
      annotations = await readClipAnnotations(data.root, record.videoId, { masks: false });
    } catch (error) {
      if (!(error instanceof DatasetError)) throw error;
      log(`warning: ${error.message} (the clip is explained but not scored)`);
    }
    const sampled = sampleClipIndices(record.numFrames, data.sampling, config.augment.temporal, { mode: 'test', view: 0, numViews: 1 });
    const annotatedFrames = annotations.map((annotation) => annotation.frameIndex).filter((frame) => frame < record.numFrames);
    const plan = placeAnnotatedFrames(sampled, annotatedFrames);
    let pixels: Clip;
    try {
      pixels = await croppedClip(file, plan.indices, config);
    } catch (error) {
      if (!(error instanceof VideoDecodeError)) throw error;
      log(`warning: skipping ${record.videoId}: ${error.message}`);
      skipped.push({ videoId: record.videoId, reason: error.message });
      return undefined;
    }
    const shape: [number, number, number, number, 3] = [1, pixels.numFrames, pixels.height, pixels.width, 3];
    const floats = converter.convert(pixels.data, shape);
    const clip = tf.tensor4d(floats, [pixels.numFrames, pixels.height, pixels.width, 3]);
    let explanation: TwoStepExplanation;
    let second: { action: number; actor: number } | undefined;
    let randomExplanation: TwoStepExplanation | undefined;
    let otherExplanation: TwoStepExplanation | undefined;
    try {
      explanation = explainTwoStepClip(model, clip, { method });
      if (random && sanityDone < sanityClips) {
        const { action, actor } = explanation;
        const probabilities = probabilitiesOf(model, clip);
        // Frame deletion: each step's most and least important frame replaced by the dataset mean (0 after
        // normalisation, gradient x input's own baseline); the explained class's probability should fall more
        // for the first.
        for (const [step, importance] of [['step1', action.frameImportance], ['step2', actor.frameImportance]] as const) {
          const probabilityOf = (table: ReturnType<typeof probabilitiesOf>) =>
            step === 'step1' ? table.actionProbs[action.classIndex] : table.actorRow[action.classIndex][actor.classIndex];
          const before = probabilityOf(probabilities);
          for (const [which, frame] of [['mostImportant', argMax(importance)], ['leastImportant', argMax(importance.map((value) => -value))]] as const) {
            const blanked = tf.tidy(() => tf.mul(clip, tf.tensor4d(importance.map((_, t) => (t === frame ? 0 : 1)), [importance.length, 1, 1, 1])) as tf.Tensor4D);
            try {
              deletion[step][which].push(before - probabilityOf(probabilitiesOf(model, blanked)));
            } finally {
              blanked.dispose();
            }
          }
        }
        second = { action: runnerUp(probabilities.actionProbs, action.classIndex), actor: runnerUp(probabilities.actorRow[action.classIndex], actor.classIndex) };
        randomExplanation = explainTwoStepClip(random, clip, { action: action.classIndex, actor: actor.classIndex, method });
        // Step 2's runner-up is explained given step 1's own action, so only the explained class changes.
        otherExplanation = {
          action: explainTwoStepPart(model, clip, 'action', { action: second.action, method }),
          actor: explainTwoStepPart(model, clip, 'actor', { action: action.classIndex, actor: second.actor, method }),
        };
      }
    } finally {
      clip.dispose();
    }
    if (randomExplanation && otherExplanation) {
      sanityDone++;
      randomModel.add('step1', explanation.action.maps, randomExplanation.action.maps);
      randomModel.add('step2', explanation.actor.maps, randomExplanation.actor.maps);
      otherClass.add('step1', explanation.action.maps, otherExplanation.action.maps);
      otherClass.add('step2', explanation.actor.maps, otherExplanation.actor.maps);
    }

    const geometry: InputGeometry = { source: { width: record.width, height: record.height }, decoded: { width: data.decode.width, height: data.decode.height }, crop, size: pixels.width };
    const scored: ScoredFrame[] = [];
    const unscored = { unplaced: plan.unplaced.length, noActor: 0, outsideCrop: 0 };
    const actorFrames = byActor.get(record.actor) ?? { step1: [], step2: [] };
    for (const { position, annotation } of plan.scored) {
      const instances = annotations[annotation].instances.filter((instance) => instance.id === record.label);
      if (instances.length === 0) {
        unscored.noActor++;
        continue;
      }
      const boxes = instances.map((instance) => boxInInput(instance.box, geometry));
      const mask = boxPixelMask(boxes, pixels.height, pixels.width);
      if (!mask.includes(1)) {
        unscored.outsideCrop++;
        continue;
      }
      const step1 = pointingFrame(frameMap(explanation.action, position), mask, pixels.height, pixels.width);
      const step2 = pointingFrame(frameMap(explanation.actor, position), mask, pixels.height, pixels.width);
      frames.step1.push(step1);
      frames.step2.push(step2);
      // Zhang et al.'s pointing game forgives 15 px at ~224 px: the same share of our input around every box.
      const widened = boxPixelMask(boxes.map((b) => ({ left: b.left - margin, top: b.top - margin, right: b.right + margin, bottom: b.bottom + margin })), pixels.height, pixels.width);
      tolerant.step1.push(pointingFrame(frameMap(explanation.action, position), widened, pixels.height, pixels.width));
      tolerant.step2.push(pointingFrame(frameMap(explanation.actor, position), widened, pixels.height, pixels.width));
      actorFrames.step1.push(step1);
      actorFrames.step2.push(step2);
      // The union of the label's boxes is stored as their bounding box (one instance in the synthetic set).
      const box = {
        left: Math.min(...boxes.map((b) => b.left)),
        top: Math.min(...boxes.map((b) => b.top)),
        right: Math.max(...boxes.map((b) => b.right)),
        bottom: Math.max(...boxes.map((b) => b.bottom)),
      };
      scored.push({ position, frame: plan.indices[position], box, baseline: step1.baseline, step1: outcome(step1), step2: outcome(step2) });
    }
    byActor.set(record.actor, actorFrames);
    if (annotations.length > 0) annotatedClips++;

    const { action, actor } = explanation;
    const actionName = VIDEO_ACTIONS[action.classIndex];
    const actorName = ACTORS[actor.classIndex];
    const correct = { action: actionName === record.action, actor: actorName === record.actor, combined: actionName === record.action && actorName === record.actor };
    const row: ExplainedClip = {
      videoId: record.videoId,
      trueAction: record.action,
      trueActor: record.actor,
      action: { label: actionName, probability: action.probability },
      actor: { label: actorName, probability: actor.probability },
      correct,
      frames: plan.indices,
      scored,
      unscored,
      frameImportance: { step1: action.frameImportance, step2: actor.frameImportance },
      strip: null,
    };
    if (strips === 'all' || (strips === 'errors' && !correct.combined)) {
      const strip = path.join(STRIPS_DIR, `${record.videoId}.png`);
      await writeFileAtomic(path.join(outDir, strip), renderStrip(pixels, explanation, row));
      row.strip = strip;
    }
    return row;
  }

  const steps = (of: { step1: PointingFrame[]; step2: PointingFrame[] }) => ({ step1: summarisePointing(of.step1), step2: summarisePointing(of.step2) });
  const summary: SplitExplanation = splitExplanationSchema.parse({
    format: 'a2d-split-explanation',
    version: 1,
    experiment: path.basename(options.experimentDir),
    checkpoint: path.resolve(checkpointDir),
    weights: options.ema ? 'ema' : 'live',
    method,
    split: options.split,
    clipsInSplit: inSplit.length,
    clips: rows.length,
    annotatedClips,
    skipped,
    pointingWithTolerance: { marginPixels: margin, ...steps(tolerant) },
    pointing: { ...steps(frames), byActor: Object.fromEntries([...byActor.entries()].sort(([a], [b]) => ACTORS.indexOf(a) - ACTORS.indexOf(b)).map(([name, of]) => [name, steps(of)])) },
    sanity: {
      clips: sanityDone,
      randomModel: randomModel.means(),
      otherClass: otherClass.means(),
      undefined: randomModel.undefinedCount + otherClass.undefinedCount,
      frameDeletion: {
        step1: { mostImportant: mean(deletion.step1.mostImportant), leastImportant: mean(deletion.step1.leastImportant) },
        step2: { mostImportant: mean(deletion.step2.mostImportant), leastImportant: mean(deletion.step2.leastImportant) },
      },
    },
    rows,
  } satisfies SplitExplanation);
  const summaryFile = path.join(outDir, SPLIT_EXPLANATION_FILE);
  await writeJsonAtomic(summaryFile, summary);
  return { outDir, summaryFile, summary };
}

