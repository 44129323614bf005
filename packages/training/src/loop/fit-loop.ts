/**
 * The fit loop: epochs of training batches (batch k + 1 prepared while the replicas compute batch k), gradient
 * accumulation over `train.accumulateSteps` batches, the scheduled learning rate, skipped non-finite updates (the
 * run stops after `train.maxNonFiniteSteps` in a row), the epoch's running sums, validation, the epoch record, and
 * best-so-far. It owns the run's `TrainingState` (exact resume: every random draw is keyed by seed, epoch and
 * batch, and interruptions happen between optimizer updates); everything else is a `TrainingCallback`.
 */
import path from 'node:path';
import { DatasetError, Rng, type A2dConfig } from '@a2d/core';
import { tf, type ReplicaTrainer } from '@a2d/engine';
import type { EpochRecord, LossTerms, ValidationResult } from '../epoch-record';
import type { BatchSource } from '../data/loader-thread';
import type { ExperimentPaths } from '../experiment';
import { learningRateAt } from '../optim/lr-schedule';
import { emptyAccumulator, type EpochAccumulator, type TrainingState } from '../training-state';
import { prepareTrainingBatch } from './training-batch';
import { callEach, type TrainingCallback, type TrainingContext, type ValidationEvent } from './training-callback';
import { TrainingError } from './training-error';

/** What the loop runs on. */
export interface FitLoopOptions {
  config: A2dConfig;
  paths: ExperimentPaths;
  trainer: ReplicaTrainer;
  trainLoader: BatchSource;
  /** Training videos (an epoch ends when the loader has gone through them). */
  trainVideos: number;
  /** Validates the live (false) or EMA (true) weights; null without a validation split. */
  validate: ((ema: boolean) => Promise<ValidationResult | null>) | null;
  /** The state to continue (a fresh one, or a resumed checkpoint's). */
  state: TrainingState;
  callbacks: readonly TrainingCallback[];
  /** Aborting stops at the next update boundary, as `context.interrupt()` does. */
  signal?: AbortSignal;
  warn: (line: string) => void;
  /** Videos skipped so far in this run (all sessions), for the epoch record. */
  skippedVideos: () => number;
}

/** What a session of the loop ended with. */
export interface FitLoopResult {
  state: TrainingState;
  interrupted: boolean;
}

function percentOrNull(count: number, total: number): number | null {
  return total > 0 ? (100 * count) / total : null;
}

function meanOrNull(sum: number, count: number): number | null {
  return count > 0 ? sum / count : null;
}

/** Training batches per epoch of `trainVideos` videos. */
export function batchesPerEpochOf(trainVideos: number, loader: { batchSize: number; dropLast: boolean }): number {
  return loader.dropLast ? Math.floor(trainVideos / loader.batchSize) : Math.ceil(trainVideos / loader.batchSize);
}

