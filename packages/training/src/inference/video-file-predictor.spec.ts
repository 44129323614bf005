import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FfmpegToolsError } from '@a2d/ingest';
import { toolFixtures } from '@a2d/ingest/testing';
import { VideoFilePredictor } from './video-file-predictor';

describe('VideoFilePredictor.open', () => {
  it('checks ffmpeg/ffprobe before anything else: one line naming a too-old ffmpeg', async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'a2d-predictor-tools-'));
    const oldFfmpeg = toolFixtures.writeFakeFfmpeg(path.join(base, 'ffmpeg-4.4'), { version: '4.4.2', refuseOptions: ['-fps_mode'] });
    // No experiment exists: without the check first, this would be a CheckpointError.
    const error = await toolFixtures
      .withEnv({ FFMPEG_PATH: oldFfmpeg }, () => VideoFilePredictor.open({ experimentDir: path.join(base, 'experiments', 'none') }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegToolsError);
    expect((error as Error).message).toMatch(/^ffmpeg \(.*ffmpeg-4\.4\): version 4\.4\.2 is too old: need 5\.1 or newer/);
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });
});
