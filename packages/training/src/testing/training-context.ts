/** A `TrainingContext` over a plain state, for the callbacks' specs (no model, no data). */
import { a2dConfigSchema, type ConfigTree } from '@a2d/core';
import { experimentPaths } from '../experiment';
import type { EpochRecord } from '../epoch-record';
import { freshTrainingState } from '../loop/run-setup';
import type { TrainingContext } from '../loop/training-callback';
import type { TrainingState } from '../training-state';

/** A context whose `interrupt`/`finishAfterEpoch` calls are recorded. */
export function contextOf(state: Partial<TrainingState> = {}, config: ConfigTree = {}): TrainingContext & { calls: string[]; state: TrainingState } {
  const calls: string[] = [];
  return {
    config: a2dConfigSchema.parse(config),
    paths: experimentPaths('/tmp/experiments', 'spec'),
    state: { ...freshTrainingState('hash', 1), ...state },
    batchesPerEpoch: 10,
    interrupt: () => calls.push('interrupt'),
    finishAfterEpoch: (reason) => calls.push(`finish: ${reason}`),
    calls,
  };
}

/** An epoch record with the given epoch and validation combined accuracy (null: not validated). */
export function recordOf(epoch: number, valCombined: number | null = null): EpochRecord {
  const acc = { action: 50, actor: 60, combined: valCombined ?? 0, combinedConstrained: valCombined ?? 0 };
  return {
    epoch,
    globalStep: epoch * 10,
    lr: { first: 1e-3, last: 2e-3 },
    train: { loss: { total: 1.5, action: 1, actor: 0.5, consistency: null }, acc: { action: 40, actor: 50, combined: 30 }, clips: 80 },
    val: valCombined === null ? null : { loss: { total: 1.2, action: 0.8, actor: 0.4, consistency: 0.01 }, acc, clips: 20 },
    valEma: null,
    clipsPerSecond: 42.5,
    dataWaitFraction: 0.05,
    seconds: 12,
    rssMiB: 300,
    tensors: 100,
    skippedVideos: 0,
    nonFiniteSteps: 0,
    gradNorm: { mean: 1, max: 2 },
  };
}
