/**
 * TensorBoard scalars on the optimizer-update axis (`globalStep`): the step loss of every applied update, and at
 * each epoch end the train/val losses and accuracies, the EMA's accuracies, the learning rate, speed and memory.
 * Every session starts with a SessionLog.START at the first step it will log, so the points a killed session
 * logged after the checkpoint it resumed from are dropped from the charts (a redone epoch end re-logs its own step).
 */
import type { ScalarSink } from '../tensorboard/scalar-sink';
import type { EpochEndEvent, TrainingCallback, TrainingContext, UpdateEvent } from '../loop/training-callback';

/** Logs the run's scalars to `sink` (closed by its owner). */
export class TensorBoardCallback implements TrainingCallback {
  constructor(private readonly sink: ScalarSink) {}

  onRunStart(context: TrainingContext): void {
    const { state } = context;
    const firstStep = state.epochEndPending ? state.globalStep : state.globalStep + 1;
    // Written twice: TensorBoard takes the first START of a run as a plain start and purges only on later ones, and
    // an earlier session (or one from before START was logged) may have written none; a repeated purge is harmless.
    this.sink.addSessionStart(firstStep);
    this.sink.addSessionStart(firstStep);
  }

  onUpdate(context: TrainingContext, update: UpdateEvent): void {
    if (update.applied) this.sink.addScalar('train/step_loss', update.loss, context.state.globalStep);
  }

  onEpochEnd(context: TrainingContext, { record }: EpochEndEvent): void {
    const step = context.state.globalStep;
    const put = (tag: string, value: number | null | undefined) => {
      if (value !== null && value !== undefined && Number.isFinite(value)) this.sink.addScalar(tag, value, step);
    };
    put('epoch', record.epoch);
    for (const [term, value] of Object.entries(record.train.loss)) put(`loss/train_${term}`, value);
    for (const [term, value] of Object.entries(record.train.acc)) put(`accuracy/train_${term}`, value);
    if (record.val) {
      for (const [term, value] of Object.entries(record.val.loss)) put(`loss/val_${term}`, value);
      for (const [term, value] of Object.entries(record.val.acc)) put(`accuracy/val_${term}`, value);
    }
    if (record.valEma) for (const [term, value] of Object.entries(record.valEma.acc)) put(`accuracy/val_ema_${term}`, value);
    put('learning_rate', record.lr.last);
    put('speed/clips_per_second', record.clipsPerSecond);
    put('speed/data_wait_fraction', record.dataWaitFraction);
    put('memory/rss_mib', record.rssMiB);
    this.sink.flush();
  }
}
