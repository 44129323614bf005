/**
 * @a2d/layers: the two-step model (and its one-step baseline), per-frame backbones, model files and pretrained
 * weights. The custom layers register themselves with tfjs serialization when these modules load, so a saved
 * model reloads through this index without importing them by name.
 */

// The models: two-step (action, then actor given the action) and the one-step baseline over the 36 pairs.
export { TwoStepModel, twoStepModelMetadataSchema } from './two-step-model';
export type {
  ConstrainedPrediction,
  CreateTwoStepModelOptions,
  EncodedClips,
  TrainingConditioning,
  TwoStepLogits,
  TwoStepModelMetadata,
  TwoStepPrediction,
} from './two-step-model';
export { TwoStepModelError } from './two-step-model-error';
export { NUM_PAIRS, OneStepModel, oneStepModelMetadataSchema, PAIR_CLASSES, pairIndexOf } from './one-step-model';
export type { OneStepModelMetadata, OneStepPrediction } from './one-step-model';

// Step 2 in training and inference: scheduled sampling of the conditioning action, constrained decoding.
export { predictionFeedProbability } from './scheduled-sampling';
export type { ConditioningChoice } from './scheduled-sampling';
export { decodeConstrained } from './constrained-decoding';
export type { ActionCandidate, DecodedPair } from './constrained-decoding';

// The models' seeded random streams (dropout, drop path), saved and restored with a checkpoint.
export { getRandomStreams, setRandomStreams } from './random-streams';

// Per-frame backbones: one surface for every family, built by name.
export { createBackbone } from './backbones/backbone';
export type { Backbone, BackboneName, BackboneOptions, BackboneOutput } from './backbones/backbone';

// Model files: a tfjs LayersModel folder on the local file system.
export { fileSystemIO, modelArtifactsToFiles, modelJsonSchema, resolveModelLocation } from './backbones/file-system-io';
export type { ModelJson } from './backbones/file-system-io';
export { ModelFileError } from './backbones/model-file-error';

// Pretrained weights: a saved model's weights by name, and an imported pretrained folder into a classifier.
export { loadPretrainedWeights } from './backbones/pretrained';
export type { PretrainedLoadOptions, PretrainedLoadReport } from './backbones/pretrained';
export { applyPretrainedBackbone } from './pretrained/pretrained-backbone';
export type { PretrainedBackboneReport } from './pretrained/pretrained-backbone';
export { PRETRAINED_MANIFEST_FILE, pretrainedManifestSchema, readPretrainedManifest } from './pretrained/pretrained-manifest';
export type { PretrainedManifest } from './pretrained/pretrained-manifest';
export { PretrainedImportError } from './pretrained/pretrained-import-error';

// Explanations: Grad-CAM per frame for step 1's action and step 2's actor given it (or a one-step pair), and a
// per-frame importance (gradient x input), for one normalised clip.
export { explainClip, explainOneStepClip, explainTwoStepClip, explainTwoStepPart } from './explain/clip-explanation';
export type { CamMethod, CamOptions, ClassExplanation, OneStepExplanation, OneStepExplanationOptions, TwoStepExplanation, TwoStepExplanationOptions } from './explain/clip-explanation';
export { ExplanationError } from './explain/explanation-error';
