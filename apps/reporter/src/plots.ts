/**
 * `npx nx run reporter:plots --experiment-name=X [--compare=Y] [--experiments-dir=experiments] [--root=<dataset dir>]`
 * (the experiments folder and the dataset's place also from `A2D_EXPERIMENT__DIR` / `A2D_DATA__ROOT`).
 * Draws an experiment's training curves, confusion matrices, per-class and per-pair bars into
 * `<experiments-dir>/X/plots/`, and `report.html` (self-contained) beside them; `--compare=Y` adds a side-by-side
 * comparison with experiment Y (`compare-Y.png` and a report section). With `explanations/test/summary.json` (from
 * `evaluator:explain --split=test`) the report also shows where the model looked: the pointing game
 * (`localisation.png`), the sanity checks and an error gallery of the most confused pairs' strips. Inputs that do not
 * exist yet (no evaluation, no finished epoch, no explanation) are left out, and the console and the report say which
 * command produces them.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { a2dConfigSchema, checkOutputPath, ConfigError, givenConfigPaths, loadConfig, parseCommandLine, runCommandLine, stringFlag, writeFileAtomic } from '@a2d/core';
import { renderHtmlReport, type HtmlReportInput, type ReportComparison } from '@a2d/reporting';
import { summarizeDataset, type DatasetSummary } from './dataset-summary';
import { EXPLANATION_PLOT_FILES, loadExplanations } from './explanation-gallery';
import { EVALUATION_PLOT_FILES, renderEvaluationPlots, type EvaluationPlots } from './evaluation-plots';
import { renderComparison } from './experiment-comparison';
import { describeMissing, readExperimentInputs, type ExperimentInputs } from './experiment-inputs';
import { headlineMetrics } from './headline-metrics';
import { renderTrainingPlots, TRAINING_PLOT_FILES, type NamedPlot } from './training-curve-plots';

/**
 * reporter:plots' command line. Its config keys are where experiments are and where the dataset is now (for the
 * dataset statistics, when it moved since training); everything else it shows is the experiment's saved config.
 */
export const PLOTS_COMMAND_LINE = {
  name: 'reporter:plots',
  summary:
    "draws an experiment's training curves, confusion matrices, per-class bars and localisation chart into <experiment>/plots/ with a self-contained " +
    'report.html (and an error gallery of explanation strips)',
  flags: z.object({
    experimentName: stringFlag().describe('the experiment: a folder of experiment.dir').meta({ placeholder: 'name' }),
    compare: stringFlag().optional().describe('another experiment to compare with, side by side (compare-<name>.png and a report section)').meta({ placeholder: 'name' }),
  }),
  aliases: { experimentsDir: 'experiment.dir', root: 'data.root' },
  configKeys: ['experiment.dir', { path: 'data.root', defaultFrom: "the experiment's saved config" }],
  configHint: "the report shows the experiment's saved config",
};

/** The report's file name in `plots/`. */
export const REPORT_FILE = 'report.html';

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

/**
 * Runs the command with `env`'s `A2D_*` variables (default `process.env`); `print` receives the progress lines. Our
 * typed errors propagate to `runCommandLine`.
 */
export async function runPlotsCommand(argv: readonly string[], print: (text: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<PlotsOutcome> {
  const { flags, overrides } = parseCommandLine(argv, PLOTS_COMMAND_LINE, { env });
  const config = loadConfig(a2dConfigSchema, { env, overrides });
  if (flags.compare !== undefined && path.normalize(flags.compare) === path.normalize(flags.experimentName)) {
    throw new ConfigError([{ path: '--compare', message: 'expected another experiment than --experiment-name' }], 'command line');
  }
  const experimentsDir = config.experiment.dir;
  const main = await readExperimentInputs(experimentsDir, flags.experimentName);
  const other = flags.compare === undefined ? null : await readExperimentInputs(experimentsDir, flags.compare);
  // A file in the way of plots/ is one line before anything is drawn.
  checkOutputPath(main.paths.plots, 'folder');
  print(`experiment ${main.name}: ${main.paths.root}${other ? ` (compared with ${other.paths.root})` : ''}\n`);

  const training = await renderTrainingPlots(main.records, main.name);
  const evaluation = main.metrics ? await renderEvaluationPlots(main.metrics) : null;
  // The dataset where the environment or the command line says it is now, else where the experiment trained on it.
  const saved = main.config?.config;
  const datasetConfig = saved && givenConfigPaths({ env, overrides }).has('data.root') ? { ...saved, data: { ...saved.data, root: config.data.root } } : saved;
  const dataset = datasetConfig ? await summarizeDataset(datasetConfig) : null;
  const comparison: { plot: NamedPlot; section: ReportComparison } | null = other ? await renderComparison(main, other) : null;
  const explanations = await loadExplanations(main);
  const notices = [...collectNotices(main, other, evaluation, dataset), ...explanations.notices];
  print(notices.map((notice) => `note: ${firstLine(notice)}\n`).join(''));
  const metricWarnings = main.metrics?.warnings ?? [];
  if (metricWarnings.length > 0) print(`note: ${main.metricsFile} has ${metricWarnings.length} warning${metricWarnings.length === 1 ? '' : 's'} (listed in the report)\n`);

  const plots = [...training, ...(evaluation?.plots ?? []), ...(explanations.plot ? [explanations.plot] : []), ...(comparison ? [comparison.plot] : [])];
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
    [...TRAINING_PLOT_FILES, ...EVALUATION_PLOT_FILES, ...EXPLANATION_PLOT_FILES].filter((file) => !drawn.has(file)).map((file) => rm(path.join(plotsDir, file), { force: true })),
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
    explanations: explanations.section ?? undefined,
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
  void runCommandLine(PLOTS_COMMAND_LINE, async () => {
    await runPlotsCommand(process.argv.slice(2), (text) => process.stdout.write(text));
  });
}
