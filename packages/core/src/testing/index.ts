/**
 * `@a2d/core/testing`: helpers for specs only. Never exported by `@a2d/core`'s index, so production code and
 * bundles never see them.
 */
export {
  describeWithReferenceFixture,
  referenceFixture,
  referenceFixtureDir,
  referenceFixtureMissing,
  REFERENCE_FIXTURE_ENV,
  REFERENCE_PREDICTIONS_FILE,
  workspaceRoot,
} from './reference-fixture';
export { describeWithTinyFilesystem, mountTinyFilesystem, type TinyFilesystem } from './tiny-filesystem';
export { nxForwardedArgs, nxProcessArgv } from './nx-command-line';
