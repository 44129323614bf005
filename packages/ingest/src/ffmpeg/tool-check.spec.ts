import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withEnv, writeFakeFfmpeg } from '../testing/fake-tools';
import { checkFfmpegTools } from './tool-check';
import { FfmpegToolsError } from './tools-error';

describe('checkFfmpegTools', () => {
  const tools = mkdtempSync(path.join(os.tmpdir(), 'a2d-tools-'));
  const rejection = async (env: Record<string, string>): Promise<FfmpegToolsError> => {
    const error = await withEnv(env, () => checkFfmpegTools({ timeoutSeconds: 30 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegToolsError);
    expect((error as Error).message.split('\n')).toHaveLength(1);
    return error as FfmpegToolsError;
  };

  it('accepts the installed ffmpeg and ffprobe and reports their versions', async () => {
    const found = await checkFfmpegTools();
    expect(found.ffmpeg.binary).toBe(process.env.FFMPEG_PATH || 'ffmpeg');
    expect(found.ffmpeg.version).toMatch(/^n?\d+\.\d+|^N-/);
    expect(found.ffprobe.version.length).toBeGreaterThan(0);
  });

  it('refuses an ffmpeg older than 5.1 by its version', async () => {
    const old = writeFakeFfmpeg(path.join(tools, 'ffmpeg-4.4'), { version: '4.4.2-0ubuntu0.22.04.1' });
    const error = await rejection({ FFMPEG_PATH: old });
    expect(error.message).toMatch(/^ffmpeg \(.*ffmpeg-4\.4\): version 4\.4\.2-0ubuntu0\.22\.04\.1 is too old: need 5\.1 or newer/);
  });

  it('refuses an ffmpeg without -fps_mode whose version says nothing (a git build)', async () => {
    const git = writeFakeFfmpeg(path.join(tools, 'ffmpeg-git'), { version: 'N-109421-g5f5e8a4', refuseOptions: ['-fps_mode'] });
    const error = await rejection({ FFMPEG_PATH: git });
    expect(error.tool).toBe('ffmpeg');
    expect(error.message).toMatch(/version N-109421-g5f5e8a4: refuses the decode options .*-fps_mode passthrough.*Unrecognized option 'fps_mode'/);
  });

  it('names a binary that cannot run, and a broken ffprobe', async () => {
    expect((await rejection({ FFMPEG_PATH: path.join(tools, 'no-such-ffmpeg') })).message).toMatch(/no-such-ffmpeg\): cannot run it: .*ENOENT/);
    const ffprobe = await rejection({ FFPROBE_PATH: '/bin/false' });
    expect(ffprobe.tool).toBe('ffprobe');
    expect(ffprobe.message).toMatch(/^ffprobe \(\/bin\/false\): -version exited with code 1/);
  });
});
