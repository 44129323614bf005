/**
 * The error of a broken ffmpeg installation, in its own file because two modules raise it: `process.ts` when a
 * binary cannot be started at all, `tool-check.ts` when it starts but is too old or refuses an option we use.
 */
import { A2dError } from '@a2d/core';

/** The two programs this package runs. */
export type FfmpegTool = 'ffmpeg' | 'ffprobe';

/**
 * ffmpeg or ffprobe cannot do what this project needs: it cannot be started, is too old, or refuses an option we
 * use. An installation problem, not a bad video: it stops the run (see `checkFfmpegTools`).
 */
export class FfmpegToolsError extends A2dError {
  constructor(
    /** `ffmpeg` or `ffprobe`. */
    readonly tool: FfmpegTool,
    /** The binary that was run (`FFMPEG_PATH` / `FFPROBE_PATH`, or the name looked up on the PATH). */
    readonly binary: string,
    readonly reason: string,
  ) {
    super(`${tool} (${binary}): ${reason}`);
  }
}
