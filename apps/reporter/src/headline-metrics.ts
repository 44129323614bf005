/**
 * The headline numbers of one experiment, shared by the report's summary cards, its comparison table and the
 * comparison plot: test metrics from `metrics.json` (percent there, shares here) and the best validation epoch.
 * Test metrics that are missing (no evaluation yet) stay in the list as null, so the report shows them as n/a.
 */
import type { MetricsJson } from '@a2d/metrics';
import type { HeadlineMetric } from '@a2d/reporting';
import type { EpochRecord } from '@a2d/training';

const share = (percent: number | null | undefined): number | null => (percent === null || percent === undefined ? null : percent / 100);

/** The epoch with the highest validation combined accuracy (the first of ties), or null without validation. */
export function bestValidationEpoch(records: readonly EpochRecord[]): { epoch: number; combined: number } | null {
  let best: { epoch: number; combined: number } | null = null;
  for (const record of records) {
    const combined = record.val?.acc.combined;
    if (combined === null || combined === undefined) continue;
    if (!best || combined > best.combined) best = { epoch: record.epoch, combined };
  }
  return best;
}

/** Summary cards: test accuracies and F1 scores (null before evaluation), then training facts. */
export function headlineMetrics(metrics: MetricsJson | null, records: readonly EpochRecord[]): HeadlineMetric[] {
  const percent = (name: string, value: number | null | undefined): HeadlineMetric => ({ name, value: share(value), format: 'percent' });
  const number = (name: string, value: number | null | undefined): HeadlineMetric => ({ name, value: value ?? null, format: 'number' });
  const best = bestValidationEpoch(records);
  const topK = (metrics?.action_top_k ?? []).filter((entry) => entry.k > 1).map((entry) => percent(`action top-${entry.k} accuracy (test)`, entry.acc));
  return [
    percent('combined accuracy (test)', metrics?.combined_acc),
    percent('action accuracy (test)', metrics?.action_acc),
    percent('actor accuracy (test)', metrics?.actor_acc),
    percent('combined accuracy, constrained decoding (test)', metrics?.constrained_combined_acc),
    number('action F1, weighted (test)', metrics?.action_f1),
    number('actor F1, weighted (test)', metrics?.actor_f1),
    number('action F1, macro (test)', metrics?.action_f1_macro),
    number('actor F1, macro (test)', metrics?.actor_f1_macro),
    percent('action mean class accuracy (test)', metrics?.action_mean_class_acc),
    percent('actor mean class accuracy (test)', metrics?.actor_mean_class_acc),
    ...topK,
    number('test clips', metrics?.num_clips),
    percent('best val combined accuracy', best?.combined),
    number('best val epoch', best?.epoch),
    number('epochs trained', records.length > 0 ? Math.max(...records.map((record) => record.epoch)) : null),
  ];
}

/** The metrics drawn as grouped bars in the comparison plot (shares 0..1; the F1 scores are support-weighted). */
export function comparisonBarMetrics(metrics: MetricsJson | null): Record<string, number | null> {
  return {
    action: share(metrics?.action_acc),
    actor: share(metrics?.actor_acc),
    combined: share(metrics?.combined_acc),
    'combined (constrained)': share(metrics?.constrained_combined_acc),
    'action F1': metrics?.action_f1 ?? null,
    'actor F1': metrics?.actor_f1 ?? null,
  };
}
