/**
 * `@a2d/reporting/testing`: helpers for specs only (this package's and the reporter's). Never exported by
 * `@a2d/reporting`'s index, so production code never sees them.
 */

// PNG checks: decode a rendered chart and measure what was actually drawn.
export { countPixels, decodePng, expectChartPng, greyVariance, pngHeader } from './png-pixels';
export type { DecodedPng } from './png-pixels';

// A small strip PNG (contact sheet) for specs of the error gallery.
export { flatStripPng } from './strip-png';
