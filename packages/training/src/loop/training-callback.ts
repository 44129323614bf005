/**
 * The callback interface of the fit loop (the Lightning / mmengine shape): the loop owns iteration, accumulation,
 * the learning rate, validation and the run's state; every policy around it (checkpoints, early stopping,
 * metrics.jsonl, TensorBoard, the progress bar, EMA validation) is a `TrainingCallback` in its own file, and a user
 * can pass more from code (`runTraining({ ..., callbacks: [mine] })`; example in docs/training.md).
 *
 * Callbacks run in the order given, each awaited, at these points:
 *   onRunStart -> (onEpochStart -> onUpdate per optimizer update -> onValidationEnd -> onEpochEnd) per epoch -> onRunEnd.
 * A resumed run whose checkpoint was taken between an epoch's last update and its end (validation pending) starts
 * at onValidationEnd. An interrupted run (the run's signal, or `context.interrupt()`) skips to onRunEnd with
 * `interrupted: true`, after `state` was left resumable.
 */
import type { A2dConfig } from '@a2d/core';
import type { EpochRecord, ValidationResult } from '../epoch-record';
import type { ExperimentPaths } from '../experiment';
import type { TrainingState } from '../training-state';

/** What every callback sees of the run. */
export interface TrainingContext {
  readonly config: A2dConfig;
  readonly paths: ExperimentPaths;
  /** The run's live state (epoch, position, steps, history, best...), saved in every checkpoint: read, never change. */
  readonly state: Readonly<TrainingState>;
  /** Training batches per epoch. */
  readonly batchesPerEpoch: number;
  /** Stops at the next optimizer-update boundary with a resumable state, as aborting the run's signal does. */
  interrupt(): void;
  /** Ends the run as finished after this epoch, with `reason` (early stopping); from any hook up to `onValidationEnd`. */
  finishAfterEpoch(reason: string): void;
}

/** One optimizer update (after `train.accumulateSteps` batches, or the last batch of an epoch). */
export interface UpdateEvent {
  /** 0-based epoch and the batch that completed the update. */
  epoch: number;
  batchIndex: number;
  learningRate: number;
  /** False when the gradients were not finite and the update was skipped. */
  applied: boolean;
  /** The loss of the update's last batch (mean over its clips). */
  loss: number;
  /** Running means over the epoch so far. */
  running: { loss: number; combinedAccuracy: number; clipsPerSecond: number };
}

/** An epoch's validation, before the epoch's record is made. */
export interface ValidationEvent {
  /** 0-based epoch. */
  epoch: number;
  /** Whether validation ran this epoch (`train.evalEvery`, and always on the last). */
  validated: boolean;
  isLast: boolean;
  /** The live weights' result (null without a validation split or when not validated). */
  val: ValidationResult | null;
  /** The EMA weights' result, set by the EMA callback (null otherwise). */
  valEma: ValidationResult | null;
  /** Whether `val` beats the best so far (always true without a validation split: the last epoch is best). */
  improved: boolean;
  /** Epochs without improvement, this one counted. */
  epochsWithoutImprovement: number;
  /** Validates the live (false) or EMA (true) weights; null without a validation split. */
  evaluate(ema: boolean): Promise<ValidationResult | null>;
}

/** An epoch's end, after its record joined `state.history` and the state moved to the next epoch. */
export interface EpochEndEvent {
  record: EpochRecord;
  improved: boolean;
}

/** The end of a session of the run. */
export interface RunEndEvent {
  interrupted: boolean;
  /** Where an interruption happened: in the training batches, or during an epoch's validation. */
  during: 'training' | 'validation' | null;
}

/** A policy around the fit loop; every hook is optional. */
export interface TrainingCallback {
  onRunStart?(context: TrainingContext): void | Promise<void>;
  onEpochStart?(context: TrainingContext, epoch: number): void | Promise<void>;
  onUpdate?(context: TrainingContext, update: UpdateEvent): void | Promise<void>;
  onValidationEnd?(context: TrainingContext, validation: ValidationEvent): void | Promise<void>;
  onEpochEnd?(context: TrainingContext, end: EpochEndEvent): void | Promise<void>;
  onRunEnd?(context: TrainingContext, end: RunEndEvent): void | Promise<void>;
}

/** Calls `hook` on every callback that has it, in order, each awaited. */
export async function callEach<K extends keyof TrainingCallback>(
  callbacks: readonly TrainingCallback[],
  hook: K,
  ...args: Parameters<NonNullable<TrainingCallback[K]>>
): Promise<void> {
  for (const callback of callbacks) {
    const fn = callback[hook] as ((...a: typeof args) => void | Promise<void>) | undefined;
    if (fn) await fn.apply(callback, args);
  }
}
