/** @a2d/core: the shared vocabulary of every package. Spec helpers live behind `@a2d/core/testing`. */

// The A2D taxonomy: actor and action ids and names, label codes, the valid pairs.
export {
  actionIndexOf,
  ACTIONS,
  actorIndexOf,
  ACTORS,
  decodeLabel,
  encodeLabel,
  isValidLabel,
  isValidPair,
  labelName,
  NONE_ACTION_ID,
  NUM_ACTIONS,
  NUM_ACTORS,
  VALID_LABELS,
  validityMask,
  VIDEO_ACTIONS,
  VIDEO_LEVEL_LABELS,
} from './taxonomy';
export type { A2dLabel, ActionName, ActorName, VideoActionName } from './taxonomy';

// Typed errors shared by every package.
export {
  A2dError,
  ConfigError,
  DatasetError,
  DatasetRowsError,
  LabelError,
  MAX_LISTED_ROW_ISSUES,
  VideoDecodeError,
  VideoEncodeError,
} from './errors';
export type { RowIssue } from './errors';

// Seeded randomness, atomic writes, the in-memory clip.
export { hashString, Rng } from './rng';
export type { RngState } from './rng';
export { writeFileAtomic, writeJsonAtomic } from './atomic-write';
export { createClip } from './clip';
export type { Clip } from './clip';

// The config schema tree, one section per file (data, augment, engine, loss, model, train) and its root.
export { dataConfigSchema, decodeConfigSchema, loaderConfigSchema, samplingConfigSchema } from './config/data';
export type { DataConfig, DecodeConfig, LoaderConfig, SamplingConfig } from './config/data';
export { augmentConfigSchema } from './config/augment';
export type { AugmentConfig } from './config/augment';
export { engineBackendSchema, engineConfigSchema } from './config/engine';
export type { EngineBackend, EngineConfig } from './config/engine';
export { frequencyWeightingSchema, lossConfigSchema, perHeadClassValuesSchema } from './config/loss';
export type { FrequencyWeighting, LossConfig, PerHeadClassValues } from './config/loss';
export {
  BACKBONE_NAMES,
  backboneNameSchema,
  conditioningConfigSchema,
  constrainedDecodingConfigSchema,
  IMAGENET_INPUT_NORMALIZATION,
  inputNormalizationSchema,
  modelConfigSchema,
  motionConfigSchema,
} from './config/model';
export type { BackboneName, ConditioningConfig, ConstrainedDecodingConfig, InputNormalization, ModelConfig, MotionConfig } from './config/model';
export { emaConfigSchema, experimentConfigSchema, optimizerConfigSchema, scheduleConfigSchema, trainConfigSchema } from './config/train';
export type { EmaConfig, ExperimentConfig, OptimizerConfig, ScheduleConfig, TrainConfig } from './config/train';
export { a2dConfigSchema } from './config/root';
export type { A2dConfig } from './config/root';

// Loading a config: file + environment + flags, merged and parsed through the schema.
export { loadConfig, mergeTrees, nonConfigEnvVariables, parseArgs, parseConfig } from './config/load';
export type { ConfigSources, ConfigTree, ParsedArgs } from './config/load';

// The shared command-line runner of every CLI: zod-validated flags, --help, one-line typed errors.
export {
  booleanFlag,
  CommandHelpRequest,
  flagName,
  givenConfigPaths,
  listFlag,
  numberFlag,
  parseCommandLine,
  runCommandLine,
  stringFlag,
} from './command-line';
export type { CommandBody, CommandConfigKey, CommandIo, CommandLineContext, CommandLineSpec, ParsedCommandLine } from './command-line';
export { describeValueType } from './command-help';
export type { ProcessArgvReader } from './nx-dropped-args';

// Input files and output paths: reads that fail as `DatasetError`, writes that fail as one `OutputPathError` line.
export { parseJsonText, readTextFile } from './read-text-file';
export { checkOutputPath, diskFullError, formatByteCount, outputPathError, OutputPathError, writingOutput } from './output-path';
export type { OutputKind, OutputTarget } from './output-path';
