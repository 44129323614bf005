/** @a2d/metrics: scikit-learn-exact classification metrics for the two-step model, and its artifact schemas. */
export * from './python-float';
export * from './numpy-sum';
export * from './confusion-matrix';
export * from './precision-recall-fscore';
export * from './classification-report';
export * from './classification-report-csv';
export * from './top-k-accuracy';
export * from './mean-class-accuracy';
export * from './video-level-pairs';
export * from './metrics-input-error';
export * from './two-step-metrics';
export * from './metrics-json';
export * from './csv-fields';
export * from './predictions-csv-error';
export * from './predictions-csv';
export * from './flag-contradictions';
export * from './score-predictions';
