/**
 * Groups the decodes that are waiting into shared ffmpeg processes (`decodeFramesBatch`): at most `maxProcesses`
 * run at once, each taking up to `maxClips` of the waiting videos in the order they were asked for. Requests made
 * while every process is busy wait and leave together, so batches fill up exactly when decoding is the bottleneck.
 */
import type { VideoDecodeError } from '@a2d/core';
import { decodeFramesBatch, type DecodedFrames, type DecodeFramesOptions, type DecodeRequest } from './ffmpeg/index';

interface Waiting {
  request: DecodeRequest;
  resolve: (frames: DecodedFrames) => void;
  reject: (error: unknown) => void;
}

/** Shares ffmpeg processes between the decodes that wait at the same time. */
export class DecodeBatcher {
  private readonly waiting: Waiting[] = [];
  private running = 0;
  private scheduled = false;

  constructor(
    /** Videos per ffmpeg process (1 turns batching off). */
    readonly maxClips: number,
    /** ffmpeg processes at once. */
    readonly maxProcesses: number,
  ) {
    if (!Number.isInteger(maxClips) || maxClips < 1) throw new RangeError(`DecodeBatcher: maxClips must be a positive integer, got ${maxClips}`);
    if (!Number.isInteger(maxProcesses) || maxProcesses < 1) {
      throw new RangeError(`DecodeBatcher: maxProcesses must be a positive integer, got ${maxProcesses}`);
    }
  }

  /** What `decodeFrames(file, options)` gives, decoded in a process shared with other waiting videos. */
  decode(file: string, options: DecodeFramesOptions): Promise<DecodedFrames> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request: { file, options }, resolve, reject });
      this.schedule();
    });
  }

  /** Starts processes on the next turn of the event loop, so requests made together leave together. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    while (this.running < this.maxProcesses && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxClips);
      this.running++;
      decodeFramesBatch(batch.map((entry) => entry.request))
        .then(
          (results) =>
            results.forEach((result, i) => {
              if (isDecodeError(result)) batch[i].reject(result);
              else batch[i].resolve(result);
            }),
          (error: unknown) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          this.running--;
          this.drain();
        });
    }
  }
}

function isDecodeError(result: DecodedFrames | VideoDecodeError): result is VideoDecodeError {
  return result instanceof Error;
}
