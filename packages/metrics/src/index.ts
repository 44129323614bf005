/**
 * @a2d/metrics: scikit-learn-exact metrics of the two-step model (accumulated over confusion matrices) and the
 * schemas of its artifacts (metrics.json, predictions CSV, classification-report CSV).
 */

// Two-step metrics: accumulate clips, compute every accuracy, F1, report and confusion matrix, reset.
export { TwoStepMetrics, twoStepSampleSchema } from './two-step-metrics';
export type { TwoStepMetricsOptions, TwoStepSample } from './two-step-metrics';
export type { ZeroDivision } from './precision-recall-fscore';
export { VIDEO_LEVEL_PAIRS } from './video-level-pairs';
export type { VideoLevelPair } from './video-level-pairs';
export { labelledConfusionMatrixSchema } from './confusion-matrix';
export type { LabelledConfusionMatrix } from './confusion-matrix';
export { classificationReportSchema, reportScoresSchema } from './classification-report';
export type { ClassificationReport, ReportScores } from './classification-report';
export { MetricsInputError } from './metrics-input-error';
export type { MetricsInputIssue } from './metrics-input-error';

// metrics.json: one schema for the writer and every reader.
export {
  buildMetricsJson,
  classAccuracySchema,
  metricsJsonSchema,
  pairAccuracySchema,
  pairConfusionSchema,
  readMetricsJson,
  topKAccuracySchema,
  writeMetricsJson,
} from './metrics-json';
export type { MetricsJson, MetricsJsonBody } from './metrics-json';

// Classification reports as CSV, byte for byte the reference layout.
export { writeClassificationReportCsv } from './classification-report-csv';

// Predictions CSV: one clip per row, read, written and scored (flags trusted where they contradict the labels).
export { predictionRow, predictionRowSchema, PREDICTIONS_CSV_HEADER, readPredictionsCsv, writePredictionsCsv } from './predictions-csv';
export type { PredictionRow } from './predictions-csv';
export { PredictionsCsvError } from './predictions-csv-error';
export { scorePredictions } from './score-predictions';
export type { ScoredPredictions } from './score-predictions';
export type { FlagContradictions, HeadContradictions } from './flag-contradictions';

// Explanation checks: the pointing game (saliency maximum on the object vs a random point) and rank correlation.
export { boxPixelMask, pointingFrame, pointingSummarySchema, summarisePointing, wilsonInterval } from './pointing-game';
export type { MapBox, PointingFrame, PointingSummary } from './pointing-game';
export { averageRanks, spearmanCorrelation } from './rank-correlation';
