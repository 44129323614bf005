/**
 * Colours of every plot: the Okabe-Ito palette for series (distinguishable with colour-vision deficiency)
 * and the two-hue scale of confusion matrices (blue = correct, vermillion = confused).
 */

/** Series colours in the order series are drawn (Okabe-Ito, without the yellow that vanishes on white). */
export const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;

/** Colour of series `index`, cycling through `SERIES_COLORS`. */
export function seriesColor(index: number): string {
  return SERIES_COLORS[((index % SERIES_COLORS.length) + SERIES_COLORS.length) % SERIES_COLORS.length];
}

/** Text, grid and background colours shared by the charts. */
export const CHART_COLORS = { text: '#222222', mutedText: '#555555', grid: '#e3e3e3', background: '#ffffff' } as const;

const EMPTY_CELL = '#f4f4f4';
const DIAGONAL_RGB = [0, 90, 170] as const;
const OFF_DIAGONAL_RGB = [213, 94, 0] as const;

/**
 * Heatmap cell colour for a share of its row (0..1): white to blue on the diagonal, white to vermillion off it.
 * The square root lifts small shares so rare confusions are still visible.
 */
export function heatmapCellColor(share: number, onDiagonal: boolean): string {
  // Empty cells stay a faint grey (not white) so rows and columns of a large matrix can be followed by eye.
  if (share <= 0) return EMPTY_CELL;
  const t = Math.sqrt(Math.min(1, Math.max(0, share)));
  const target = onDiagonal ? DIAGONAL_RGB : OFF_DIAGONAL_RGB;
  const [r, g, b] = target.map((channel) => Math.round(255 + (channel - 255) * t));
  return `rgb(${r}, ${g}, ${b})`;
}

/** Text colour that stays readable on a heatmap cell of that share. */
export function heatmapTextColor(share: number): string {
  return Math.sqrt(Math.min(1, Math.max(0, share))) > 0.6 ? '#ffffff' : CHART_COLORS.text;
}

/** Colour with an alpha channel, from a `#rrggbb` colour. */
export function withAlpha(hex: string, alpha: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}
