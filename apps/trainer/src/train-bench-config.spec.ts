/**
 * trainer:bench resolves its config by the same rules as every command (its defaults < A2D_* environment < command
 * line), then fixes what the measurement needs whatever they say. Checked without running the bench.
 */
import path from 'node:path';
import { ConfigError } from '@a2d/core';
import { resolveBenchSetup } from '../bench/train-bench';

const base = '/tmp/bench-base';

describe('trainer:bench config', () => {
  it('runs its own 8 epochs on a dataset it makes, unless the environment or the command line says otherwise', () => {
    const plain = resolveBenchSetup([], {}, base);
    expect([plain.config.train.epochs, plain.generate, plain.config.data.root, plain.steps]).toEqual([8, true, path.join(base, 'data'), 12]);
    const fromEnv = resolveBenchSetup([], { A2D_TRAIN__EPOCHS: '3', A2D_DATA__ROOT: '/data/real', A2D_DATA__LOADER__BATCH_SIZE: '2' }, base);
    expect([fromEnv.config.train.epochs, fromEnv.generate, fromEnv.config.data.root, fromEnv.config.data.loader.batchSize]).toEqual([3, false, '/data/real', 2]);
    const flagsWin = resolveBenchSetup(['--epochs=5', '--root=/data/other', '--steps=4'], { A2D_TRAIN__EPOCHS: '3', A2D_DATA__ROOT: '/data/real' }, base);
    expect([flagsWin.config.train.epochs, flagsWin.config.data.root, flagsWin.steps]).toEqual([5, '/data/other', 4]);
  });

  it('keeps what the measurement needs (its folders, no validation split, whole batches), and names a bad value', () => {
    const { config } = resolveBenchSetup(['--data.valFraction=0.3', '--data.loader.dropLast=false', '--experiment.dir=/elsewhere'], {}, base);
    expect([config.data.valFraction, config.data.loader.dropLast, config.experiment.dir, config.data.decode.cacheDir]).toEqual([0, true, path.join(base, 'experiments'), path.join(base, 'cache')]);
    expect(() => resolveBenchSetup([], { A2D_TRAIN__EPOCHS: '0' }, base)).toThrow(ConfigError);
    expect(() => resolveBenchSetup(['--epocs=3'], {}, base)).toThrow(/--epocs: unknown option \(did you mean --epochs\?\)/);
  });
});
