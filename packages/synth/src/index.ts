/** @a2d/synth: a synthetic A2D dataset (videoset.csv + clips320H/*.mp4) whose actors look and move differently. */
export * from './dataset-size';
export * from './pair-frequencies';
export * from './video-id';
export * from './dataset-plan';
export * from './videoset-csv';
export * from './generate-options';
export * from './generate-dataset';
export * from './clip-writer';
export * from './scene';
export * from './clip-renderer';
export * from './action-motion';
export * from './actor-appearance';
export * from './actor-pose';
export * from './camera';
export * from './backdrop';
export * from './raster';
