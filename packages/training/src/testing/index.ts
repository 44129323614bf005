/**
 * `@a2d/training/testing`: fixtures for specs and benches only (this package's and other projects'). Never
 * exported by `@a2d/training`'s index, so production code and bundles never see them.
 */

/** The tiny synthetic dataset, a small fast config on it, and a trained tiny experiment (`makeTinyDataset`, ...). */
export * as trainingFixtures from './tiny-experiment';

/** An experiment folder with only its `config.json`, for specs of the folder's readers. */
export { writeExperimentConfigFile } from './experiment-config-file';
