import { LOCALISATION_COLORS, renderLocalisationChart, type PointingGameRow } from './localisation-chart';
import { ReportInputError } from './report-input-error';
import { countPixels, expectChartPng, type DecodedPng } from './testing/png-pixels';

function row(label: string, frames: number, step1: number | null, step2: number | null, baseline: number | null): PointingGameRow {
  const rate = (value: number | null) => ({ rate: value, interval95: value === null ? null : ([Math.max(0, value - 0.1), Math.min(1, value + 0.1)] as const) });
  return { label, frames, step1: rate(step1), step2: rate(step2), baseline };
}

/** Pixels of `hex`'s colour (within a small tolerance) in the columns `[x0, x1)`. */
function colourPixels(png: DecodedPng, hex: string, x0: number, x1: number): number {
  const [r, g, b] = [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16));
  let count = 0;
  for (let y = 0; y < png.height; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * 4;
      if (Math.abs(png.rgba[i] - r) + Math.abs(png.rgba[i + 1] - g) + Math.abs(png.rgba[i + 2] - b) < 12) count++;
    }
  }
  return count;
}

describe('renderLocalisationChart', () => {
  it('draws three bars per group, each as tall as its rate', async () => {
    // Left group: step 1 always hits, step 2 never; right group the other way round.
    const groups = [row('overall', 40, 0.9, 0.1, 0.2), row('adult', 20, 0.1, 0.9, 0.2)];
    const png = await expectChartPng(await renderLocalisationChart({ title: 'where the model looked', groups }), 1200, 600);
    const half = png.width / 2;
    const left = { step1: colourPixels(png, LOCALISATION_COLORS.step1, 0, half), step2: colourPixels(png, LOCALISATION_COLORS.step2, 0, half) };
    const right = { step1: colourPixels(png, LOCALISATION_COLORS.step1, half, png.width), step2: colourPixels(png, LOCALISATION_COLORS.step2, half, png.width) };
    // 0.9 against 0.1: about nine times the area (the legend's swatches add a little to the left half).
    expect(left.step1).toBeGreaterThan(5 * left.step2);
    expect(right.step2).toBeGreaterThan(5 * right.step1);
    expect(colourPixels(png, LOCALISATION_COLORS.baseline, half, png.width)).toBeGreaterThan(1000);
    // Whiskers and value labels are drawn in the text colour over the plot area.
    expect(countPixels(png, (r, g, b) => r < 60 && g < 60 && b < 60)).toBeGreaterThan(500);
  });

  it('keeps a group without frames in its place, and takes a size', async () => {
    const groups = [row('overall', 10, 0.5, 0.6, 0.1), row('dog', 0, null, null, null)];
    await expectChartPng(await renderLocalisationChart({ title: 't', groups }, { width: 700, height: 400 }), 700, 400);
  });

  it('rejects no groups, no frames at all, shares outside 0..1 and reversed intervals', async () => {
    await expect(renderLocalisationChart({ title: 't', groups: [] })).rejects.toThrow(new ReportInputError('input.groups', 'expected at least one group'));
    await expect(renderLocalisationChart({ title: 't', groups: [row('dog', 0, null, null, null)] })).rejects.toThrow(/input\.groups: no group has a scored frame/);
    await expect(renderLocalisationChart({ title: 't', groups: [row('a', 3, 40, 0.5, 0.1)] })).rejects.toThrow(/input\.groups\.0\.step1\.rate: expected a share in 0\.\.1/);
    const reversed = { ...row('a', 3, 0.4, 0.5, 0.1), step2: { rate: 0.5, interval95: [0.7, 0.2] as const } };
    await expect(renderLocalisationChart({ title: 't', groups: [reversed] })).rejects.toThrow(/input\.groups\.0\.step2\.interval95: expected lower <= upper/);
  });
});
