/** @a2d/augment: clip augmentations (train/test pipelines), batch mixing and contact sheets (PNG via canvas). */

// Clip transforms: a step plans its random parameters once per clip, then applies them to every frame.
export { composeTransforms, stepTransform } from './clip-transform';
export type { ClipStep, ClipTransform, FrameSize } from './clip-transform';
export { AugmentInputError } from './augment-input-error';

// The train and test pipelines the data loader runs, built from the `augment` config, and the test-time crops.
export { buildTestTransform, buildTrainTransform, testResizeShortSide } from './clip-pipelines';
export { testCropBoxes } from './center-crop';
export { resampleRegion } from './resample-region';
export type { CropBox } from './resample-region';

// Batches: clips to a normalised float batch, and mixup / CutMix with soft targets for both heads.
export { ClipBatchConverter, clipBatchToFloat } from './clip-batch';
export type { ChannelNormalization, ClipBatchShape } from './clip-batch';
export { mixBatch } from './mix-batch';
export type { LabelledClipBatch, MixedClipBatch, MixMode } from './mix-batch';

// Contact sheets, and the one text face they share with @a2d/reporting's plots.
export { renderContactSheet } from './contact-sheet';
export { heatColour, HEATMAP_PIXEL_WEIGHT, IMPORTANCE_BAR_HEIGHT, overlayHeatmaps } from './heatmap-overlay';
export type { HeatmapOverlayOptions, PixelBoxOutline } from './heatmap-overlay';
export type { ContactSheet, ContactSheetOptions, ContactSheetRow, RgbColor } from './contact-sheet';
export { LABEL_FONT_FAMILY, LabelFontError, registerLabelFont } from './label-font';
