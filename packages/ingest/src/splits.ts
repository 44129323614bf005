/**
 * Train / validation / test splits. Train and test come from the usage column; validation is carved
 * out of train, stratified by label, so every class keeps its share in both parts. The carve-out
 * depends only on the records and the seed (not on row order), so a split can be rebuilt anywhere.
 */
import { ConfigError, NONE_ACTION_ID, Rng } from '@a2d/core';
import type { VideoRecord } from './records';

/** How to split; mirrors `data.valFraction`, `data.splitSeed` and `data.includeNone` of the config. */
export interface SplitOptions {
  /** Fraction of the train split moved to validation, in [0, 1). */
  valFraction: number;
  /** Seed of the carve-out; kept apart from the run seed so the split stays fixed across runs. */
  seed: number;
  /** Keep rows whose action is `none` (default false: video-level classification has no `none` class). */
  includeNone?: boolean;
}

/** The dataset divided for training; each list keeps the input order. */
export interface DatasetSplits {
  train: VideoRecord[];
  val: VideoRecord[];
  test: VideoRecord[];
  /** Rows with action `none` left out of every split (empty when `includeNone` is set). */
  excludedNone: VideoRecord[];
}

/**
 * How many videos of each label go to validation: the largest-remainder share of
 * `round(fraction * total)`, never taking the last train video of a label (so a label with one train
 * video keeps it). Ties between equal remainders are broken by `rng`, not by label order.
 */
export function allocateValidationCounts(countsByLabel: ReadonlyMap<number, number>, fraction: number, rng: Rng): Map<number, number> {
  const labels = [...countsByLabel.keys()].sort((a, b) => a - b);
  let total = 0;
  for (const count of countsByLabel.values()) total += count;
  const target = Math.round(fraction * total);
  const allocation = new Map<number, number>();
  const capOf = (label: number): number => Math.max(0, (countsByLabel.get(label) ?? 0) - 1);
  let assigned = 0;
  for (const label of labels) {
    const share = Math.min(Math.floor(fraction * (countsByLabel.get(label) ?? 0)), capOf(label));
    allocation.set(label, share);
    assigned += share;
  }
  const byRemainder = rng
    .shuffle([...labels])
    .map((label) => ({ label, remainder: fraction * (countsByLabel.get(label) ?? 0) - (allocation.get(label) ?? 0) }))
    .sort((a, b) => b.remainder - a.remainder);
  // Normally one pass suffices; labels at their cap are skipped, which can leave the total a little short.
  for (const { label } of byRemainder) {
    if (assigned >= target) break;
    const current = allocation.get(label) ?? 0;
    if (current < capOf(label)) {
      allocation.set(label, current + 1);
      assigned++;
    }
  }
  return allocation;
}

function validateOptions(options: SplitOptions): void {
  const issues: { path: string; message: string }[] = [];
  if (!(options.valFraction >= 0 && options.valFraction < 1)) {
    issues.push({ path: 'valFraction', message: `expected a number in [0, 1), got ${String(options.valFraction)}` });
  }
  if (!Number.isInteger(options.seed) || options.seed < 0) {
    issues.push({ path: 'seed', message: `expected a non-negative integer, got ${String(options.seed)}` });
  }
  if (issues.length > 0) throw new ConfigError(issues, 'splitDataset options');
}

/** Splits records into train/val/test (see the file comment); throws `ConfigError` for bad options. */
export function splitDataset(records: readonly VideoRecord[], options: SplitOptions): DatasetSplits {
  validateOptions(options);
  const includeNone = options.includeNone ?? false;
  const excludedNone: VideoRecord[] = [];
  const trainPool: VideoRecord[] = [];
  const test: VideoRecord[] = [];
  for (const record of records) {
    if (!includeNone && record.actionId === NONE_ACTION_ID) excludedNone.push(record);
    else if (record.usage === 'train') trainPool.push(record);
    else test.push(record);
  }

  const recordsByLabel = new Map<number, VideoRecord[]>();
  for (const record of trainPool) {
    const group = recordsByLabel.get(record.label) ?? [];
    group.push(record);
    recordsByLabel.set(record.label, group);
  }
  const counts = new Map([...recordsByLabel].map(([label, group]) => [label, group.length]));
  const rng = new Rng(options.seed).fork('validation-split');
  const allocation = allocateValidationCounts(counts, options.valFraction, rng.fork('allocation'));

  const val = new Set<VideoRecord>();
  for (const [label, group] of recordsByLabel) {
    const take = allocation.get(label) ?? 0;
    if (take === 0) continue;
    // Sorting first makes the choice independent of row order; a per-label stream keeps labels independent.
    const sorted = [...group].sort((a, b) => (a.videoId < b.videoId ? -1 : a.videoId > b.videoId ? 1 : a.line - b.line));
    for (const record of rng.fork(`label-${label}`).shuffle(sorted).slice(0, take)) val.add(record);
  }

  return {
    train: trainPool.filter((record) => !val.has(record)),
    val: trainPool.filter((record) => val.has(record)),
    test,
    excludedNone,
  };
}
