/** Renders one planned clip and streams its frames into the atomic H.264 encoder of `@a2d/ingest`. */
import { A2dError, Rng } from '@a2d/core';
import { createRawVideoEncoder, encodeRawVideos, type RawVideoEncoderOptions } from '@a2d/ingest';
import { ClipRenderer } from './clip-renderer';
import type { PlannedClip } from './dataset-plan';
import { composeScene, type ClipScene } from './scene';

/** x264 quality of generated clips: thin limbs and patterns survive scaling, files stay small. */
const ENCODE_CRF = 23;

/** The scene of a planned clip (pure function of the clip's seed and format). */
export function sceneOfClip(clip: PlannedClip): ClipScene {
  return composeScene(new Rng(clip.seed).fork('scene'), {
    actor: clip.actor,
    action: clip.action,
    width: clip.renderWidth,
    height: clip.renderHeight,
    fps: clip.fps,
    numFrames: clip.numFrames,
    difficulty: clip.difficulty,
  });
}

/** Thrown when a write is cancelled through its `AbortSignal`. */
export class GenerationAbortedError extends A2dError {
  constructor(readonly file: string) {
    super(`${file}: generation aborted`);
  }
}

function encoderOptions(clip: PlannedClip): RawVideoEncoderOptions {
  return { width: clip.renderWidth, height: clip.renderHeight, fps: clip.fps, outputHeight: clip.height, crf: ENCODE_CRF, preset: clip.encoderPreset };
}

/**
 * Writes the clip to `file` (an `.mp4` that appears only when complete). On failure or abort the
 * partial output is removed and the error rethrown: a failed or timed-out ffmpeg is a `VideoEncodeError` naming `file`.
 */
export async function writeClip(clip: PlannedClip, file: string, signal?: AbortSignal): Promise<void> {
  const renderer = new ClipRenderer(sceneOfClip(clip));
  const encoder = createRawVideoEncoder(file, encoderOptions(clip));
  const frame = new Uint8Array(clip.renderWidth * clip.renderHeight * 3);
  try {
    for (let i = 0; i < clip.numFrames; i++) {
      if (signal?.aborted) throw new GenerationAbortedError(file);
      renderer.renderFrame(i, frame);
      await encoder.write(frame);
    }
    await encoder.end();
  } catch (error) {
    await encoder.abort();
    throw error;
  }
}

/**
 * Writes several clips with one ffmpeg process (`encodeRawVideos`), each file byte-identical to what `writeClip`
 * writes. Their frames are rendered up front, so callers bound a batch's frames. If the shared process fails (its
 * `VideoEncodeError` names only the first clip), the clips are written one by one, so a failure is reported against
 * its own clip.
 */
export async function writeClips(clips: readonly PlannedClip[], files: readonly string[], signal?: AbortSignal): Promise<void> {
  if (clips.length === 1) return writeClip(clips[0], files[0], signal);
  const batch = clips.map((clip, i) => {
    const renderer = new ClipRenderer(sceneOfClip(clip));
    const frames = Array.from({ length: clip.numFrames }, (_, frame) => {
      const data = new Uint8Array(clip.renderWidth * clip.renderHeight * 3);
      renderer.renderFrame(frame, data);
      return data;
    });
    return { file: files[i], options: encoderOptions(clip), frames };
  });
  if (signal?.aborted) throw new GenerationAbortedError(files[0]);
  try {
    await encodeRawVideos(batch, signal);
  } catch {
    if (signal?.aborted) throw new GenerationAbortedError(files[0]);
    for (const [i, clip] of clips.entries()) await writeClip(clip, files[i], signal);
  }
}
