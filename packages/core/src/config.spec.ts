import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { a2dConfigSchema } from './config/root';
import { ConfigError } from './errors';
import { envOverrides, loadConfig, parseArgs, parseConfig } from './config/load';

describe('config', () => {
  it('fills every default from an empty object', () => {
    const config = parseConfig(a2dConfigSchema, {});
    expect(config.data.root).toBe('data/a2d-synth');
    expect(config.data.sampling.numFrames).toBe(8);
    expect(config.augment.cropSize).toBe(112);
  });

  it('names the path, the expectation and the bad value', () => {
    expect(() => parseConfig(a2dConfigSchema, { data: { valFraction: 2 } })).toThrow(ConfigError);
    // Both problems in one error, so a user fixes them in one go.
    const parse = () => parseConfig(a2dConfigSchema, { data: { valFraction: 2, sampling: { numFrames: -1 } } });
    expect(parse).toThrow(/data\.valFraction: .*0\.9.*got 2/);
    expect(parse).toThrow(/data\.sampling\.numFrames: .*got -1/);
  });

  it('layers file < environment < command line', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-config-'));
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ seed: 1, data: { root: 'from-file', valFraction: 0.2 } }));
    const env = envOverrides({ A2D_DATA__ROOT: 'from-env', A2D_DATA__SAMPLING__NUM_FRAMES: '4', HOME: '/x' });
    expect(env).toEqual({ data: { root: 'from-env', sampling: { numFrames: 4 } } });
    const { overrides, flags } = parseArgs(['--data.root=from-cli', '--out', 'x', '--seed', '9', '--verbose'], {
      seed: 'seed',
    });
    expect(flags).toEqual({ out: 'x', verbose: true });
    const config = loadConfig(a2dConfigSchema, { file, env: { A2D_DATA__ROOT: 'from-env' }, overrides });
    expect(config.data.root).toBe('from-cli');
    expect(config.data.valFraction).toBe(0.2);
    expect(config.seed).toBe(9);
  });

  it('keeps an environment value as text where the key takes text, and reads JSON where it fits', () => {
    const config = loadConfig(a2dConfigSchema, { env: { A2D_DATA__ROOT: '2024', A2D_DATA__SAMPLING__NUM_FRAMES: '4', A2D_EXPERIMENT__DIR: 'true' } });
    expect(config.data.root).toBe('2024');
    expect(config.data.sampling.numFrames).toBe(4);
    expect(config.experiment.dir).toBe('true');
    expect(() => loadConfig(a2dConfigSchema, { env: { A2D_DATA__SAMPLING__NUM_FRAMES: 'four' } })).toThrow(/data\.sampling\.numFrames/);
  });

  it('reports an unreadable or malformed config file by name', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-config-'));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '{ nope');
    expect(() => loadConfig(a2dConfigSchema, { file })).toThrow(/bad\.json/);
    expect(() => loadConfig(a2dConfigSchema, { file: path.join(dir, 'missing.json') })).toThrow(/cannot read/);
  });
});
