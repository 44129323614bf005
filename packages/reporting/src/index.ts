/** @a2d/reporting: PNG plots (training curves, confusion heatmaps, per-class and per-pair bars, comparisons) and the HTML report. */
export * from './report-input-error';
export * from './palette';
export * from './chart-renderer';
export * from './chart-text';
export * from './bar-value-labels';
export * from './png-size';
export * from './side-by-side';
export * from './line-chart';
export * from './training-curves';
export * from './confusion-matrix-chart';
export * from './class-report-chart';
export * from './pair-accuracy-chart';
export * from './experiment-comparison-chart';
export * from './html-escape';
export * from './json-table';
export * from './html-report';
