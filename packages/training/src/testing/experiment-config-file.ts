/** An experiment folder holding only a valid `config.json`, for specs of readers (the reporter, the viewer). */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { a2dConfigSchema, type A2dConfig } from '@a2d/core';
import { trainingConfigHash, writeExperimentConfig } from '../experiment';

/**
 * Writes `<experimentsDir>/<name>/config.json` for a default config of `kind` whose dataset root does not exist
 * (`<experimentsDir>/no-such-dataset`), as if the run had trained in-process on the cpu backend; returns the config.
 */
export async function writeExperimentConfigFile(experimentsDir: string, name: string, kind: 'two-step' | 'one-step' = 'two-step'): Promise<A2dConfig> {
  const root = path.join(experimentsDir, name);
  mkdirSync(root, { recursive: true });
  const config = a2dConfigSchema.parse({ data: { root: path.join(experimentsDir, 'no-such-dataset') }, model: { kind }, experiment: { dir: experimentsDir } });
  await writeExperimentConfig(path.join(root, 'config.json'), {
    format: 'a2d-experiment',
    version: 1,
    name,
    createdAt: '2026-01-01T00:00:00.000Z',
    configHash: trainingConfigHash(config),
    config,
    engine: { backend: 'cpu' },
    trainer: { workers: 1, mode: 'in-process' },
  });
  return config;
}
