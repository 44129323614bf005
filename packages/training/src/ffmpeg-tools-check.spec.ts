import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { a2dConfigSchema } from '@a2d/core';
import { initEngine, type EngineInfo } from '@a2d/engine';
import { FfmpegToolsError } from '@a2d/ingest';
import { toolFixtures } from '@a2d/ingest/testing';
import { evaluateExperiment } from './evaluate-experiment';
import { experimentPaths } from './experiment';
import { runTraining } from './train-run';

// Training and evaluation check ffmpeg/ffprobe before reading any data: with an ffmpeg too old for `-fps_mode`
// they stop with one `FfmpegToolsError` line, not after skipping every video. (No dataset exists here at all: the
// check comes first, or the error would be about the missing videoset.)
const base = mkdtempSync(path.join(os.tmpdir(), 'a2d-tools-check-'));
const oldFfmpeg = toolFixtures.writeFakeFfmpeg(path.join(base, 'ffmpeg-4.4'), { version: '4.4.2', refuseOptions: ['-fps_mode'] });
let engine: EngineInfo;
beforeAll(async () => {
  engine = await initEngine({ backend: 'cpu', log: () => undefined });
});

async function failure(body: () => Promise<unknown>): Promise<Error> {
  const error = await toolFixtures.withEnv({ FFMPEG_PATH: oldFfmpeg }, body).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FfmpegToolsError);
  expect((error as Error).message).toMatch(/^ffmpeg \(.*ffmpeg-4\.4\): version 4\.4\.2 is too old: need 5\.1 or newer/);
  expect((error as Error).message.split('\n')).toHaveLength(1);
  return error as Error;
}

describe('ffmpeg/ffprobe check at run start', () => {
  it('runTraining stops before reading the dataset', async () => {
    const config = a2dConfigSchema.parse({ data: { root: path.join(base, 'no-dataset') }, experiment: { dir: path.join(base, 'experiments') } });
    await failure(() =>
      runTraining({ config, name: 'x', paths: experimentPaths(config.experiment.dir, 'x'), engine, resume: false, force: false, log: () => undefined, warn: () => undefined }),
    );
  });

  it('evaluateExperiment stops before looking for the checkpoint', async () => {
    await failure(() => evaluateExperiment({ experimentDir: path.join(base, 'experiments', 'none'), split: 'test' }));
  });
});
