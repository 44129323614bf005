/**
 * The console side of a run: the progress bar (epoch, batches, running loss / combined accuracy / clips/s) and one
 * summary line per epoch (train loss and accuracy, validation, EMA, learning rate, speed, data wait, time, best).
 */
import type { EpochEndEvent, TrainingCallback, TrainingContext, UpdateEvent } from '../loop/training-callback';
import type { TrainingProgress } from '../loop/training-progress';

/** The one summary line of an epoch. */
export function epochSummaryLine(end: EpochEndEvent, epochs: number): string {
  const { record, improved } = end;
  const { val, valEma } = record;
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toFixed(1));
  return (
    `epoch ${record.epoch}/${epochs}: train loss ${record.train.loss.total?.toFixed(4) ?? '-'} combined ${fmt(record.train.acc.combined)}%` +
    (val ? ` | val loss ${val.loss.total?.toFixed(4) ?? '-'} action ${fmt(val.acc.action)}% actor ${fmt(val.acc.actor)}% combined ${fmt(val.acc.combined)}% (constrained ${fmt(val.acc.combinedConstrained)}%)` : '') +
    (valEma ? ` | ema combined ${fmt(valEma.acc.combined)}%` : '') +
    ` | lr ${record.lr.last.toExponential(2)} | ${record.clipsPerSecond.toFixed(1)} clips/s, data wait ${(100 * record.dataWaitFraction).toFixed(0)}% | ${record.seconds.toFixed(0)}s` +
    (improved ? ' | best' : '')
  );
}

/** Draws the bar on `progress` (when given) and prints each epoch's summary line there or to `log`. */
export class ProgressCallback implements TrainingCallback {
  constructor(private readonly options: { progress?: TrainingProgress; log(line: string): void }) {}

  onEpochStart(context: TrainingContext, epoch: number): void {
    this.options.progress?.startEpoch(epoch + 1, context.batchesPerEpoch);
  }

  onUpdate(context: TrainingContext, update: UpdateEvent): void {
    this.options.progress?.update(context.state.batchIndex, {
      loss: update.running.loss,
      acc: update.running.combinedAccuracy,
      clipsPerSecond: update.running.clipsPerSecond,
    });
  }

  onEpochEnd(context: TrainingContext, end: EpochEndEvent): void {
    const line = epochSummaryLine(end, context.config.train.epochs);
    if (this.options.progress) this.options.progress.endEpoch(line);
    else this.options.log(line);
  }

  onRunEnd(): void {
    this.options.progress?.stop();
  }
}
