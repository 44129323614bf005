/**
 * Decoding in the browser: the file's own frame table (`readMp4FrameTable`) says when frame i is shown; the video
 * element seeks to the middle of that frame and a canvas draws it scaled to the decode size (as ffmpeg's
 * `scale=W:H` does in Node: the whole frame, aspect not kept), then its pixels are read back as rgb24.
 */
import { resizeFrameBicubic } from './frame-resize';
import { frameInterval, readMp4FrameTable, seekTimeOf, VideoFileError, type Mp4FrameTable } from './mp4-frame-table';

/** How a decoded frame reaches the decode size: swscale's bicubic in JS (default), or the canvas's own scaling. */
export type FrameScaling = 'bicubic' | 'canvas';

/** The frames a page asked for, at the decode size, by source frame number. */
export interface BrowserDecodedVideo {
  table: Mp4FrameTable;
  frames: Map<number, Uint8Array>;
  milliseconds: number;
}

const MEDIA_ERRORS: Record<number, string> = {
  1: 'loading was aborted',
  2: 'a network error stopped the download',
  3: 'the browser could not decode it (corrupt data, or a codec feature it does not support)',
  4: 'the browser cannot play this format or codec',
};

function waitFor(video: HTMLVideoElement, event: 'loadeddata' | 'seeked', file: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new VideoFileError(file, `the video element did not fire '${event}' within ${timeoutMs / 1000} s`)), timeoutMs);
    const onEvent = () => done();
    const onError = () => done(new VideoFileError(file, MEDIA_ERRORS[video.error?.code ?? 0] ?? `the browser reported error ${video.error?.code}: ${video.error?.message ?? ''}`));
    function done(error?: Error): void {
      clearTimeout(timer);
      video.removeEventListener(event, onEvent);
      video.removeEventListener('error', onError);
      if (error) reject(error);
      else resolve();
    }
    video.addEventListener(event, onEvent);
    video.addEventListener('error', onError);
  });
}

/** `requestVideoFrameCallback` where the browser has it (Chromium, Safari; Firefox from 132). */
interface FrameCallbackVideo {
  requestVideoFrameCallback(callback: (now: number, metadata: { mediaTime: number }) => void): number;
  cancelVideoFrameCallback(handle: number): void;
}

function hasFrameCallbacks(video: HTMLVideoElement): video is HTMLVideoElement & FrameCallbackVideo {
  return typeof (video as Partial<FrameCallbackVideo>).requestVideoFrameCallback === 'function';
}

/**
 * The media time of the next frame the element presents, or undefined when none is presented within `waitMs` (a
 * seek onto the frame already shown presents nothing new) or the browser has no frame callbacks.
 */
function nextPresentedFrame(video: HTMLVideoElement, waitMs: number): Promise<number | undefined> {
  if (!hasFrameCallbacks(video)) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      video.cancelVideoFrameCallback(handle);
      resolve(undefined);
    }, waitMs);
    const handle = video.requestVideoFrameCallback((_now, metadata) => {
      clearTimeout(timer);
      resolve(metadata.mediaTime);
    });
  });
}

/** The canvas pixels as rgb24 (alpha dropped). */
function rgbOf(context: CanvasRenderingContext2D, width: number, height: number): Uint8Array {
  const rgba = context.getImageData(0, 0, width, height).data;
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i];
    rgb[j + 1] = rgba[i + 1];
    rgb[j + 2] = rgba[i + 2];
  }
  return rgb;
}

/** How long to wait for a frame callback after a seek before taking the element's frame as it is. */
const FRAME_CALLBACK_WAIT_MS = 500;

/** Seeks made for one frame before a clip whose element keeps showing another frame is refused. */
const SEEK_ATTEMPTS = 3;

/** Whether a presented frame's media time falls in frame `index`'s interval (with a millisecond of rounding). */
function insideFrame(table: Mp4FrameTable, index: number, mediaTime: number): boolean {
  const { start, end } = frameInterval(table, index);
  return mediaTime >= start - 1e-3 && mediaTime < end - 1e-3;
}

