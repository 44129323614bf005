import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatasetError } from '@a2d/core';
import { MetricsInputError } from './metrics-input-error';
import { TwoStepMetrics } from './two-step-metrics';
import { buildMetricsJson, readMetricsJson, writeMetricsJson, type MetricsJson } from './metrics-json';

function sampleMetrics(): MetricsJson {
  const metrics = new TwoStepMetrics();
  metrics.update([
    { trueAction: 0, predAction: 0, trueActor: 0, predActor: 0, constrained: { action: 0, actor: 0 } },
    { trueAction: 7, predAction: 6, trueActor: 6, predActor: 6, constrained: { action: 7, actor: 6 } },
  ]);
  return buildMetricsJson(metrics.compute(), { checkpoint: 'runs/a/best', views: 3, crops: 1, backend: 'wasm', tta: { flip: false } }, ['first']);
}

describe('metrics.json', () => {
  it('round-trips through an atomic write and a validating read', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-metrics-json-'));
    const file = path.join(dir, 'metrics.json');
    const metrics = sampleMetrics();
    expect(metrics.warnings[0]).toBe('first');
    await writeMetricsJson(file, metrics);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(metrics);
    expect(await readMetricsJson(file)).toEqual(metrics);
    expect(metrics).toMatchObject({ action_acc: 50, actor_acc: 100, combined_acc: 50, constrained_combined_acc: 100 });
  });

  it('reports every invalid field of a file, naming it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-metrics-json-'));
    const file = path.join(dir, 'metrics.json');
    const { actor_report: _dropped, ...rest } = sampleMetrics();
    writeFileSync(file, JSON.stringify({ ...rest, action_acc: 150, actor_report: null, extra: 1, evaluation: { ok: [1, 'a'] } }));
    const error = await readMetricsJson(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DatasetError);
    const message = (error as Error).message;
    expect(message).toContain(`${file}: invalid metrics.json:`);
    expect(message).toContain('action_acc:');
    expect(message).toContain('actor_report: null without a reason in unavailable.actor_report');
    expect(message).toMatch(/extra/);
    writeFileSync(file, '{ not json');
    await expect(readMetricsJson(file)).rejects.toThrow(`${file}: not valid JSON`);
  });

  it('refuses to write an invalid object', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-metrics-json-'));
    const bad = { ...sampleMetrics(), num_clips: 0 };
    await expect(writeMetricsJson(path.join(dir, 'metrics.json'), bad)).rejects.toBeInstanceOf(MetricsInputError);
  });
});
