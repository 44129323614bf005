import { averageScores, f1Score, precisionRecallFscoreSupport } from './precision-recall-fscore';
import { classificationReport, classificationReportSchema, describeIllDefined } from './classification-report';
import { confusionMatrix } from './confusion-matrix';
import { formatClassificationReportCsv } from './classification-report-csv';

// Worked by hand. 4 classes, 6 clips:
//   true: a a a b b c      class c is never predicted, class d has no clips and no predictions
//   pred: a a b b a a
//          pred a  b  c  d     tp  true  pred   precision  recall  F1 = 2tp / (true + pred)
//   true a    2  1  0  0      2    3     4     2/4        2/3     4/7
//   true b    1  1  0  0      1    2     2     1/2        1/2     2/4
//   true c    1  0  0  0      0    1     0     0/0 -> 0   0/1     0/1 = 0 (well defined)
//   true d    0  0  0  0      0    0     0     0/0 -> 0   0/0->0  0/0 -> 0
const TRUE = [0, 0, 0, 1, 1, 2];
const PRED = [0, 0, 1, 1, 0, 0];
const LABELS = ['a', 'b', 'c', 'd'];
const matrix = confusionMatrix(TRUE, PRED, 4);

describe('precisionRecallFscoreSupport (hand-worked)', () => {
  it('gives per-class scores with zero_division "warn" acting as 0.0', () => {
    const scores = precisionRecallFscoreSupport(matrix);
    expect(scores.precision).toEqual([0.5, 0.5, 0, 0]);
    expect(scores.recall).toEqual([2 / 3, 0.5, 0, 0]);
    expect(scores.f1).toEqual([4 / 7, 0.5, 0, 0]);
    expect(scores.support).toEqual([3, 2, 1, 0]);
    expect(scores.illDefined).toEqual({ precision: [2, 3], recall: [3], f1: [3] });
  });

  it('uses zero_division=1 only where a denominator is 0 (F of a class with clips but no hits stays 0)', () => {
    const scores = precisionRecallFscoreSupport(matrix, 1);
    expect(scores.precision).toEqual([0.5, 0.5, 1, 1]);
    expect(scores.recall).toEqual([2 / 3, 0.5, 0, 1]);
    expect(scores.f1).toEqual([4 / 7, 0.5, 0, 1]);
  });

  it('averages: macro over all 4 classes (empty ones count as 0), weighted by support, micro = accuracy', () => {
    const macro = averageScores(matrix, 'macro');
    expect(macro.precision).toBeCloseTo((0.5 + 0.5) / 4, 15);
    expect(macro.recall).toBeCloseTo((2 / 3 + 0.5) / 4, 15);
    expect(macro.f1).toBeCloseTo((4 / 7 + 0.5) / 4, 15);
    const weighted = averageScores(matrix, 'weighted');
    expect(weighted.precision).toBeCloseTo((0.5 * 3 + 0.5 * 2) / 6, 15);
    expect(weighted.recall).toBeCloseTo(3 / 6, 15);
    expect(weighted.f1).toBeCloseTo(19 / 42, 15);
    expect(weighted.support).toBe(6);
    expect(averageScores(matrix, 'micro')).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 6 });
    expect(f1Score(matrix, 'weighted')).toBe(weighted.f1);
    expect(f1Score(matrix, 'macro')).toBe(macro.f1);
  });

  it("follows scikit-learn's weighted rule when there are no clips at all", () => {
    const empty = [
      [0, 0],
      [0, 0],
    ];
    expect(averageScores(empty, 'weighted')).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(averageScores(empty, 'weighted', 1)).toEqual({ precision: 1, recall: 1, f1: 1, support: 0 });
  });
});

describe('classificationReport', () => {
  const report = classificationReport(matrix, LABELS);

  it('has a row per class, the accuracy row and both averages, unrounded', () => {
    expect(report.per_class.map((row) => row.label)).toEqual(LABELS);
    expect(report.per_class[0]).toEqual({ label: 'a', precision: 0.5, recall: 2 / 3, f1_score: 4 / 7, support: 3 });
    expect(report.per_class[3]).toEqual({ label: 'd', precision: 0, recall: 0, f1_score: 0, support: 0 });
    expect(report.accuracy).toBe(0.5);
    expect(report.macro_avg.support).toBe(6);
    expect(report.weighted_avg.support).toBe(6);
    expect(classificationReportSchema.parse(report)).toEqual(report);
  });

  it("names the ill-defined labels like scikit-learn's UndefinedMetricWarning", () => {
    expect(report.ill_defined).toEqual({ precision: ['c', 'd'], recall: ['d'], f1_score: ['d'] });
    expect(describeIllDefined(report, 'action')).toEqual([
      'action: precision is ill-defined and set to 0.0 for labels with no predicted clips: c, d',
      'action: recall is ill-defined and set to 0.0 for labels with no true clips: d',
      'action: F-score is ill-defined and set to 0.0 for labels with no true nor predicted clips: d',
    ]);
    expect(describeIllDefined(classificationReport(confusionMatrix([0, 1], [0, 1], 2), ['x', 'y']), 'actor')).toEqual([]);
  });

  it('formats the pandas to_csv layout, rounding nothing', () => {
    expect(formatClassificationReportCsv(report)).toBe(
      [
        ',precision,recall,f1-score,support',
        'a,0.5,0.6666666666666666,0.5714285714285714,3.0',
        'b,0.5,0.5,0.5,2.0',
        'c,0.0,0.0,0.0,1.0',
        'd,0.0,0.0,0.0,0.0',
        'accuracy,0.5,0.5,0.5,0.5',
        `macro avg,0.25,${String((2 / 3 + 0.5) / 4)},${String((4 / 7 + 0.5) / 4)},6.0`,
        `weighted avg,${String(report.weighted_avg.precision)},0.5,${String(report.weighted_avg.f1_score)},6.0`,
        '',
      ].join('\n'),
    );
  });

  it('quotes labels that need it', () => {
    const text = formatClassificationReportCsv(classificationReport(confusionMatrix([0], [0], 1), ['a, "b"']));
    expect(text.split('\n')[1]).toBe('"a, ""b""",1.0,1.0,1.0,1.0');
  });

  it('rejects a label count that does not match the matrix', () => {
    expect(() => classificationReport(matrix, ['a'])).toThrow(RangeError);
  });
});
