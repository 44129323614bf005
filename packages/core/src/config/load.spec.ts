import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors';
import { parseCommandLine } from '../command-line';
import { z } from 'zod';
import { envVariableName, loadConfig, nonConfigEnvVariables, parseConfig, setPath, type ConfigTree } from './load';
import { a2dConfigSchema } from './root';
import { configKeyPaths } from './schema-keys';

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function configFile(contents: unknown): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'a2d-config-')), 'run.json');
  writeFileSync(file, JSON.stringify(contents));
  return file;
}

describe('unknown config keys', () => {
  it('every object of the config tree rejects an unknown key, naming its full path', () => {
    const defaults = parseConfig(a2dConfigSchema, {}) as unknown as ConfigTree;
    const objectPaths = [[], ...configKeyPaths(a2dConfigSchema)].filter((keys) => {
      const value = keys.reduce<unknown>((node, key) => (node as ConfigTree | undefined)?.[key], defaults);
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    });
    // The root, the 7 sections and their nested objects (sampling, decode, loader, optimizer, schedule, ...).
    expect(objectPaths.length).toBeGreaterThan(20);
    const accepted = objectPaths.filter((keys) => {
      const tree: ConfigTree = {};
      setPath(tree, [...keys, 'notAKey'].join('.'), 1);
      const result = a2dConfigSchema.safeParse(tree);
      return result.success;
    });
    expect(accepted.map((keys) => keys.join('.') || '(root)')).toEqual([]);
  });

  it('suggests the closest known key, as a full dotted path', () => {
    expect(configError(() => parseConfig(a2dConfigSchema, { data: { valFracton: 0.2 } })).issues).toEqual([
      { path: 'data.valFracton', message: 'unknown key; did you mean data.valFraction?' },
    ]);
    // A key at the wrong level is found where it lives.
    expect(configError(() => parseConfig(a2dConfigSchema, { data: { batchSize: 4 }, train: { lr: 1 } })).issues).toEqual([
      { path: 'data.batchSize', message: 'unknown key; did you mean data.loader.batchSize?' },
      { path: 'train.lr', message: 'unknown key; did you mean train.optimizer.lr?' },
    ]);
    // Inside a union member (explicit class weights) too.
    const weights = { action: [1, 1, 1, 1, 1, 1, 1, 1], actor: [1, 1, 1, 1, 1, 1, 1], actr: 1 };
    expect(configError(() => parseConfig(a2dConfigSchema, { loss: { classWeights: weights } })).message).toContain(
      'loss.classWeights.actr: unknown key; did you mean loss.classWeights.actor?',
    );
    // Nothing close: the keys that exist there.
    expect(configError(() => parseConfig(a2dConfigSchema, { zzzzzz: 1 })).message).toContain(
      'zzzzzz: unknown key (known keys: seed, data, augment, engine, loss, model, train, experiment)',
    );
  });

  it('rejects a typo on the command line, in the environment and in a config file, each named as the source', () => {
    const { overrides } = parseCommandLine(['--data.valFracton=0.2'], { flags: z.object({}) });
    const cli = configError(() => loadConfig(a2dConfigSchema, { env: { HOME: '/home/x' }, overrides }));
    expect(cli.source).toBe('command line');
    expect(cli.message).toBe('invalid configuration (command line):\n  data.valFracton: unknown key; did you mean data.valFraction?');

    const env = configError(() => loadConfig(a2dConfigSchema, { env: { A2D_DATA__VAL_FRACTON: '0.2' }, overrides: {} }));
    expect(env.source).toBe('environment (A2D_DATA__VAL_FRACTON)');
    expect(env.issues).toEqual([{ path: 'data.valFracton', message: 'unknown key; did you mean data.valFraction (A2D_DATA__VAL_FRACTION)?' }]);

    const file = configFile({ data: { valFracton: 0.2 } });
    const fromFile = configError(() => loadConfig(a2dConfigSchema, { file, env: {}, overrides: {} }));
    expect(fromFile.source).toBe(file);
    expect(fromFile.issues).toEqual([{ path: 'data.valFracton', message: 'unknown key; did you mean data.valFraction?' }]);
  });
});

describe('the source a config error names', () => {
  it('is the command line when the environment sets nothing (not "environment + command line")', () => {
    const error = configError(() => loadConfig(a2dConfigSchema, { env: { HOME: '/home/x', PATH: '/bin' }, overrides: { data: { valFraction: 2 } } }));
    expect(error.source).toBe('command line');
    expect(error.message).toMatch(/^invalid configuration \(command line\):\n {2}data\.valFraction: .*got 2$/);
  });

  it('names the variable that set a bad value, and the file for a value from the file', () => {
    const env = configError(() => loadConfig(a2dConfigSchema, { env: { A2D_DATA__VAL_FRACTION: '2', A2D_SEED: '1' }, overrides: {} }));
    expect(env.source).toBe('environment (A2D_DATA__VAL_FRACTION)');
    const file = configFile({ data: { valFraction: 2 } });
    expect(configError(() => loadConfig(a2dConfigSchema, { file, env: { HOME: '/x' }, overrides: { seed: 1 } })).source).toBe(file);
  });

  it('blames the source that won the merge', () => {
    const file = configFile({ data: { valFraction: 0.2 } });
    expect(configError(() => loadConfig(a2dConfigSchema, { file, overrides: { data: { valFraction: 2 } } })).source).toBe('command line');
    // The file's bad value is overridden: nothing to report.
    const bad = configFile({ data: { valFraction: 2 } });
    expect(loadConfig(a2dConfigSchema, { file: bad, env: { A2D_DATA__VAL_FRACTION: '0.3' } }).data.valFraction).toBe(0.3);
  });

  it('names each problem its own source when they differ', () => {
    const file = configFile({ model: { hiddenDim: 63 } });
    const error = configError(() => loadConfig(a2dConfigSchema, { file, env: { A2D_TRAIN__EPOCHS: '0' }, overrides: { data: { valFracton: 1 } } }));
    expect(error.source).toBe(`${file} + environment (A2D_TRAIN__EPOCHS) + command line`);
    const lines = error.message.split('\n').slice(1);
    // model.numHeads keeps its default: the hiddenDim the file set is what it fails against.
    expect(lines).toEqual([
      '  data.valFracton: unknown key; did you mean data.valFraction? (from command line)',
      `  model.numHeads: expected a divisor of hiddenDim (63), got 4 (from ${file})`,
      expect.stringMatching(/^ {2}train\.epochs: .*got 0 \(from environment \(A2D_TRAIN__EPOCHS\)\)$/),
    ]);
  });

  it('spells the variable of a config path as the environment takes it', () => {
    expect(envVariableName(['data', 'sampling', 'numFrames'])).toBe('A2D_DATA__SAMPLING__NUM_FRAMES');
    expect(envVariableName(['train', 'optimizer', 'beta1'])).toBe('A2D_TRAIN__OPTIMIZER__BETA1');
    const config = loadConfig(a2dConfigSchema, { env: { [envVariableName(['data', 'sampling', 'numFrames'])]: '4' } });
    expect(config.data.sampling.numFrames).toBe(4);
  });

  it('leaves the A2D_ variables that are settings of their own (the native addon path, the test Python) out of the config', () => {
    expect(nonConfigEnvVariables).toEqual(['A2D_NATIVE_ADDON', 'A2D_TEST_PYTHON']);
    const config = loadConfig(a2dConfigSchema, { env: { A2D_NATIVE_ADDON: '/nonexistent', A2D_TEST_PYTHON: '/usr/bin/python3', A2D_SEED: '3' } });
    expect(config.seed).toBe(3);
  });
});
