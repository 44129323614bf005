/** Title, subtitle and font settings shared by the charts, so every plot reads the same way. */
import { CHART_COLORS } from './palette';
import { LABEL_FONT_FAMILY } from '@a2d/augment';

/** Font sizes (px) of chart text. */
export const FONT_SIZES = { title: 20, subtitle: 14, axisTitle: 15, tick: 13, legend: 14, value: 12 } as const;

/** Chart.js `plugins.title` and `plugins.subtitle` for a title and an optional second line. */
export function titlePlugins(title: string, subtitle?: string) {
  return {
    title: { display: true, text: title, font: { size: FONT_SIZES.title, weight: 'bold' as const }, padding: { top: 4, bottom: subtitle ? 2 : 12 } },
    subtitle: {
      display: subtitle !== undefined && subtitle !== '',
      text: subtitle ?? '',
      color: CHART_COLORS.mutedText,
      font: { size: FONT_SIZES.subtitle },
      padding: { bottom: 12 },
    },
  };
}

/** A Chart.js axis title. */
export function axisTitle(text: string) {
  return { display: true, text, font: { size: FONT_SIZES.axisTitle, weight: 'bold' as const }, color: CHART_COLORS.text };
}

/** A CSS font string in the report font, for text drawn straight onto the chart canvas. */
export function canvasFont(size: number, bold = false): string {
  return `${bold ? 'bold ' : ''}${size}px "${LABEL_FONT_FAMILY}"`;
}

/** `0.7212` -> `72.1%`. */
export function formatPercent(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)}%`;
}
