/**
 * Class counts of a split dataset: per label code, per actor and per action, for train/val/test.
 * Rows with action `none` that were left out of the splits are counted separately, by usage. The
 * statistics object is plain JSON; `datasetStatisticsSchema` validates it when read back.
 */
import { z } from 'zod';
import { ACTIONS, ACTORS, labelName, VIDEO_LEVEL_LABELS } from '@a2d/core';
import type { DatasetSplits } from './splits';

const count = z.number().int().nonnegative();

/** Videos of one class in each split. */
export const splitCountsSchema = z.object({ train: count, val: count, test: count, total: count });
/** Videos of one class by usage column (for rows that are in no split). */
export const usageCountsSchema = z.object({ train: count, test: count, total: count });

/** The JSON form of `computeStatistics`' result. */
export const datasetStatisticsSchema = z.object({
  /** Every video-level label (zeros included, so a missing class shows), plus any `none` label kept in the splits. */
  byLabel: z.array(splitCountsSchema.extend({ code: z.number().int(), name: z.string() })),
  /** Every actor, by 1-based id. */
  byActor: z.array(splitCountsSchema.extend({ actorId: z.number().int(), name: z.string() })),
  /** The 8 video-level actions, plus `none` when such rows are kept in the splits. */
  byAction: z.array(splitCountsSchema.extend({ actionId: z.number().int(), name: z.string() })),
  /** Videos in each split. */
  totals: splitCountsSchema,
  /** Rows with action `none` excluded from the splits, by label code and in all. */
  excludedNone: z.object({
    byLabel: z.array(usageCountsSchema.extend({ code: z.number().int(), name: z.string() })),
    totals: usageCountsSchema,
  }),
});

/** Videos of one class in each split. */
export type SplitCounts = z.infer<typeof splitCountsSchema>;
/** Videos of one class by usage column. */
export type UsageCounts = z.infer<typeof usageCountsSchema>;
/** Per-class counts of a split dataset. */
export type DatasetStatistics = z.infer<typeof datasetStatisticsSchema>;

type SplitName = 'train' | 'val' | 'test';

function emptyCounts(): SplitCounts {
  return { train: 0, val: 0, test: 0, total: 0 };
}

function tally<K>(table: Map<K, SplitCounts>, key: K, split: SplitName): void {
  let counts = table.get(key);
  if (!counts) {
    counts = emptyCounts();
    table.set(key, counts);
  }
  counts[split]++;
  counts.total++;
}

/** Counts the videos of every class in each split, and the excluded `none` rows by usage. */
export function computeStatistics(splits: DatasetSplits): DatasetStatistics {
  const byLabel = new Map<number, SplitCounts>(VIDEO_LEVEL_LABELS.map((code) => [code, emptyCounts()]));
  const byActor = new Map<number, SplitCounts>(ACTORS.map((_, index) => [index + 1, emptyCounts()]));
  const byAction = new Map<number, SplitCounts>(ACTIONS.slice(0, 8).map((_, index) => [index + 1, emptyCounts()]));
  const totals = emptyCounts();
  const splitNames: SplitName[] = ['train', 'val', 'test'];
  for (const split of splitNames) {
    for (const record of splits[split]) {
      tally(byLabel, record.label, split);
      tally(byActor, record.actorId, split);
      tally(byAction, record.actionId, split);
      totals[split]++;
      totals.total++;
    }
  }

  const noneByLabel = new Map<number, UsageCounts>();
  const noneTotals: UsageCounts = { train: 0, test: 0, total: 0 };
  for (const record of splits.excludedNone) {
    const counts = noneByLabel.get(record.label) ?? { train: 0, test: 0, total: 0 };
    counts[record.usage]++;
    counts.total++;
    noneByLabel.set(record.label, counts);
    noneTotals[record.usage]++;
    noneTotals.total++;
  }

  const sortedEntries = <V>(table: Map<number, V>): [number, V][] => [...table].sort(([a], [b]) => a - b);
  return {
    byLabel: sortedEntries(byLabel).map(([code, counts]) => ({ code, name: labelName(code), ...counts })),
    byActor: sortedEntries(byActor).map(([actorId, counts]) => ({ actorId, name: ACTORS[actorId - 1], ...counts })),
    byAction: sortedEntries(byAction).map(([actionId, counts]) => ({ actionId, name: ACTIONS[actionId - 1], ...counts })),
    totals,
    excludedNone: {
      byLabel: sortedEntries(noneByLabel).map(([code, counts]) => ({ code, name: labelName(code), ...counts })),
      totals: noneTotals,
    },
  };
}

function renderTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns: number): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const renderRow = (row: readonly string[]): string =>
    row
      .map((cell, column) => (column < leftColumns ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join('  ')
      .trimEnd();
  return [renderRow(header), ...rows.map(renderRow)].join('\n');
}

const splitCells = (counts: SplitCounts): string[] => [counts.train, counts.val, counts.test, counts.total].map(String);
const usageCells = (counts: UsageCounts): string[] => [counts.train, counts.test, counts.total].map(String);

/** A readable report: summary line, then tables by label, actor and action, then the excluded `none` rows. */
export function formatStatistics(stats: DatasetStatistics): string {
  const { totals, excludedNone } = stats;
  const splitHeader = ['train', 'val', 'test', 'total'];
  const sections: string[] = [];
  const noneNote = excludedNone.totals.total > 0 ? `; ${excludedNone.totals.total} rows with action none excluded` : '';
  sections.push(`${totals.total} videos: train ${totals.train}, val ${totals.val}, test ${totals.test}${noneNote}`);

  sections.push(
    renderTable(
      ['code', 'class', ...splitHeader],
      [...stats.byLabel.map((row) => [String(row.code), row.name, ...splitCells(row)]), ['', 'all', ...splitCells(totals)]],
      2,
    ),
  );
  sections.push(renderTable(['actor', ...splitHeader], stats.byActor.map((row) => [row.name, ...splitCells(row)]), 1));
  sections.push(renderTable(['action', ...splitHeader], stats.byAction.map((row) => [row.name, ...splitCells(row)]), 1));

  if (excludedNone.totals.total > 0) {
    sections.push(
      'excluded: action none (not a video-level class; data.includeNone keeps them)\n' +
        renderTable(
          ['code', 'class', 'train', 'test', 'total'],
          [
            ...excludedNone.byLabel.map((row) => [String(row.code), row.name, ...usageCells(row)]),
            ['', 'all', ...usageCells(excludedNone.totals)],
          ],
          2,
        ),
    );
  }

  // Classes that cannot be learned or cannot be scored are the first thing to fix in a dataset.
  const noTrain = stats.byLabel.filter((row) => row.train === 0).map((row) => row.name);
  const noTest = stats.byLabel.filter((row) => row.test === 0).map((row) => row.name);
  const warnings: string[] = [];
  if (noTrain.length > 0) warnings.push(`warning: ${noTrain.length} classes have no train videos: ${noTrain.join(', ')}`);
  if (noTest.length > 0) warnings.push(`warning: ${noTest.length} classes have no test videos: ${noTest.join(', ')}`);
  if (warnings.length > 0) sections.push(warnings.join('\n'));
  return `${sections.join('\n\n')}\n`;
}
