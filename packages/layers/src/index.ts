// Public surface of @a2d/layers (exports are added as modules land).
export { BACKBONE_NAMES, createBackbone, isBackboneName } from './backbones/backbone';
export type { Backbone, BackboneName, BackboneOptions, BackboneOutput } from './backbones/backbone';
export { DropPath } from './backbones/drop-path';
export type { DropPathArgs } from './backbones/drop-path';
export { fileSystemIO, modelArtifactsToFiles, readModelArtifacts, resolveModelLocation, writeModelArtifacts, modelJsonSchema } from './backbones/file-system-io';
export type { ModelJson } from './backbones/file-system-io';
export { ModelFileError } from './backbones/model-file-error';
export { ChannelBatchNorm } from './backbones/channel-batch-norm';
export type { ChannelBatchNormArgs } from './backbones/channel-batch-norm';
export { loadPretrainedWeights } from './backbones/pretrained';
export type { PretrainedLoadOptions, PretrainedLoadReport } from './backbones/pretrained';
export { measureModel } from './backbones/model-cost';
export type { CountsMultiplyAdds, LayerCost, ModelCost } from './backbones/model-cost';
// Temporal attention, step-2 conditioning and the two-step model.
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
export { buildTwoStepNetwork, streamTokens, twoStepNetworkOf, TWO_STEP_NAMES } from './two-step-network';
export type { TwoStepNetwork, TwoStepNetworkOptions } from './two-step-network';
export { chooseConditioningActions, predictionFeedProbability } from './scheduled-sampling';
export type { ConditioningChoice } from './scheduled-sampling';
export { decodeConstrained } from './constrained-decoding';
export type { ActionCandidate, DecodedPair } from './constrained-decoding';
export { temporalTransformer } from './temporal-transformer';
export type { TemporalTransformerOptions } from './temporal-transformer';
export { RelativePositionSelfAttention } from './attention/relative-position-self-attention';
export type { RelativePositionSelfAttentionArgs } from './attention/relative-position-self-attention';
export { relativePositionBias, relativePositionIndices } from './attention/relative-position-bias';
export { ActionContextCrossAttention } from './attention/action-context-cross-attention';
export type { ActionContextCrossAttentionArgs } from './attention/action-context-cross-attention';
export { multiHeadAttention, projectTokens } from './attention/multi-head-attention';
export type { AttentionInputs, AttentionResult } from './attention/multi-head-attention';
export { ActionEmbedding } from './action-embedding';
export type { ActionEmbeddingArgs } from './action-embedding';
export { ACTOR_STEP_LAYER_NAMES, applyActorStep, createActorStepLayers, findActorStepLayers } from './action-conditioning';
export type { ActorStepInputs, ActorStepLayers, ActorStepOptions } from './action-conditioning';
export { FoldTime, UnfoldTime } from './time-folding';
export { FrameDifferences, GridPool, frameFeatures } from './frame-motion';
export { SeededDropout, DropoutMaskStream } from './seeded-dropout';
export type { SeededDropoutArgs } from './seeded-dropout';
export { layerSeed } from './layer-seed';
export { getRandomStreams, setRandomStreams } from './random-streams';
export type { RandomStreamLayer } from './random-streams';
export { OneStepModel, oneStepModelMetadataSchema, NUM_PAIRS, PAIR_CLASSES, pairIndexOf } from './one-step-model';
export type { OneStepModelMetadata, OneStepPrediction } from './one-step-model';
// Pretrained backbones: torchvision / Keras weights in, a pretrained folder out, and into a classifier.
export { importBackboneWeights } from './pretrained/import-weights';
export type { ImportWeightsOptions, ImportWeightsReport, ImportWeightsResult } from './pretrained/import-weights';
export { applyPretrainedBackbone } from './pretrained/pretrained-backbone';
export type { PretrainedBackboneReport } from './pretrained/pretrained-backbone';
export { PRETRAINED_MANIFEST_FILE, pretrainedManifestSchema, readPretrainedManifest } from './pretrained/pretrained-manifest';
export type { PretrainedManifest } from './pretrained/pretrained-manifest';
export { PretrainedImportError } from './pretrained/pretrained-import-error';
export { parseSafetensors, readSafetensors } from './pretrained/safetensors-file';
export type { SafetensorsDtype, SafetensorsFile, SafetensorsTensor } from './pretrained/safetensors-file';
export { APPEARANCE_BACKBONE_PREFIXES } from './frame-motion';
