/**
 * Any video file as a one-video dataset, so that `ClipSource` / `DataLoader` sample it exactly as they sample a
 * dataset video: a `VideoRecord` (id = the file name without `.mp4`, frame count and size from ffprobe) and the
 * root + clips folder under which `clipPath` finds the file. A file whose name does not end in `.mp4` is reached
 * through a symlink `<name>.mp4` in a folder the caller owns (ffmpeg reads the container, not the name).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { decodeLabel } from '@a2d/core';
import { probeVideo, type VideoProbe } from './ffmpeg/index';
import { clipPath, type VideoRecord } from './records';

/** Label given to a file's record: a file has no ground truth, and the loader needs a valid class (adult-climbing). */
export const UNLABELLED_VIDEO_LABEL = 11;

/** Where a video file's symlink may go. */
export interface VideoFileRecordOptions {
  /** A folder the caller owns (and removes): holds `<name>.mp4` for a file not named `*.mp4`. */
  linkDir: string;
  /** ffprobe's time limit (default: `probeVideo`'s, 120 s). */
  timeoutSeconds?: number;
}

/** A video file seen as a dataset of one video. */
export interface VideoFileRecord {
  /** The file as given. */
  file: string;
  /** Its record: `label` is `UNLABELLED_VIDEO_LABEL`, `numFrames` and the size are ffprobe's. */
  record: VideoRecord;
  /** `data.root` and `data.clipsDir` under which `clipPath(root, clipsDir, record.videoId)` is the file (or its link). */
  root: string;
  clipsDir: string;
  probe: VideoProbe;
}

/**
 * Probes `file` and describes it as a one-video dataset. A missing, empty, corrupt or video-less file is a
 * `VideoDecodeError` naming `file`.
 */
export async function videoFileRecord(file: string, options: VideoFileRecordOptions): Promise<VideoFileRecord> {
  const probe = await probeVideo(file, { timeoutSeconds: options.timeoutSeconds });
  const base = path.basename(file);
  const isMp4 = base.endsWith('.mp4') && base.length > '.mp4'.length;
  const videoId = isMp4 ? base.slice(0, -'.mp4'.length) : base.replace(/\.[^.]+$/, '') || base;
  let root = path.dirname(path.resolve(file));
  if (!isMp4) {
    root = path.resolve(options.linkDir);
    await fs.mkdir(root, { recursive: true });
    const link = clipPath(root, '.', videoId);
    await fs.rm(link, { force: true });
    await fs.symlink(path.resolve(file), link);
  }
  const { actorId, actionId, actor, action } = decodeLabel(UNLABELLED_VIDEO_LABEL);
  const record: VideoRecord = {
    videoId,
    label: UNLABELLED_VIDEO_LABEL,
    actorId,
    actionId,
    actor,
    action,
    startTime: 0,
    endTime: probe.durationSeconds,
    height: probe.height,
    width: probe.width,
    numFrames: probe.numFrames,
    numAnnotatedFrames: 0,
    usage: 'test',
    line: 0,
  };
  return { file, record, root, clipsDir: '.', probe };
}
