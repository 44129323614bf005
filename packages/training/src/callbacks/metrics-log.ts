/**
 * `metrics.jsonl`: one `EpochRecord` per line, the whole history rewritten atomically at every epoch end (a resumed
 * run's history comes from its checkpoint, so a line written after the checkpoint it resumed from is replaced).
 */
import { writeFileAtomic } from '@a2d/core';
import type { TrainingCallback, TrainingContext } from '../loop/training-callback';

/** Writes the run's epoch records to `file`. */
export class MetricsLog implements TrainingCallback {
  constructor(private readonly file: string) {}

  async onEpochEnd(context: TrainingContext): Promise<void> {
    await writeFileAtomic(this.file, context.state.history.map((record) => JSON.stringify(record)).join('\n') + '\n');
  }
}