/** Runs the loop until the run finishes or is interrupted; see the file comment. */
export async function runFitLoop(options: FitLoopOptions): Promise<FitLoopResult> {
  const { config, trainer, trainLoader, callbacks, warn } = options;
  const { data } = config;
  const batchesPerEpoch = batchesPerEpochOf(options.trainVideos, data.loader);
  if (batchesPerEpoch === 0) {
    throw new DatasetError(path.join(data.root, data.videosetFile), `${options.trainVideos} training videos make no full batch of ${data.loader.batchSize} (data.loader.dropLast is on)`);
  }
  const { accumulateSteps, epochs } = config.train;
  const stepsPerEpoch = Math.ceil(batchesPerEpoch / accumulateSteps);
  const schedule = { optimizer: config.train.optimizer, schedule: config.train.schedule, epochs };
  const runRng = new Rng(config.seed);
  let state = options.state;
  let interruptRequested = false;
  let finishReason: string | null = null;
  const context: TrainingContext = {
    config,
    paths: options.paths,
    get state() {
      return state;
    },
    batchesPerEpoch,
    interrupt: () => {
      interruptRequested = true;
    },
    finishAfterEpoch: (reason) => {
      finishReason ??= reason;
    },
  };
  const interrupting = () => interruptRequested || options.signal?.aborted === true;
  let nonFiniteRun = 0;

  await callEach(callbacks, 'onRunStart', context);
  while (!state.finished && state.epoch < epochs) {
    const epoch = state.epoch;
    finishReason = null;
    const acc: EpochAccumulator = state.partial;
    const epochStart = performance.now() - acc.seconds * 1000;
    await callEach(callbacks, 'onEpochStart', context, epoch);
    if (!state.epochEndPending) {
      const iterator = trainLoader.batches(epoch, state.position)[Symbol.asyncIterator]();
      let pending = 0; // batches whose gradients wait in the trainer's buffer
      // Batch k + 1 is fetched and prepared while the replicas compute batch k; only the time the loop then still
      // waits for it counts as data wait.
      const prepare = async (batchIndex: number) => {
        const next = await iterator.next();
        return next.done ? undefined : prepareTrainingBatch(next.value, { epoch, batchIndex, batchesPerEpoch }, config, runRng, trainer.workers);
      };
      const waited = async <T>(promise: Promise<T>): Promise<T> => {
        const waitStart = performance.now();
        const value = await promise;
        acc.waitSeconds += (performance.now() - waitStart) / 1000;
        return value;
      };
      let interrupted = false;
      let current = await waited(prepare(state.batchIndex));
      while (current) {
        const { batch, batchIndex, progressFraction } = current;
        const computing = trainer.computeGradients(current.shards, { progress: progressFraction, rawFrames: current.rawFrames }, { transfer: true });
        const upcoming = prepare(batchIndex + 1);
        upcoming.catch(() => undefined); // a loader error surfaces where it is awaited below
        const summary = await computing;
        const clips = batch.videoIds.length;
        acc.clips += clips;
        for (const term of ['total', 'action', 'actor', 'consistency'] as const) {
          const value = summary.metrics[`loss.${term}`];
          if (Number.isFinite(value)) {
            acc.lossSums[term] += value * clips;
            acc.lossClips[term] += clips;
          }
        }
        acc.correct.action += (summary.metrics['acc.action'] ?? 0) * clips;
        acc.correct.actor += (summary.metrics['acc.actor'] ?? 0) * clips;
        acc.correct.combined += (summary.metrics['acc.combined'] ?? 0) * clips;
        pending++;
        state.batchIndex++;
        state.position = batch.position;
        const lastOfEpoch = state.batchIndex >= batchesPerEpoch || batch.position >= options.trainVideos;
        if (pending >= accumulateSteps || lastOfEpoch) {
          const learningRate = learningRateAt({ epoch, step: state.stepInEpoch, stepsPerEpoch }, schedule);
          const applied = await trainer.applyGradients({ learningRate, clipNorm: config.train.clipGradNorm > 0 ? config.train.clipGradNorm : undefined });
          pending = 0;
          state.stepInEpoch++;
          if (applied.applied) {
            state.globalStep++;
            nonFiniteRun = 0;
            acc.updates++;
            acc.gradNormSum += applied.gradNorm;
            acc.gradNormMax = Math.max(acc.gradNormMax ?? 0, applied.gradNorm);
            acc.lrFirst ??= learningRate;
            acc.lrLast = learningRate;
          } else {
            acc.nonFiniteSteps++;
            nonFiniteRun++;
            warn(`epoch ${epoch + 1} batch ${batchIndex + 1}: non-finite gradients (shards ${summary.nonFiniteShards.join(', ') || '?'}); update skipped`);
            if (nonFiniteRun >= config.train.maxNonFiniteSteps) {
              throw new TrainingError(
                `${nonFiniteRun} updates in a row had non-finite gradients (epoch ${epoch + 1}, batch ${batchIndex + 1}): lower train.optimizer.lr, ` +
                  'keep train.clipGradNorm on, or resume from the last checkpoint',
              );
            }
          }
          acc.seconds = (performance.now() - epochStart) / 1000;
          await callEach(callbacks, 'onUpdate', context, {
            epoch,
            batchIndex,
            learningRate,
            applied: applied.applied,
            loss: summary.loss,
            running: {
              loss: acc.lossSums.total / Math.max(1, acc.lossClips.total),
              combinedAccuracy: (100 * acc.correct.combined) / Math.max(1, acc.clips),
              clipsPerSecond: acc.clips / Math.max(1e-9, acc.seconds),
            },
          });
          if (interrupting()) {
            interrupted = true;
            break;
          }
        }
        current = await waited(upcoming);
      }
      if (interrupted) {
        acc.seconds = (performance.now() - epochStart) / 1000;
        state.partial = acc;
        await callEach(callbacks, 'onRunEnd', context, { interrupted: true, during: 'training' });
        return { state, interrupted: true };
      }
      if (acc.clips === 0 && trainLoader.skipped.length > 0) {
        throw new DatasetError(
          path.join(data.root, data.clipsDir),
          `no training clip could be decoded in epoch ${epoch + 1} (${trainLoader.skipped.length} skipped; first: ${trainLoader.skipped[0].videoId}: ${trainLoader.skipped[0].reason})`,
        );
      }
      state.epochEndPending = true;
      state.partial = acc;
    }

    // Epoch end: replicas agree, validation, best so far, the record, the next epoch's state.
    await trainer.averageBuffers();
    await trainer.verifyReplicas();
    const isLast = epoch + 1 === epochs;
    const validated = (epoch + 1) % config.train.evalEvery === 0 || isLast;
    const val = validated && options.validate ? await options.validate(false) : null;
    // Best by validation combined accuracy; without a validation split every epoch replaces it (the last is best).
    const score = val?.acc.combined ?? null;
    const improved = options.validate
      ? score !== null && (state.best === null || score > state.best.valCombined + config.train.earlyStopping.minDelta)
      : true;
    const validation: ValidationEvent = {
      epoch,
      validated,
      isLast,
      val,
      valEma: null,
      improved,
      epochsWithoutImprovement: improved ? 0 : validated ? state.epochsWithoutImprovement + 1 : state.epochsWithoutImprovement,
      evaluate: (ema) => (options.validate ? options.validate(ema) : Promise.resolve(null)),
    };
    await callEach(callbacks, 'onValidationEnd', context, validation);
    if (interrupting()) {
      // Saved with the epoch's end still pending: a resume redoes this validation (and its decisions).
      state.partial = acc;
      await callEach(callbacks, 'onRunEnd', context, { interrupted: true, during: 'validation' });
      return { state, interrupted: true };
    }
    acc.seconds = (performance.now() - epochStart) / 1000;
    const record = epochRecord(epoch, state, acc, val, validation.valEma, options.skippedVideos());
    if (improved) state.best = { epoch: epoch + 1, valCombined: score ?? record.train.acc.combined ?? 0 };
    const finished = isLast || finishReason !== null;
    state = {
      ...state,
      history: [...state.history, record],
      epochsWithoutImprovement: validation.epochsWithoutImprovement,
      epoch: epoch + 1,
      position: 0,
      batchIndex: 0,
      stepInEpoch: 0,
      epochEndPending: false,
      partial: emptyAccumulator(),
      finished,
      stopReason: isLast ? `all ${epochs} epochs` : finishReason,
    };
    await callEach(callbacks, 'onEpochEnd', context, { record, improved });
  }
  await callEach(callbacks, 'onRunEnd', context, { interrupted: false, during: null });
  return { state, interrupted: false };
}

