import { VIDEO_LEVEL_LABELS, labelName } from '@a2d/core';
import { renderPairAccuracyChart } from './pair-accuracy-chart';
import { ReportInputError } from './report-input-error';
import { expectChartPng } from './testing/png-pixels';

describe('renderPairAccuracyChart', () => {
  it('draws one bar per pair with videos, 26 px per pair', async () => {
    const pairs = VIDEO_LEVEL_LABELS.map((code, index) => ({ label: labelName(code), accuracy: (index % 10) / 10, support: index === 0 ? 0 : 10 }));
    await expectChartPng(await renderPairAccuracyChart({ title: 'pairs', pairs }), 1200, 26 * 35 + 170);
  });

  it('rejects no pairs, only empty pairs or accuracies outside 0..1', async () => {
    await expect(renderPairAccuracyChart({ title: 'pairs', pairs: [] })).rejects.toThrow(ReportInputError);
    await expect(renderPairAccuracyChart({ title: 'pairs', pairs: [{ label: 'a', accuracy: 0, support: 0 }] })).rejects.toThrow(/support 0/);
    await expect(renderPairAccuracyChart({ title: 'pairs', pairs: [{ label: 'a', accuracy: 1.5, support: 2 }] })).rejects.toThrow(/input\.pairs\.0\.accuracy/);
  });
});
