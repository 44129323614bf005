/**
 * Golden test on real data: the outputs of a PyTorch two-step model on the real A2D test split (746 clips), in
 * `<workspace>/../shared/fixtures/a2d-reference` (read-only). Its `pred_actor` column is a copy of `true_actor`
 * (a bug of the system that wrote it) while the `actor_correct` flags are right.
 */
import { readFileSync } from 'node:fs';
import { ACTORS, VIDEO_ACTIONS } from '@a2d/core';
import { describeWithReferenceFixture, referenceFixture, referenceFixtureDir } from '@a2d/core/testing';
import { TwoStepMetrics } from './two-step-metrics';
import { formatClassificationReportCsv } from './classification-report-csv';
import { metricsJsonSchema } from './metrics-json';
import { readPredictionsCsv, type PredictionRow } from './predictions-csv';
import { scorePredictions } from './score-predictions';

const PREDICTIONS = referenceFixture('test_predictions.csv');

const readCells = (file: string): string[][] =>
  readFileSync(referenceFixture(file), 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => line.split(','));

describeWithReferenceFixture(`reference fixture ${referenceFixtureDir()}`, () => {
  let rows: PredictionRow[];
  beforeAll(async () => {
    rows = await readPredictionsCsv(PREDICTIONS);
  });

  it('reads all 746 rows', () => {
    expect(rows).toHaveLength(746);
  });

  it('reproduces the action classification report cell for cell', () => {
    const { metrics } = scorePredictions(rows, PREDICTIONS);
    if (!metrics.action_report) throw new Error('action report missing');
    const ours = formatClassificationReportCsv(metrics.action_report);
    const expected = readCells('action_classification_report.csv');
    const actual = ours.trimEnd().split('\n').map((line) => line.split(','));
    expect(actual.length).toBe(expected.length);
    expected.forEach((row, r) => row.forEach((cell, c) => expect([r, c, actual[r][c]]).toEqual([r, c, cell])));
    expect(ours).toBe(readFileSync(referenceFixture('action_classification_report.csv'), 'utf8'));
  });

  it('gives the reference accuracies and action F1 (final_metrics.json)', () => {
    const { metrics } = scorePredictions(rows, PREDICTIONS);
    const reference = (JSON.parse(readFileSync(referenceFixture('final_metrics.json'), 'utf8')) as { test_metrics: Record<string, number> }).test_metrics;
    expect(metrics.action_acc.toFixed(4)).toBe('72.1180');
    expect(metrics.actor_acc.toFixed(4)).toBe('85.1206');
    expect(metrics.combined_acc.toFixed(4)).toBe('65.2815');
    expect(metrics.action_f1?.toFixed(5)).toBe('0.72365');
    expect(metrics.action_acc).toBe(reference.action_acc);
    expect(metrics.actor_acc).toBe(reference.actor_acc);
    expect(metrics.combined_acc).toBe(reference.combined_acc);
    expect(metrics.action_f1).toBe(reference.action_f1);
    expect(metricsJsonSchema.parse(metrics)).toEqual(metrics);
  });

  it('shows the defect: trusting the label columns gives 100% actor accuracy', () => {
    const naive = new TwoStepMetrics();
    naive.update(
      rows.map((row) => ({
        trueAction: VIDEO_ACTIONS.indexOf(row.trueAction),
        predAction: VIDEO_ACTIONS.indexOf(row.predAction),
        trueActor: ACTORS.indexOf(row.trueActor),
        predActor: ACTORS.indexOf(row.predActor),
      })),
    );
    expect(naive.compute().actor_acc).toBe(100);
  });

  it('detects the contradicting flags loudly and does not pretend to recover the actor report', () => {
    const { metrics, contradictions } = scorePredictions(rows, PREDICTIONS);
    expect(contradictions.actor.lines).toHaveLength(111);
    expect(contradictions.actor.predictedCopiesTrue).toBe(true);
    expect(contradictions.action.lines).toEqual([]);
    const warning = metrics.warnings.find((line) => line.startsWith('actor_correct contradicts'));
    expect(warning).toContain('on 111 of 746 rows');
    expect(warning).toContain(`${PREDICTIONS}:6, ${PREDICTIONS}:8, ${PREDICTIONS}:21`);
    expect(warning).toContain('the column looks like a copy of true_actor');
    expect(metrics.actor_report).toBeNull();
    expect(metrics.actor_f1).toBeNull();
    expect(metrics.actor_f1_macro).toBeNull();
    expect(metrics.actor_confusion).toBeNull();
    expect(metrics.pair_confusion).toBeNull();
    expect(metrics.unavailable.actor_report).toContain('pred_actor contradicts actor_correct on 111 of 746 rows');
    expect(metrics.action_confusion?.matrix.reduce((sum, row, i) => sum + row[i], 0)).toBe(538);
  });

  it('matches the reference actor report where the flags can: per-class recall, support and accuracy', () => {
    const { metrics } = scorePredictions(rows, PREDICTIONS);
    const expected = readCells('actor_classification_report.csv');
    metrics.actor_class_acc.forEach((cls, i) => {
      const [label, , recall, , support] = expected[i + 1];
      expect([cls.label, cls.correct / cls.support, cls.support]).toEqual([label, Number(recall), Number(support)]);
    });
    const accuracy = metrics.actor_class_acc.reduce((sum, cls) => sum + cls.correct, 0) / metrics.num_clips;
    expect(accuracy).toBe(Number(expected[8][1]));
    expect(metrics.per_pair.reduce((sum, pair) => sum + pair.correct, 0)).toBe(487);
    expect(metrics.per_pair.reduce((sum, pair) => sum + pair.support, 0)).toBe(746);
  });
});
