/** Where a run reports progress (a console bar, or nothing). */
export interface TrainingProgress {
  startEpoch(epoch: number, totalBatches: number, title?: string): void;
  update(batchesDone: number, values: { loss?: number; acc?: number; clipsPerSecond?: number }): void;
  endEpoch(summary: string): void;
  log(line: string): void;
  /** A warning (shown even when quiet). */
  warn(line: string): void;
  stop(): void;
}
