export * from './records';
export * from './videoset';
export * from './splits';
export * from './statistics';
export * from './ffmpeg';
export * from './sampling';
export * from './frame-cache';
export * from './decode-batcher';
export * from './clip-source';
export * from './loader';
/** Secondary surface for tests (this and other packages): real mp4 fixtures with readable frame numbers. */
export * as videoFixtures from './testing/make-videos';
export * from './video-file';
export * from './clip-availability';
/** Secondary surface for tests (this and other packages): ffmpeg/ffprobe stand-in scripts (old, refusing, hanging). */
export * as toolFixtures from './testing/fake-tools';
