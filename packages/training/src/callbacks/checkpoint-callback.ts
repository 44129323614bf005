/**
 * Checkpoint policy: at every epoch end `last`, every `every` epochs `epoch-<n>`, and `best` when validation
 * improved, then pruning to the newest `keep` numbered checkpoints; on an interruption `last` (resumable, with the
 * epoch's position). Writing and pruning are the `CheckpointStore`'s (given as functions, so the policy is tested
 * alone).
 */
import type { EpochEndEvent, RunEndEvent, TrainingCallback, TrainingContext } from '../loop/training-callback';
import type { TrainingState } from '../training-state';

/** Settings of `CheckpointCallback`. */
export interface CheckpointCallbackOptions {
  /** Writes the run at `state` under each tag (one snapshot). */
  save(tags: string[], state: Readonly<TrainingState>): Promise<void>;
  /** Removes numbered checkpoints beyond the newest `keep`. */
  prune(keep: number): Promise<void>;
  /** `train.checkpoint.every` and `train.checkpoint.keep`. */
  every: number;
  keep: number;
  /** Folder of a tag (for the log line). */
  pathOf(tag: string): string;
  /** Training videos per epoch (for the log line). */
  trainVideos: number;
  log(line: string): void;
}

/** Saves checkpoints at epoch ends and interruptions; see the file comment. */
export class CheckpointCallback implements TrainingCallback {
  constructor(private readonly options: CheckpointCallbackOptions) {}

  async onEpochEnd(context: TrainingContext, end: EpochEndEvent): Promise<void> {
    const tags = ['last'];
    if (end.record.epoch % this.options.every === 0) tags.push(`epoch-${end.record.epoch}`);
    if (end.improved) tags.push('best');
    await this.options.save(tags, context.state);
    await this.options.prune(this.options.keep);
  }

  async onRunEnd(context: TrainingContext, end: RunEndEvent): Promise<void> {
    if (!end.interrupted) return;
    await this.options.save(['last'], context.state);
    const { epoch, position } = context.state;
    this.options.log(
      end.during === 'validation'
        ? `interrupted during validation: saved a resumable checkpoint (${this.options.pathOf('last')}); resuming redoes the validation of epoch ${epoch + 1}`
        : `interrupted: saved a resumable checkpoint at epoch ${epoch + 1}, ${position}/${this.options.trainVideos} videos (${this.options.pathOf('last')})`,
    );
  }
}