/**
 * Decodes the frames `indicesFor(table)` picks from `file`'s frame table, at `width x height`. Not a video, an MP4
 * without a video track, or a codec the browser cannot play are `VideoFileError`s in words.
 */
export async function decodeVideoFrames(
  file: File,
  indicesFor: (table: Mp4FrameTable) => readonly number[],
  size: { width: number; height: number },
  scaling: FrameScaling = 'bicubic',
  timeoutMs = 15000,
): Promise<BrowserDecodedVideo> {
  const started = performance.now();
  const table = readMp4FrameTable(await file.arrayBuffer(), file.name);
  const indices = indicesFor(table);
  const codecCheck = document.createElement('video').canPlayType(`video/mp4; codecs="${table.codec}"`);
  if (codecCheck === '' && !['avc1', 'avc3'].includes(table.codec)) {
    throw new VideoFileError(file.name, `its codec '${table.codec}' is not one this browser plays`);
  }
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.playsInline = true;
  const url = URL.createObjectURL(file);
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('this browser gives no 2D canvas');
  try {
    const loaded = waitFor(video, 'loadeddata', file.name, timeoutMs);
    video.src = url;
    await loaded;
    // The canvas holds the frame at its own size for 'bicubic', at the decode size for 'canvas'.
    const drawn = scaling === 'bicubic' ? { width: video.videoWidth, height: video.videoHeight } : size;
    canvas.width = drawn.width;
    canvas.height = drawn.height;
    // After sizing: a canvas resize resets its context's state.
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    const frames = new Map<number, Uint8Array>();
    for (const index of indices) {
      if (index < 0 || index >= table.frameCount) throw new VideoFileError(file.name, `frame ${index} asked for, but the file has ${table.frameCount}`);
      // 'seeked' can fire before the element has presented the frame it seeked to; drawing then reads the frame
      // shown before (seen once in Chromium: a whole clip's probabilities 0.2 off). So wait, too, for the frame
      // callback that presents a frame inside frame `index`'s interval (registered before the seek, so it cannot
      // be missed); the last frame shown is the one drawn.
      // A busy machine can also present the old frame and then nothing new within the wait: the seek is then
      // made again (up to SEEK_ATTEMPTS in all) before the clip is refused.
      let mediaTime: number | undefined;
      for (let attempt = 0; attempt < SEEK_ATTEMPTS && (attempt === 0 || (mediaTime !== undefined && !insideFrame(table, index, mediaTime))); attempt += 1) {
        const presented = nextPresentedFrame(video, FRAME_CALLBACK_WAIT_MS);
        const seeked = waitFor(video, 'seeked', file.name, timeoutMs);
        video.currentTime = seekTimeOf(table, index) + (attempt % 2 === 0 ? 0 : 1e-4);
        await seeked;
        mediaTime = await presented;
        for (let extra = 0; mediaTime !== undefined && !insideFrame(table, index, mediaTime) && extra < 3; extra += 1) {
          mediaTime = (await nextPresentedFrame(video, FRAME_CALLBACK_WAIT_MS)) ?? mediaTime;
        }
      }
      if (mediaTime !== undefined && !insideFrame(table, index, mediaTime)) {
        throw new VideoFileError(
          file.name,
          `the browser showed the frame at ${mediaTime.toFixed(4)} s when asked for frame ${index} (${table.frameTimes[index].toFixed(4)} s)`,
        );
      }
      context.drawImage(video, 0, 0, drawn.width, drawn.height);
      frames.set(
        index,
        scaling === 'bicubic'
          ? resizeFrameBicubic(context.getImageData(0, 0, drawn.width, drawn.height).data, { ...drawn, channels: 4 }, size.width, size.height)
          : rgbOf(context, size.width, size.height),
      );
    }
    return { table, frames, milliseconds: performance.now() - started };
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}
