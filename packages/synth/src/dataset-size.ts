/**
 * The dataset sizes. `tiny` is for tests (each of the 36 pairs once, short low-resolution clips, seconds
 * to generate); `small` (360 clips) is for quick tries; `medium` (1100 clips, 217 of them test clips) is the
 * default dataset of the training job (3.9 minutes to generate on two idle cores); `full` matches real
 * A2D's 3782 videos. Clips are rendered at `renderHeight` and scaled by ffmpeg to A2D's 320-pixel height.
 */

/** Name of a dataset size. */
export type DatasetSize = 'tiny' | 'small' | 'medium' | 'full';

/** The size names, smallest first. */
export const DATASET_SIZE_NAMES: readonly DatasetSize[] = ['tiny', 'small', 'medium', 'full'];

/** What a size generates. */
export interface DatasetSizePreset {
  /** Clips in all (train + test). */
  clips: number;
  /** Shortest and longest clip duration in seconds. */
  seconds: readonly [number, number];
  /** Height the frames are drawn at before ffmpeg scales them to 320. */
  renderHeight: number;
  /**
   * x264 preset. Encoding is most of the generation time, so `tiny` (tests) and `small` (minutes on two
   * cores) trade file size for speed; `full` favours compression.
   */
  encoderPreset: 'ultrafast' | 'superfast' | 'veryfast';
}

/** The presets by name. */
export const DATASET_SIZES: Readonly<Record<DatasetSize, DatasetSizePreset>> = Object.freeze({
  tiny: { clips: 36, seconds: [1, 1.5], renderHeight: 80, encoderPreset: 'ultrafast' },
  small: { clips: 360, seconds: [2, 3], renderHeight: 160, encoderPreset: 'superfast' },
  medium: { clips: 1100, seconds: [1.5, 2.5], renderHeight: 160, encoderPreset: 'ultrafast' },
  full: { clips: 3782, seconds: [2, 10], renderHeight: 160, encoderPreset: 'veryfast' },
});
