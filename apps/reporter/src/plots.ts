/**
 * `npx nx run reporter:plots --experiment-name=X [--compare=Y] [--experiments-dir=experiments]`
 * Draws an experiment's training curves, confusion matrices, per-class and per-pair bars into
 * `<experiments-dir>/X/plots/`, and `report.html` (self-contained) beside them; `--compare=Y` adds a side-by-side
 * comparison with experiment Y (`compare-Y.png` and a report section). Inputs that do not exist yet (no
 * evaluation, no finished epoch) are left out, and the console and the report say which command produces them.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { checkOutputPath, ConfigError, parseCommandLine, runCommandLine, stringFlag, writeFileAtomic } from '@a2d/core';
import { renderHtmlReport, type HtmlReportInput, type ReportComparison } from '@a2d/reporting';
import { summarizeDataset, type DatasetSummary } from './dataset-summary';
import { EVALUATION_PLOT_FILES, renderEvaluationPlots, type EvaluationPlots } from './evaluation-plots';
import { renderComparison } from './experiment-comparison';
import { DEFAULT_EXPERIMENTS_DIR, describeMissing, readExperimentInputs, type ExperimentInputs } from './experiment-inputs';
import { headlineMetrics } from './headline-metrics';
import { renderTrainingPlots, TRAINING_PLOT_FILES, type NamedPlot } from './training-curve-plots';

/** The usage line printed after a command-line mistake. */
export const PLOTS_USAGE = 'usage: npx nx run reporter:plots --experiment-name=<name> [--compare=<other experiment>] [--experiments-dir=<dir>]';

/** The report's file name in `plots/`. */
export const REPORT_FILE = 'report.html';

const plotsFlagsSchema = z.object({
  experimentName: stringFlag(),
  compare: stringFlag().optional(),
  experimentsDir: stringFlag().default(DEFAULT_EXPERIMENTS_DIR),
});

/** What `runPlotsCommand` did. */
export interface PlotsOutcome {
  /** The plots folder. */
  plotsDir: string;
  /** Files written, in order, `report.html` last. */
  written: string[];
  /** `report.html`. */
  report: string;
  /** What the report lacks or warns about (also printed and listed in the report). */
  notices: string[];
}

/** The first line of a possibly multi-line message (a videoset error lists every bad row). */
function firstLine(text: string): string {
  const lines = text.split('\n');
  return lines.length > 1 ? `${lines[0]} (...)` : text;
}

/** Notices of the report's warnings section, most important first: missing inputs, then what could not be drawn. */
function collectNotices(main: ExperimentInputs, other: ExperimentInputs | null, evaluation: EvaluationPlots | null, dataset: DatasetSummary | null): string[] {
  const notices = main.missing.map(describeMissing);
  if (other) notices.push(...other.missing.map((missing) => `compared experiment ${other.name}: ${describeMissing(missing)}`));
  if (evaluation) notices.push(...evaluation.unavailable.map((reason) => `not drawn: ${reason}`));
  if (dataset && !dataset.available) notices.push(`dataset statistics unavailable, the dataset is not readable any more: ${dataset.reason}`);
  const nonFinite = main.records.reduce((sum, record) => sum + record.nonFiniteSteps, 0);
  if (nonFinite > 0) notices.push(`training skipped ${nonFinite} optimizer step${nonFinite === 1 ? '' : 's'} for non-finite gradients`);
  return notices;
}

// The resolved config with the evaluation's own settings (checkpoint, views, backend), which config.json cannot hold.
function reportConfig(inputs: ExperimentInputs): unknown {
  const evaluation = inputs.metrics?.evaluation;
  if (!inputs.config && !evaluation) return undefined;
  return { ...(inputs.config ?? {}), ...(evaluation ? { evaluation } : {}) };
}

/** Runs the command; `print` receives the progress lines. Our typed errors propagate to `runCommandLine`. */
export async function runPlotsCommand(argv: readonly string[], print: (text: string) => void): Promise<PlotsOutcome> {
  const { flags } = parseCommandLine(argv, { flags: plotsFlagsSchema, configOverrides: false });
  if (flags.compare !== undefined && path.normalize(flags.compare) === path.normalize(flags.experimentName)) {
    throw new ConfigError([{ path: '--compare', message: 'expected another experiment than --experiment-name' }], 'command line');
  }
  const main = await readExperimentInputs(flags.experimentsDir, flags.experimentName);
  const other = flags.compare === undefined ? null : await readExperimentInputs(flags.experimentsDir, flags.compare);
  // A file in the way of plots/ is one line before anything is drawn.
  checkOutputPath(main.paths.plots, 'folder');
  print(`experiment ${main.name}: ${main.paths.root}${other ? ` (compared with ${other.paths.root})` : ''}\n`);

  const training = await renderTrainingPlots(main.records, main.name);
  const evaluation = main.metrics ? await renderEvaluationPlots(main.metrics) : null;
  const dataset = main.config ? await summarizeDataset(main.config.config) : null;
  const comparison: { plot: NamedPlot; section: ReportComparison } | null = other ? await renderComparison(main, other) : null;
  const notices = collectNotices(main, other, evaluation, dataset);
  print(notices.map((notice) => `note: ${firstLine(notice)}\n`).join(''));
  const metricWarnings = main.metrics?.warnings ?? [];
  if (metricWarnings.length > 0) print(`note: ${main.metricsFile} has ${metricWarnings.length} warning${metricWarnings.length === 1 ? '' : 's'} (listed in the report)\n`);

  const plots = [...training, ...(evaluation?.plots ?? []), ...(comparison ? [comparison.plot] : [])];
  const plotsDir = main.paths.plots;
  const written: string[] = [];
  for (const plot of plots) {
    const file = path.join(plotsDir, plot.file);
    await writeFileAtomic(file, plot.png);
    written.push(file);
  }
  // A plot left from an earlier run (before its input disappeared) would contradict the new report.
  const drawn = new Set(plots.map((plot) => plot.file));
  await Promise.all(
    [...TRAINING_PLOT_FILES, ...EVALUATION_PLOT_FILES].filter((file) => !drawn.has(file)).map((file) => rm(path.join(plotsDir, file), { force: true })),
  );

  const kind = main.config?.config.model.kind;
  const input: HtmlReportInput = {
    title: kind ? `A2D ${kind} experiment report` : 'A2D experiment report',
    experiment: main.name,
    generatedAt: new Date().toISOString(),
    headline: headlineMetrics(main.metrics, main.records),
    warnings: [...notices, ...metricWarnings.map((warning) => `metrics.json: ${warning}`)],
    classReports: evaluation?.tables,
    plots: [...training, ...(evaluation?.plots ?? [])].map((plot) => ({ title: plot.title, png: plot.png, caption: [plot.caption, `file ${plot.file}`].filter(Boolean).join('; ') })),
    comparison: comparison?.section,
    datasetStats: dataset ? (dataset.available ? dataset.table : { videoset: dataset.videoset, status: 'not readable any more', reason: dataset.reason }) : undefined,
    skippedVideos: main.skippedVideos,
    config: reportConfig(main),
  };
  const report = path.join(plotsDir, REPORT_FILE);
  await writeFileAtomic(report, renderHtmlReport(input));
  written.push(report);

  print(written.map((file) => `wrote ${file}\n`).join(''));
  print(`report: ${report}\n`);
  return { plotsDir, written, report, notices };
}

if (require.main === module) {
  void runCommandLine('reporter:plots', PLOTS_USAGE, async () => {
    await runPlotsCommand(process.argv.slice(2), (text) => process.stdout.write(text));
  });
}
