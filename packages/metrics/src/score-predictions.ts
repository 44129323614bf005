/**
 * Scores a predictions CSV: every metric of `metrics.json` from its rows. Where a head's correctness flags
 * contradict its label columns, the flags are trusted (they were computed by the model's own evaluation; a broken
 * label column is the known defect), the accuracies come from the flags, and that head's precision, F1,
 * classification report and confusion matrices are not computed: its predicted labels are unknown. A loud warning
 * says how many rows disagree and where.
 */
import { ACTORS, VIDEO_ACTIONS } from '@a2d/core';
import { findFlagContradictions, type FlagContradictions, type HeadContradictions } from './flag-contradictions';
import { buildMetricsJson, type MetricsJson } from './metrics-json';
import type { PredictionRow } from './predictions-csv';
import { TwoStepMetrics, type TwoStepMetricsOptions, type TwoStepSample } from './two-step-metrics';

/** How many offending lines a contradiction warning names. */
export const CONTRADICTION_LINES_SHOWN = 5;

/** The scored file. */
export interface ScoredPredictions {
  metrics: MetricsJson;
  contradictions: FlagContradictions;
}

function contradictionWarning(file: string, head: 'action' | 'actor', found: HeadContradictions, rows: number): string | undefined {
  const count = found.lines.length;
  if (count === 0) return undefined;
  const shown = found.lines.slice(0, CONTRADICTION_LINES_SHOWN).map((line) => `${file}:${line}`);
  const more = count > shown.length ? `, ... (${count - shown.length} more)` : '';
  const copied = found.predictedCopiesTrue ? ` pred_${head} equals true_${head} on every row: the column looks like a copy of true_${head}.` : '';
  return (
    `${head}_correct contradicts the true_${head}/pred_${head} columns on ${count} of ${rows} rows (${shown.join(', ')}${more}).${copied} ` +
    `The pred_${head} column is not trusted: ${head} accuracy, combined accuracy and per-pair accuracy use the ${head}_correct flags; ` +
    `the ${head} precision, F1, classification report and confusion matrices are not computed (the predicted ${head}s are unknown).`
  );
}

/** The `TwoStepMetrics` samples of CSV rows; a head with contradictions gets `null` predictions and its flags. */
export function samplesFromRows(rows: readonly PredictionRow[], contradictions: FlagContradictions = findFlagContradictions(rows)): TwoStepSample[] {
  const trustAction = contradictions.action.lines.length === 0;
  const trustActor = contradictions.actor.lines.length === 0;
  return rows.map((row) => ({
    trueAction: VIDEO_ACTIONS.indexOf(row.trueAction),
    predAction: trustAction ? VIDEO_ACTIONS.indexOf(row.predAction) : null,
    trueActor: ACTORS.indexOf(row.trueActor),
    predActor: trustActor ? ACTORS.indexOf(row.predActor) : null,
    actionCorrect: row.actionCorrect,
    actorCorrect: row.actorCorrect,
  }));
}

/**
 * Every metric of the rows of predictions file `file` (named in warnings). `evaluation` records where the numbers
 * come from (`source`, `predictions`).
 */
export function scorePredictions(rows: readonly PredictionRow[], file: string, options: TwoStepMetricsOptions = {}): ScoredPredictions {
  const contradictions = findFlagContradictions(rows);
  const metrics = new TwoStepMetrics(options);
  metrics.update(samplesFromRows(rows, contradictions));
  const body = metrics.compute();
  const warnings = (['action', 'actor'] as const).flatMap((head) => contradictionWarning(file, head, contradictions[head], rows.length) ?? []);
  for (const head of ['action', 'actor'] as const) {
    const count = contradictions[head].lines.length;
    if (count === 0) continue;
    const reason = `pred_${head} contradicts ${head}_correct on ${count} of ${rows.length} rows of ${file}, so the predicted ${head}s are unknown (see warnings)`;
    for (const key of [`${head}_report`, `${head}_confusion`, `${head}_f1`, `${head}_f1_macro`, 'pair_confusion', 'invalid_pair_predictions']) {
      body.unavailable[key] = reason;
    }
  }
  // A CSV has neither constrained-decoding columns nor probabilities: say so in `unavailable`, not as warnings.
  for (const key of ['constrained_combined_acc', 'constrained_action_acc', 'constrained_actor_acc']) {
    body.unavailable[key] = 'the predictions CSV has no constrained-decoding columns';
  }
  body.unavailable.action_top_k = 'the predictions CSV has no action probabilities';
  return { metrics: buildMetricsJson(body, { source: 'predictions-csv', predictions: file }, warnings), contradictions };
}
