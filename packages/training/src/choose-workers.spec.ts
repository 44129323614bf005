import { a2dConfigSchema } from '@a2d/core';
import type { EngineInfo } from '@a2d/engine';
import { chooseWorkers } from './train-run';

const engine = (backend: EngineInfo['backend']): EngineInfo => ({
  requested: 'auto',
  backend,
  tfjsBackend: backend === 'native' ? 'wasm' : backend,
  reason: 'test',
  skipped: [],
  tfjsVersion: '4.22.0',
});

describe('chooseWorkers (train.workers = auto)', () => {
  const auto = a2dConfigSchema.parse({});

  it('trains native in one process: its heavy kernels use every core through oneDNN threads (measured faster than replicas)', () => {
    const choice = chooseWorkers(auto, engine('native'), 2);
    expect(choice.workers).toBe(1);
    expect(choice.reason).toMatch(/oneDNN threads over all 2 cores/);
  });

  it.each(['wasm', 'cpu'] as const)('gives %s one worker thread per core (one thread per instance)', (backend) => {
    expect(chooseWorkers(auto, engine(backend), 2).workers).toBe(2);
    expect(chooseWorkers(auto, engine(backend), 1)).toEqual({ workers: 1, reason: 'auto: only 1 core' });
  });

  it.each(['tensorflow', 'tensorflow-gpu'] as const)('runs %s in-process', (backend) => {
    expect(chooseWorkers(auto, engine(backend), 8).workers).toBe(1);
  });

  it('follows an explicit train.workers whatever the backend', () => {
    const three = a2dConfigSchema.parse({ train: { workers: 3 } });
    expect(chooseWorkers(three, engine('native'), 2)).toEqual({ workers: 3, reason: 'train.workers = 3' });
  });
});
