/** The train and test pipelines the data loader runs on every clip, built from the `augment` config. */
import type { AugmentConfig } from '@a2d/core';
import { composeTransforms, stepTransform, type ClipTransform } from './clip-transform';
import { centerCrop } from './center-crop';
import { colorJitter } from './color-jitter';
import { horizontalFlip } from './horizontal-flip';
import { multiScaleCrop } from './multi-scale-crop';
import { randomErasing } from './random-erasing';
import { randomResizedCrop } from './random-resized-crop';

/** Short side the test-time view resizes to before its centre crop. */
export function testResizeShortSide(config: AugmentConfig): number {
  return Math.max(config.cropSize, Math.round(config.cropSize * config.testResizeRatio));
}

/** The test-time view as a transform (no randomness; the generator is ignored). */
function centerCropTransform(config: AugmentConfig): ClipTransform {
  return stepTransform(centerCrop({ size: config.cropSize, resizeShortSide: testResizeShortSide(config) }));
}

/**
 * Train pipeline: crop (multi-scale when enabled, else random resized, else centre) -> flip -> colour
 * jitter -> random erasing; disabled steps are left out. Input `[T, H, W, 3]`, output `[T, crop, crop, 3]`.
 */
export function buildTrainTransform(config: AugmentConfig): ClipTransform {
  const size = config.cropSize;
  const steps: ClipTransform[] = [];
  if (config.multiScaleCrop.enabled) {
    steps.push(stepTransform(multiScaleCrop({ size, ...config.multiScaleCrop })));
  } else if (config.randomResizedCrop.enabled) {
    steps.push(stepTransform(randomResizedCrop({ size, ...config.randomResizedCrop })));
  } else {
    steps.push(centerCropTransform(config));
  }
  if (config.flipProb > 0) steps.push(stepTransform(horizontalFlip(config.flipProb)));
  const jitter = config.colorJitter;
  if (jitter.prob > 0 && jitter.brightness + jitter.contrast + jitter.saturation + jitter.hue > 0) {
    steps.push(stepTransform(colorJitter(jitter)));
  }
  if (config.randomErasing.prob > 0) steps.push(stepTransform(randomErasing(config.randomErasing)));
  return composeTransforms(steps);
}

/** Test pipeline: resize the short side to `cropSize * testResizeRatio`, centre crop `cropSize`. */
export function buildTestTransform(config: AugmentConfig): ClipTransform {
  return composeTransforms([centerCropTransform(config)]);
}
