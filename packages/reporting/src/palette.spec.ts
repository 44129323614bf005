import { heatmapCellColor, heatmapTextColor, seriesColor, SERIES_COLORS, withAlpha } from './palette';

describe('palette', () => {
  it('separates correct (blue) from confused (vermillion) cells and keeps empty cells faint grey', () => {
    expect(heatmapCellColor(1, true)).toBe('rgb(0, 90, 170)');
    expect(heatmapCellColor(1, false)).toBe('rgb(213, 94, 0)');
    expect(heatmapCellColor(0, true)).toBe('#f4f4f4');
    // The square root makes a 4% confusion as visible as a 20% step of a linear scale.
    expect(heatmapCellColor(0.04, false)).toBe('rgb(247, 223, 204)');
  });

  it('picks readable text and cycles series colours', () => {
    expect(heatmapTextColor(0.9)).toBe('#ffffff');
    expect(heatmapTextColor(0.1)).not.toBe('#ffffff');
    expect(seriesColor(SERIES_COLORS.length)).toBe(SERIES_COLORS[0]);
    expect(withAlpha('#0072B2', 0.5)).toBe('rgba(0, 114, 178, 0.5)');
  });
});
