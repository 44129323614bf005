import { a2dConfigSchema, ConfigError, loadConfig, parseArgs, parseConfig } from '@a2d/core';

describe('engine config section', () => {
  it('defaults to auto and takes --backend through the engine.backend alias', () => {
    expect(parseConfig(a2dConfigSchema, {}).engine).toEqual({ backend: 'auto' });
    const { overrides } = parseArgs(['--backend', 'wasm'], { backend: 'engine.backend' });
    expect(loadConfig(a2dConfigSchema, { overrides }).engine.backend).toBe('wasm');
  });

  it('takes --backend=native (wasm with the oneDNN kernels, only when asked for)', () => {
    const { overrides } = parseArgs(['--backend=native'], { backend: 'engine.backend' });
    expect(loadConfig(a2dConfigSchema, { overrides }).engine.backend).toBe('native');
  });

  it('rejects an unknown backend naming the field and the choices', () => {
    expect(() => parseConfig(a2dConfigSchema, { engine: { backend: 'gpu' } })).toThrow(ConfigError);
    expect(() => parseConfig(a2dConfigSchema, { engine: { backend: 'gpu' } })).toThrow(/engine\.backend: .*"tensorflow-gpu".*got "gpu"/);
  });
});
