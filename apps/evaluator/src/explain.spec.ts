import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodePng } from '@a2d/reporting/testing';
import { VideoFilePredictor } from '@a2d/training';
import { trainingFixtures } from '@a2d/training/testing';
import { runExplainCommand, type ExplanationJson, type ExplainedStepJson } from './explain';

let base: string;
let root: string;
let experiments: string;
let experimentDir: string;

const quiet = { log: () => undefined };

function expectStep(step: ExplainedStepJson, [time, height, width]: [number, number, number]): void {
  expect(step.maps).toHaveLength(time);
  for (const frame of step.maps) {
    expect(frame).toHaveLength(height);
    for (const row of frame) {
      expect(row).toHaveLength(width);
      for (const value of row) expect(value >= 0 && value <= 1).toBe(true);
    }
  }
  expect(step.frameImportance).toHaveLength(time);
  expect(step.frameImportance.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 5);
  expect(step.probability).toBeGreaterThanOrEqual(0);
  expect(step.probability).toBeLessThanOrEqual(1);
}

beforeAll(async () => {
  base = mkdtempSync(path.join(os.tmpdir(), 'a2d-evaluator-explain-'));
  root = path.join(base, 'data');
  experiments = path.join(base, 'experiments');
  await trainingFixtures.makeTinyDataset(root);
  experimentDir = await trainingFixtures.trainTinyExperiment(root, experiments);
}, 300_000);

describe('evaluator:explain', () => {
  it('writes a JSON of both steps and a PNG strip per file; a missing file is one error line and exit 1', async () => {
    const clip = path.join(root, 'clips320H', readClipName());
    const missing = path.join(base, 'no-such-clip.mp4');
    const chunks: string[] = [];
    const outcome = await runExplainCommand([`--experiments-dir=${experiments}`, '--experiment-name=tiny', '--backend=wasm', `--video=${missing}`, `--video=${clip}`], (text) => chunks.push(text), quiet);
    expect(outcome.exitCode).toBe(1);
    expect(outcome.outDir).toBe(path.join(experimentDir, 'explanations'));
    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(`error: ${missing}: file not found`);
    const explained = outcome.files[1];
    if (!explained?.ok) throw new Error(`expected an explanation, got ${JSON.stringify(explained)}`);
    const stem = path.basename(clip, '.mp4');
    expect(explained.json).toBe(path.join(outcome.outDir, `${stem}.json`));
    expect(lines[1]).toContain(`${clip}: ${explained.action} (p ${explained.actionProbability.toFixed(4)}) -> ${explained.actor}`);
    expect(lines[1]).toContain(`wrote ${explained.json}, ${explained.png}`);

    const json = JSON.parse(readFileSync(explained.json, 'utf8')) as ExplanationJson;
    const [time, size] = json.mapShape;
    expect(json.mapShape).toEqual([time, size, size]);
    expect(time).toBeGreaterThan(1);
    expect([json.step1.label, json.step2.label, json.step2.givenAction]).toEqual([explained.action, explained.actor, explained.action]);
    expectStep(json.step1, json.mapShape);
    expectStep(json.step2, json.mapShape);

    // The clip is the one predict feeds the model: with one view and one crop, the same probabilities.
    const predictor = await VideoFilePredictor.open({ experimentDir });
    try {
      expect([predictor.settings.views, predictor.settings.crops]).toEqual([1, 1]);
      const predicted = await predictor.predict(clip);
      expect([predicted.plain.action, predicted.plain.actor]).toEqual([explained.action, explained.actor]);
      expect(json.step1.probability).toBeCloseTo(predicted.plain.actionProbability, 4);
      expect(json.step2.probability).toBeCloseTo(predicted.plain.actorProbability, 4);
    } finally {
      await predictor.close();
    }

    const png = await decodePng(readFileSync(explained.png));
    expect([png.width, png.height]).toEqual([explained.pngSize.width, explained.pngSize.height]);
    expect(png.width).toBeGreaterThanOrEqual(time * size);
    expect(png.height).toBeGreaterThan(2 * size);
  }, 300_000);
});

function readClipName(): string {
  const name = readdirSync(path.join(root, 'clips320H')).filter((file) => file.endsWith('.mp4')).sort()[0];
  if (!name) throw new Error('the tiny dataset has no clips');
  return name;
}
