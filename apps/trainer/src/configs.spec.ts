import { readdirSync } from 'node:fs';
import path from 'node:path';
import { a2dConfigSchema, loadConfig } from '@a2d/core';

const dir = path.join(__dirname, '..', 'configs');

describe('apps/trainer/configs', () => {
  it.each(readdirSync(dir).filter((file) => file.endsWith('.json')))('%s is a valid config', (file) => {
    const config = loadConfig(a2dConfigSchema, { file: path.join(dir, file) });
    expect(config.model.hiddenDim % config.model.numHeads).toBe(0);
  });

  it('the CPU default file says what the built-in defaults are', () => {
    const fromFile = loadConfig(a2dConfigSchema, { file: path.join(dir, 'cpu-default.json') });
    expect(fromFile).toEqual(a2dConfigSchema.parse({}));
  });

  it('the EfficientNet-B4 file reproduces the original setup', () => {
    const config = loadConfig(a2dConfigSchema, { file: path.join(dir, 'a2d-efficientnet-b4.json') });
    expect([config.model.backbone, config.data.sampling.numFrames, config.augment.cropSize, config.loss.kind, config.model.sharedBackbone]).toEqual(['efficientnet-b4', 16, 192, 'focal', false]);
  });
});
