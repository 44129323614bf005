/**
 * `@a2d/ingest/testing`: fixtures for specs and benches only (this package's and others'). Never exported by
 * `@a2d/ingest`'s index, so production code and bundles never see them.
 */

/** Real mp4 fixtures with readable frame numbers (`writePatternVideo`, `writeFixtureDataset`, broken files, ...). */
export * as videoFixtures from './make-videos';

/** ffmpeg/ffprobe stand-in scripts (old, refusing, hanging) and `withEnv` to point `FFMPEG_PATH` at them. */
export * as toolFixtures from './fake-tools';
