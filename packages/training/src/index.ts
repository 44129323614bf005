/**
 * @a2d/training: the two-step training run (loop, callbacks, AdamW, schedules, checkpoints and exact resume), the
 * experiment folder and its artifacts, evaluation and inference. The tiny-experiment fixture lives behind
 * `@a2d/training/testing`.
 */

// Training runs: one call trains (or resumes) an experiment; workers load the replica module by path.
export { classifierReplicaModule, runTraining, TrainingError } from './train-run';
export type { ScalarSink, TrainingProgress, TrainingRunOptions, TrainingRunResult } from './train-run';
export type { ClassifierReplicaOptions } from './replica/classifier-replica';
export { LoaderThreadError } from './data/loader-thread';

// Callbacks around the fit loop (each a small object with `onEpochEnd`-style methods) and their events.
export type { EpochEndEvent, RunEndEvent, TrainingCallback, TrainingContext, UpdateEvent, ValidationEvent } from './loop/training-callback';
export { CheckpointCallback } from './callbacks/checkpoint-callback';
export { EarlyStopping } from './callbacks/early-stopping';
export { EmaValidation } from './callbacks/ema-validation';
export { MetricsLog } from './callbacks/metrics-log';
export { ProgressCallback } from './callbacks/progress-callback';
export { TensorBoardCallback } from './callbacks/tensorboard-callback';

// Optimization: AdamW and the learning rate as a pure function of explicit counters.
export { AdamW } from './optim/adamw';
export type { AdamWOptions, AdamWState } from './optim/adamw';
export { learningRateAt } from './optim/lr-schedule';
export type { LearningRateSchedule, SchedulePosition } from './optim/lr-schedule';

// The experiment folder: its paths, config.json, finding and resuming experiments.
export {
  configDifferences,
  datasetIdentitySchema,
  defaultExperimentName,
  evaluationResultFiles,
  experimentConfigFileSchema,
  experimentPaths,
  experimentToResume,
  findExperiment,
  listExperiments,
  readExperimentConfig,
  trainingConfigHash,
  writeExperimentConfig,
} from './experiment';
export type { DatasetIdentity, EvaluationResultFiles, EvaluationSplit, ExperimentConfigFile, ExperimentPaths } from './experiment';

// Run artifacts with schemas: metrics.jsonl records, the training state, skipped-videos.json.
export { accuraciesSchema, epochRecordSchema, lossTermsSchema, parseEpochRecords, validationResultSchema } from './epoch-record';
export type { Accuracies, EpochRecord, LossTerms, ValidationResult } from './epoch-record';
export { epochAccumulatorSchema, trainingStateSchema } from './training-state';
export type { EpochAccumulator, TrainingState } from './training-state';
export { readSkippedVideos, skippedVideoSchema, skippedVideosFileSchema } from './skipped-videos';

// Checkpoints: the manifest schema and the typed error for a missing or bad checkpoint.
export { CheckpointError } from './checkpoint/checkpoint-error';
export { checkpointManifestSchema } from './checkpoint/checkpoint-store';
export type { CheckpointManifest } from './checkpoint/checkpoint-store';

// Evaluation: a checkpoint on a split (results/ files), the test-time input of one video, metrics.json's settings.
export { checkpointConfig, evaluateExperiment, existingCheckpointDir, loadCheckpointModel, splitRecords } from './evaluate-experiment';
export type { EvaluateExperimentOptions, ExperimentEvaluation } from './evaluate-experiment';
export { croppedBatch, decodeVideo, testTimeInput } from './evaluation';
export type { DecodedClip, DecodeOptions, TestCrops, VideoPrediction } from './evaluation';
export { evaluationSettingsSchema } from './evaluation-settings';
export type { EvaluationSettings } from './evaluation-settings';

// Inference: a loaded classifier, its probabilities, and predictions for any video file.
export { networkOf } from './replica/classifier';
export { loadClassifier } from './inference/load-classifier';
export type { Classifier } from './inference/load-classifier';
export { inferActorTable, inferProbabilities } from './inference/infer-probabilities';
export { VideoFilePredictor } from './inference/video-file-predictor';
export type {
  ActionProbability,
  PairPrediction,
  PredictorSettings,
  VideoFileClip,
  VideoFilePrediction,
  VideoFilePredictorOptions,
} from './inference/video-file-predictor';

// TensorBoard event files: written during training, read back as scalars.
export { EventFileWriter } from './tensorboard/event-file-writer';
export type { EventFileWriterOptions } from './tensorboard/event-file-writer';
export { readEventDir, readEventFile } from './tensorboard/read-event-file';
export type { DecodeTfRecordsOptions } from './tensorboard/tfrecord';
export { EventFileError } from './tensorboard/event-file-error';
export { SessionStatus } from './tensorboard/event-proto';
export type { SessionLog, SummaryValue, TensorBoardEvent } from './tensorboard/event-proto';
export { tensorBoardScalars } from './tensorboard/tensorboard-scalars';
export type { ScalarPoint, TensorBoardLoader, TensorBoardScalarsOptions } from './tensorboard/tensorboard-scalars';

// Progress: the terminal progress bar / log lines of training and evaluation.
export { ProgressReporter } from './progress/progress-reporter';
export type { BatchProgress, ProgressMode, ProgressReporterOptions, ProgressStream } from './progress/progress-reporter';

// Explanations of a split's clips, scored against the dataset's annotations (the pointing game, sanity checks).
export { explainSplit } from './explain/explain-split';
export type { ExplainSplitOptions, SplitExplanationOutcome, StripSelection } from './explain/explain-split';
export { boxInInput, placeAnnotatedFrames } from './explain/annotated-clip';
export type { AnnotatedClipPlan, InputGeometry } from './explain/annotated-clip';
export { explainedClipSchema, readSplitExplanation, scoredFrameSchema, SPLIT_EXPLANATION_FILE, splitExplanationSchema, STRIPS_DIR } from './explain/split-explanation-file';
export type { ExplainedClip, ScoredFrame, SplitExplanation } from './explain/split-explanation-file';
