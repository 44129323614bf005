/**
 * How often each video-level (actor, action) pair occurs in the real A2D test split: 746 videos, counted
 * from the true labels of the reference predictions file (`fixtures/a2d-reference/test_predictions.csv`,
 * outside the repository; a spec checks this table against it when the file is present). The synthetic
 * dataset draws its labels in these proportions.
 */

/** Real A2D test-split videos per label code (10 * actor + action); the 36 video-level pairs. */
export const A2D_TEST_PAIR_COUNTS: Readonly<Record<number, number>> = Object.freeze({
  11: 20, 12: 20, 13: 20, 15: 20, 16: 20, 17: 20, 18: 20,
  21: 21, 22: 20, 26: 21, 28: 21,
  34: 20, 35: 21, 36: 21,
  41: 20, 43: 20, 44: 21, 45: 19, 46: 21, 48: 21,
  54: 21, 55: 21, 56: 20, 57: 21,
  61: 21, 63: 21, 65: 21, 66: 19, 67: 20, 68: 20,
  72: 21, 73: 21, 75: 21, 76: 20, 77: 19, 78: 32,
});

/** Videos in the real A2D dataset (all splits) and in its test split: the usage ratio the generator follows. */
export const A2D_VIDEO_COUNT = 3782;
/** Videos in the real A2D test split. */
export const A2D_TEST_VIDEO_COUNT = 746;
