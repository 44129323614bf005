import { buildMetricsJson, TwoStepMetrics } from '@a2d/metrics';
import { epochRecordSchema } from '@a2d/training';
import { pairAccuracies } from './evaluation-plots';
import { comparisonBarMetrics, headlineMetrics } from './headline-metrics';
import { chartRecord, learningRateChart } from './training-curve-plots';

const record = (epoch: number, lr: { first: number; last: number }, val: number | null) =>
  epochRecordSchema.parse({
    epoch,
    globalStep: epoch * 5,
    lr,
    train: { loss: { total: 3, action: 1.5, actor: 1.4, consistency: 0.1 }, acc: { action: 50, actor: 60, combined: 40 }, clips: 10 },
    val: val === null ? null : { loss: { total: 3.2, action: 1.6, actor: 1.5, consistency: 0.1 }, acc: { action: 55, actor: 65, combined: val, combinedConstrained: val + 5 }, clips: 4 },
    valEma: null,
    clipsPerSecond: 10,
    dataWaitFraction: 0.2,
    seconds: 1,
    rssMiB: 400,
    tensors: 50,
    skippedVideos: 0,
    nonFiniteSteps: 0,
    gradNorm: { mean: null, max: null },
  });

describe('percent -> share conversions', () => {
  it('turns the epoch records\' percent accuracies into shares and keeps the losses', () => {
    expect(chartRecord(record(2, { first: 1e-3, last: 5e-4 }, 25))).toEqual({
      epoch: 2,
      train: { loss: { total: 3, action: 1.5, actor: 1.4, consistency: 0.1 }, acc: { action: 0.5, actor: 0.6, combined: 0.4, combinedConstrained: null } },
      val: { loss: { total: 3.2, action: 1.6, actor: 1.5, consistency: 0.1 }, acc: { action: 0.55, actor: 0.65, combined: 0.25, combinedConstrained: 0.3 } },
      valEma: null,
    });
    expect(chartRecord(record(3, { first: 1e-3, last: 5e-4 }, null)).val).toBeNull();
  });

  it('draws each epoch of the learning rate from its first (x = epoch - 1) to its last update (x = epoch), log scale past 20x', () => {
    const chart = learningRateChart([record(2, { first: 8e-4, last: 1e-5 }, 10), record(1, { first: 1e-4, last: 1e-3 }, 10)], 'run');
    expect(chart.series).toHaveLength(1);
    expect(chart.series[0].points).toEqual([
      { x: 0, y: 1e-4 },
      { x: 1, y: 1e-3 },
      { x: 1, y: 8e-4 },
      { x: 2, y: 1e-5 },
    ]);
    expect(chart.yScale).toBe('log');
    expect(learningRateChart([record(1, { first: 1e-3, last: 1e-3 }, 10)], 'run').yScale).toBe('linear');
  });

  it('gives the headline, the comparison bars and per-pair accuracy as shares of metrics.json\'s percents and counts', () => {
    const metrics = new TwoStepMetrics();
    // adult-climbing twice (one actor wrong), baby-crawling once (right).
    metrics.update([
      { trueAction: 0, predAction: 0, trueActor: 0, predActor: 0 },
      { trueAction: 0, predAction: 0, trueActor: 0, predActor: 1 },
      { trueAction: 1, predAction: 1, trueActor: 1, predActor: 1 },
    ]);
    const json = buildMetricsJson(metrics.compute());
    expect(json.combined_acc).toBeCloseTo(200 / 3);
    expect(comparisonBarMetrics(json).combined).toBeCloseTo(2 / 3);
    expect(comparisonBarMetrics(json).action).toBe(1);
    const headline = headlineMetrics(json, [record(1, { first: 1, last: 1 }, 30), record(2, { first: 1, last: 1 }, 45), record(3, { first: 1, last: 1 }, 45)]);
    expect(headline.find((metric) => metric.name === 'combined accuracy (test)')).toEqual({ name: 'combined accuracy (test)', value: json.combined_acc / 100, format: 'percent' });
    expect(headline.find((metric) => metric.name === 'best val combined accuracy')?.value).toBeCloseTo(0.45);
    expect(headline.find((metric) => metric.name === 'best val epoch')?.value).toBe(2);
    const pairs = pairAccuracies(json);
    expect(pairs).toHaveLength(36);
    expect(pairs.filter((pair) => pair.support > 0)).toEqual([
      { label: 'adult-climbing', accuracy: 0.5, support: 2 },
      { label: 'baby-crawling', accuracy: 1, support: 1 },
    ]);
    expect(headlineMetrics(null, []).every((metric) => metric.value === null)).toBe(true);
  });
});
