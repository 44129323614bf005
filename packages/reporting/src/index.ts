/**
 * @a2d/reporting: PNG plots (training curves, confusion heatmaps, per-class and per-pair bars, comparisons, the
 * pointing game) and the HTML report. Each plot is a function `(input, options) -> PNG`. Spec helpers live behind
 * `@a2d/reporting/testing`.
 */

// Plot sizes and the typed error for inputs that cannot be drawn.
export type { ChartSize, PlotOptions } from './chart-renderer';
export { ReportInputError } from './report-input-error';

// Line charts and the training curves drawn from metrics.jsonl records.
export { renderLineChart } from './line-chart';
export type { LineChartInput, LinePoint, LineSeries } from './line-chart';
export { recordPoints, trainingCurveCharts } from './training-curves';
export type { EpochRecord, TrainingCurveCharts } from './training-curves';

// Evaluation plots: confusion heatmaps, per-class report bars, per-pair accuracy bars, experiments side by side.
export { renderConfusionMatrix } from './confusion-matrix-chart';
export type { ConfusionMatrixInput, ConfusionMatrixOptions } from './confusion-matrix-chart';
export { classReportRowSchema, renderClassReportChart } from './class-report-chart';
export type { ClassReportInput, ClassReportRow } from './class-report-chart';
export { renderPairAccuracyChart } from './pair-accuracy-chart';
export type { PairAccuracy, PairAccuracyInput } from './pair-accuracy-chart';
export { renderExperimentComparison } from './experiment-comparison-chart';
export type { ComparedExperiment, ExperimentComparisonInput } from './experiment-comparison-chart';

// Where the model looked: the pointing game of each step against a random point, per group of frames.
export { LOCALISATION_COLORS, pointingGameRowSchema, renderLocalisationChart } from './localisation-chart';
export type { LocalisationChartInput, PointingGameRow, PointingRate } from './localisation-chart';

// The self-contained HTML report.
export { renderHtmlReport } from './html-report';
export type {
  ClassReportTable,
  DatasetSplitCounts,
  GalleryClip,
  GalleryGroup,
  HeadlineMetric,
  HtmlReportInput,
  ReportComparison,
  ReportExplanations,
  ReportPlot,
  SkippedVideo,
} from './html-report';
// The PNG check the report applies to every image, for callers that read images from disk.
export { isPng } from './png-size';
