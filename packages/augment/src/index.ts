/** @a2d/augment: clip augmentations (train/test pipelines), batch mixing, PNG encoding and contact sheets. */
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
export * from './crc32';
export * from './png-encoder';
export * from './rgb-image';
export * from './bitmap-font';
export * from './contact-sheet';
