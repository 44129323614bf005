/** @a2d/augment: clip augmentations (train/test pipelines), batch mixing and contact sheets (PNG via canvas). */
export * from './augment-input-error';
export * from './clip-transform';
export * from './resample-region';
export * from './random-resized-crop';
export * from './multi-scale-crop';
export * from './center-crop';
export * from './horizontal-flip';
export * from './color-jitter';
export * from './random-erasing';
export * from './clip-pipelines';
export * from './clip-batch';
export * from './mix-batch';
export * from './label-font';
export * from './contact-sheet';
