/**
 * Two experiments side by side (e.g. the two-step model against the one-step baseline): one PNG with their
 * headline test metrics as grouped bars and their validation combined-accuracy curves, and the report's
 * comparison section (metric table with differences, the PNG, and how their training configs differ).
 */
import { renderExperimentComparison, type ReportComparison } from '@a2d/reporting';
import { configDifferences } from '@a2d/training';
import { comparisonBarMetrics, headlineMetrics } from './headline-metrics';
import type { ExperimentInputs } from './experiment-inputs';
import type { NamedPlot } from './training-curve-plots';

/** Config differences listed in the caption; the rest are counted. */
const DIFFERENCES_SHOWN = 12;

/** `name (model kind)`, unless the name already says the kind. */
export function experimentLabel(inputs: ExperimentInputs): string {
  const kind = inputs.config?.config.model.kind;
  return kind && !inputs.name.includes(kind) ? `${inputs.name} (${kind})` : inputs.name;
}

/** `compare-<name>.png`, with characters that do not belong in a file name replaced. */
export function comparisonFileName(other: string): string {
  return `compare-${other.replace(/[^A-Za-z0-9._-]/g, '_')}.png`;
}

/** The training-config fields in which `a` and `b` differ, as one line (or why they cannot be compared). */
export function describeConfigDifferences(a: ExperimentInputs, b: ExperimentInputs): string {
  if (!a.config || !b.config) return 'training configs: not compared (a config.json is missing)';
  const differences = configDifferences(a.config.config, b.config.config);
  if (differences.length === 0) return 'training configs: identical (apart from paths, engine and checkpointing)';
  const shown = differences.slice(0, DIFFERENCES_SHOWN).map((difference) => `${difference.path} ${difference.saved} -> ${difference.current}`);
  const more = differences.length > DIFFERENCES_SHOWN ? `; and ${differences.length - DIFFERENCES_SHOWN} more` : '';
  return `training configs differ in ${differences.length} field${differences.length === 1 ? '' : 's'} (${a.name} -> ${b.name}): ${shown.join('; ')}${more}`;
}

/** Renders the comparison PNG and builds the report section; `main` comes first in both. */
export async function renderComparison(main: ExperimentInputs, other: ExperimentInputs): Promise<{ plot: NamedPlot; section: ReportComparison }> {
  const experiments = [main, other].map((inputs) => ({
    name: experimentLabel(inputs),
    metrics: comparisonBarMetrics(inputs.metrics),
    curve: [...inputs.records]
      .sort((a, b) => a.epoch - b.epoch)
      .map((record) => {
        const combined = record.val?.acc.combined;
        return { x: record.epoch, y: combined === null || combined === undefined ? null : combined / 100 };
      }),
  }));
  const title = `${experiments[0].name} vs ${experiments[1].name}`;
  const png = await renderExperimentComparison({ title, experiments });
  const notEvaluated = [main, other].filter((inputs) => !inputs.metrics).map((inputs) => inputs.name);
  const caption = [
    'left: test metrics (accuracies and weighted F1, 0-1); right: validation combined accuracy per epoch',
    notEvaluated.length > 0 ? `not evaluated yet (no bars): ${notEvaluated.join(', ')}` : '',
    describeConfigDifferences(main, other),
  ]
    .filter((part) => part !== '')
    .join('. ');
  const plot: NamedPlot = { file: comparisonFileName(other.name), title, png, caption };
  const section: ReportComparison = {
    title: `Comparison: ${title}`,
    experiments: [main, other].map((inputs) => ({ name: experimentLabel(inputs), metrics: headlineMetrics(inputs.metrics, inputs.records) })),
    plots: [{ title: plot.title, png, caption }],
  };
  return { plot, section };
}