/** The record of a finished epoch (one line of metrics.jsonl). */
function epochRecord(epoch: number, state: TrainingState, acc: EpochAccumulator, val: ValidationResult | null, valEma: ValidationResult | null, skippedVideos: number): EpochRecord {
  const trainLoss: LossTerms = {
    total: meanOrNull(acc.lossSums.total, acc.lossClips.total),
    action: meanOrNull(acc.lossSums.action, acc.lossClips.action),
    actor: meanOrNull(acc.lossSums.actor, acc.lossClips.actor),
    consistency: meanOrNull(acc.lossSums.consistency, acc.lossClips.consistency),
  };
  return {
    epoch: epoch + 1,
    globalStep: state.globalStep,
    lr: { first: acc.lrFirst ?? 0, last: acc.lrLast ?? 0 },
    train: {
      loss: trainLoss,
      acc: {
        action: percentOrNull(acc.correct.action, acc.clips),
        actor: percentOrNull(acc.correct.actor, acc.clips),
        combined: percentOrNull(acc.correct.combined, acc.clips),
      },
      clips: acc.clips,
    },
    val,
    valEma,
    clipsPerSecond: acc.clips / Math.max(1e-9, acc.seconds),
    dataWaitFraction: acc.seconds > 0 ? Math.min(1, acc.waitSeconds / acc.seconds) : 0,
    seconds: acc.seconds,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
    tensors: tf.memory().numTensors,
    skippedVideos,
    nonFiniteSteps: acc.nonFiniteSteps,
    gradNorm: { mean: meanOrNull(acc.gradNormSum, acc.updates), max: acc.gradNormMax },
  };
}
