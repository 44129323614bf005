/**
 * The learning rate as a pure function of where training is: (epoch, step within the epoch, steps per epoch),
 * as timm's schedulers take explicit counters, so a resumed run gets exactly the rate an uninterrupted one had.
 * Linear warmup from `warmupStartFactor * lr`, then cosine annealing to `minLrFactor * lr` over the remaining
 * epochs, or SGDR warm restarts (cycles of `cycleEpochs`, each `cycleMult` times longer, peaks decaying).
 */
import type { OptimizerConfig, ScheduleConfig } from '@a2d/core';

/** Where training is. `step` counts optimizer updates within `epoch` (0-based); fractions of epochs follow. */
export interface SchedulePosition {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
}

/** The schedule's inputs. */
export interface LearningRateSchedule {
  optimizer: Pick<OptimizerConfig, 'lr'>;
  schedule: ScheduleConfig;
  /** Total epochs of the run. */
  epochs: number;
}

/** The learning rate at `position`. */
export function learningRateAt(position: SchedulePosition, { optimizer, schedule, epochs }: LearningRateSchedule): number {
  const { epoch, step, stepsPerEpoch } = position;
  if (!(stepsPerEpoch > 0) || !(epoch >= 0) || !(step >= 0)) {
    throw new RangeError(`learningRateAt: expected epoch >= 0, step >= 0, stepsPerEpoch > 0, got ${epoch}, ${step}, ${stepsPerEpoch}`);
  }
  const base = optimizer.lr;
  if (schedule.kind === 'constant') return base;
  const t = epoch + step / stepsPerEpoch;
  const warmup = Math.min(schedule.warmupEpochs, epochs);
  if (t < warmup) return base * (schedule.warmupStartFactor + (1 - schedule.warmupStartFactor) * (t / warmup));
  const floor = base * schedule.minLrFactor;
  const cosine = (peak: number, progress: number) => floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * Math.min(1, Math.max(0, progress))));
  const after = t - warmup;
  const { restarts } = schedule;
  if (!restarts.enabled) return cosine(base, after / Math.max(1e-12, epochs - warmup));
  let cycleStart = 0;
  let cycleLength = restarts.cycleEpochs;
  let peak = base;
  while (after >= cycleStart + cycleLength) {
    cycleStart += cycleLength;
    cycleLength *= restarts.cycleMult;
    peak *= restarts.peakDecay;
  }
  return cosine(peak, (after - cycleStart) / cycleLength);
}
