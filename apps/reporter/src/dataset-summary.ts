/**
 * The dataset statistics of an experiment, recomputed from the videoset its config names and split as its
 * training was (same `valFraction`, `splitSeed`, `includeNone`). A dataset that cannot be read any more (moved,
 * deleted, invalid) gives the reason instead, so the report still renders.
 */
import path from 'node:path';
import { A2dError, type A2dConfig } from '@a2d/core';
import { computeStatistics, readVideoset, splitDataset, type DatasetStatistics, type SplitCounts } from '@a2d/ingest';

/** The statistics as the report prints them (nested tables), or why there are none. */
export type DatasetSummary =
  | { available: true; videoset: string; statistics: DatasetStatistics; table: Record<string, unknown> }
  | { available: false; videoset: string; reason: string };

const counts = ({ train, val, test, total }: SplitCounts): SplitCounts => ({ train, val, test, total });

/** The report's view of the statistics: totals, then per action, actor and pair, each with train / val / test. */
export function datasetTable(statistics: DatasetStatistics, videoset: string, config: A2dConfig): Record<string, unknown> {
  const { valFraction, splitSeed, includeNone } = config.data;
  const table: Record<string, unknown> = {
    videoset,
    split: `validation carved from train: valFraction ${valFraction}, splitSeed ${splitSeed}, includeNone ${includeNone}`,
    videos: counts(statistics.totals),
    'by action': statistics.byAction.map((row) => ({ action: row.name, ...counts(row) })),
    'by actor': statistics.byActor.map((row) => ({ actor: row.name, ...counts(row) })),
    'by pair': statistics.byLabel.map((row) => ({ pair: row.name, code: row.code, ...counts(row) })),
  };
  if (statistics.excludedNone.totals.total > 0) table['rows with action none (left out)'] = statistics.excludedNone.totals;
  return table;
}

/** Reads and splits the experiment's dataset; an unreadable or invalid dataset is reported, not thrown. */
export async function summarizeDataset(config: A2dConfig): Promise<DatasetSummary> {
  const videoset = path.join(config.data.root, config.data.videosetFile);
  try {
    const records = await readVideoset(videoset);
    const { valFraction, splitSeed, includeNone } = config.data;
    const statistics = computeStatistics(splitDataset(records, { valFraction, seed: splitSeed, includeNone }));
    return { available: true, videoset, statistics, table: datasetTable(statistics, videoset, config) };
  } catch (error) {
    if (error instanceof A2dError) return { available: false, videoset, reason: error.message };
    throw error;
  }
}
