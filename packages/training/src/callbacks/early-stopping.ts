/**
 * Early stopping: the run finishes when validation combined accuracy has not beaten the best by more than
 * `minDelta` for `patience` validated epochs (never on the last epoch, which ends the run anyway); 0 turns it off.
 * The count of epochs without improvement lives in the run's state (saved with checkpoints), so a resumed run
 * stops where an uninterrupted one would.
 */
import type { EpochEndEvent, TrainingCallback, TrainingContext, ValidationEvent } from '../loop/training-callback';

/** `train.earlyStopping`. */
export interface EarlyStoppingOptions {
  patience: number;
  minDelta: number;
  /** Where the stop is announced (after the epoch's summary). */
  log(line: string): void;
}

/** Stops a run whose validation stopped improving; see the file comment. */
export class EarlyStopping implements TrainingCallback {
  private stoppedAt: number | null = null;

  constructor(private readonly options: EarlyStoppingOptions) {}

  /** The stop reason recorded in the run's state. */
  get reason(): string {
    return `early stopping: no val combined accuracy gain > ${this.options.minDelta} for ${this.options.patience} epochs`;
  }

  onValidationEnd(context: TrainingContext, validation: ValidationEvent): void {
    const { patience } = this.options;
    if (patience > 0 && validation.epochsWithoutImprovement >= patience && !validation.isLast) {
      context.finishAfterEpoch(this.reason);
      this.stoppedAt = validation.epoch;
    }
  }

  onEpochEnd(context: TrainingContext, end: EpochEndEvent): void {
    if (this.stoppedAt === end.record.epoch - 1 && context.state.stopReason === this.reason) this.options.log(this.reason);
  }
}
