import { renderClassReportChart } from './class-report-chart';
import { ReportInputError } from './report-input-error';
import { expectChartPng } from './testing/png-pixels';

const rows = [
  { label: 'climbing', precision: 0.84, recall: 0.74, f1: 0.79, support: 82 },
  { label: 'crawling', precision: 0.63, recall: 0.84, f1: 0.72, support: 61 },
  { label: 'eating', precision: 0.89, recall: 0.82, f1: 0.85, support: 82 },
];

describe('renderClassReportChart', () => {
  it('draws grouped precision/recall/F1 bars per class', async () => {
    await expectChartPng(await renderClassReportChart({ title: 'action', rows }), 1200, 620);
    await expectChartPng(await renderClassReportChart({ title: 'action', rows }, { width: 600, height: 400 }), 600, 400);
  });

  it('rejects no classes or scores outside 0..1', async () => {
    await expect(renderClassReportChart({ title: 'action', rows: [] })).rejects.toThrow(new ReportInputError('input.rows', 'expected at least one class'));
    await expect(renderClassReportChart({ title: 'action', rows: [{ ...rows[0], f1: 79 }] })).rejects.toThrow(/input\.rows\.0\.f1: expected a score in 0\.\.1/);
  });
});
