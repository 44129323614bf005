/**
 * Test fixture: the `tiny` synthetic dataset (real H.264 clips), with a second videoset whose test rows are
 * moved to train so that a validation split exists, and a small fast model config on top of it.
 */
import { linkSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { a2dConfigSchema, mergeTrees, type A2dConfig, type ConfigTree } from '@a2d/core';
import { initEngine } from '@a2d/engine';
import { generateDataset, parseGenerateOptions } from '@a2d/synth';
import { experimentPaths } from '../experiment';
import { runTraining } from '../train-run';

/**
 * Generates the tiny dataset into `root` (each of the 36 pairs once) and writes `videoset-val.csv`: every clip
 * twice (a hard-linked second id `<id>x`), all as training rows, so that every label can give one video to the
 * validation split; the originals' test rows stay test rows.
 */
export async function makeTinyDataset(root: string): Promise<void> {
  await generateDataset(parseGenerateOptions({ size: 'tiny', out: root, seed: 0, workers: 2 }));
  const rows = readFileSync(path.join(root, 'videoset.csv'), 'utf8').trim().split('\n');
  const copies = rows.map((row) => {
    const [id, ...rest] = row.split(',');
    linkSync(path.join(root, 'clips320H', `${id}.mp4`), path.join(root, 'clips320H', `${id}x.mp4`));
    return [`${id}x`, ...rest.slice(0, -1), '0'].join(',');
  });
  writeFileSync(path.join(root, 'videoset-val.csv'), `${[...rows, ...copies].join('\n')}\n`);
}

/** A config that trains in seconds on the tiny dataset: 4 frames of 48 px, a 1-layer 16-wide transformer. */
export function tinyConfig(root: string, experimentsDir: string, overrides: ConfigTree = {}): A2dConfig {
  const base: ConfigTree = {
    seed: 3,
    data: {
      root,
      videosetFile: 'videoset-val.csv',
      valFraction: 0.25,
      decode: { height: 60, width: 80, cacheFrames: 8, cacheDir: path.join(root, '.cache') },
      sampling: { numFrames: 4 },
      loader: { batchSize: 6 },
    },
    augment: { cropSize: 48, mixup: { alpha: 0.4, prob: 0.5 } },
    model: { hiddenDim: 16, numHeads: 2, numLayers: 1, actionEmbeddingDim: 8, maxRelativeDistance: 4 },
    train: { epochs: 4, workers: 2, optimizer: { lr: 3e-3 }, schedule: { warmupEpochs: 1 }, ema: { enabled: true, decay: 0.9 } },
    experiment: { dir: experimentsDir },
  };
  return a2dConfigSchema.parse(mergeTrees(base, overrides));
}

/**
 * Trains experiment `name` (default `tiny`) of `tinyConfig(root, experimentsDir, overrides)` on the wasm backend,
 * quietly, and returns its folder: the trained experiment the evaluator's and viewer's tests start from.
 */
export async function trainTinyExperiment(root: string, experimentsDir: string, options: { name?: string; overrides?: ConfigTree } = {}): Promise<string> {
  const name = options.name ?? 'tiny';
  const engine = await initEngine({ backend: 'wasm', log: () => undefined });
  const config = tinyConfig(root, experimentsDir, options.overrides ?? { train: { epochs: 2 } });
  await runTraining({ config, name, paths: experimentPaths(experimentsDir, name), engine, resume: false, force: false, log: () => undefined, warn: () => undefined });
  return path.join(experimentsDir, name);
}
