import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodePng } from '@a2d/reporting/testing';
import { tf } from '@a2d/engine';
import { readSplitExplanation, VideoFilePredictor } from '@a2d/training';
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
    if (outcome.mode !== 'files') throw new Error('expected the files mode');
    expect(outcome.exitCode).toBe(1);
    expect(outcome.outDir).toBe(path.join(experimentDir, 'explanations'));
    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(`error: ${missing}: file not found`);
    const explained = outcome.files[1];
    if (!explained?.ok || explained.kind !== 'two-step') throw new Error(`expected a two-step explanation, got ${JSON.stringify(explained)}`);
    const stem = path.basename(clip, '.mp4');
    expect(explained.json).toBe(path.join(outcome.outDir, `${stem}.json`));
    expect(lines[1]).toContain(`${clip}: ${explained.action} (p ${explained.actionProbability.toFixed(4)}) -> ${explained.actor}`);
    expect(lines[1]).toContain(`wrote ${explained.json}, ${explained.png}`);

    const json = JSON.parse(readFileSync(explained.json, 'utf8')) as ExplanationJson;
    if (json.kind !== 'two-step') throw new Error(`expected a two-step JSON, got ${json.kind}`);
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

describe('evaluator:explain with the one-step baseline', () => {
  it("draws the pair's map as one row and writes it as `pair`; --split refuses the checkpoint in one line", async () => {
    await trainingFixtures.trainTinyExperiment(root, experiments, { name: 'tiny-one', overrides: { model: { kind: 'one-step' }, train: { epochs: 1 } } });
    const clip = path.join(root, 'clips320H', readClipName());
    const chunks: string[] = [];
    const out = path.join(base, 'one-step-explanations');
    const outcome = await runExplainCommand([`--experiments-dir=${experiments}`, '--experiment-name=tiny-one', '--backend=wasm', `--video=${clip}`, `--out=${out}`], (text) => chunks.push(text), quiet);
    if (outcome.mode !== 'files') throw new Error('expected the files mode');
    const [explained] = outcome.files;
    if (!explained?.ok || explained.kind !== 'one-step') throw new Error(`expected a one-step explanation, got ${JSON.stringify(explained)}`);
    expect(outcome.exitCode).toBe(0);
    expect(chunks.join('')).toBe(`${clip}: pair ${explained.actor} ${explained.action} (p ${explained.pairProbability.toFixed(4)}); wrote ${explained.json}, ${explained.png}\n`);
    const json = JSON.parse(readFileSync(explained.json, 'utf8')) as ExplanationJson;
    if (json.kind !== 'one-step') throw new Error(`expected a one-step JSON, got ${json.kind}`);
    expect([json.pair.actor, json.pair.action, json.pair.label]).toEqual([explained.actor, explained.action, `${explained.actor}-${explained.action}`]);
    expectStep(json.pair, json.mapShape);
    // One row of frames (48 px) with its caption, where the two-step strip has two.
    const png = await decodePng(readFileSync(explained.png));
    expect(png.height).toBeGreaterThan(48);
    expect(png.height).toBeLessThan(2 * 48);
    await expect(
      runExplainCommand([`--experiments-dir=${experiments}`, '--experiment-name=tiny-one', '--backend=wasm', '--split=test', '--limit=1', `--out=${path.join(base, 'one-split')}`], () => undefined, quiet),
    ).rejects.toThrow(/explains two-step models; this checkpoint is one-step/);
  }, 300_000);
});

describe('evaluator:explain --split', () => {
  it("explains the split's first clips, scores both steps' maps against the annotated boxes and writes a strip per clip", async () => {
    const chunks: string[] = [];
    const out = path.join(base, 'split-explanations');
    const tensorsBefore = tf.memory().numTensors;
    const outcome = await runExplainCommand(
      [`--experiments-dir=${experiments}`, '--experiment-name=tiny', '--backend=wasm', '--split=test', '--limit=3', `--out=${out}`],
      (text) => chunks.push(text),
      quiet,
    );
    // The model, the randomly initialised copy and every map are freed.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    if (outcome.mode !== 'split') throw new Error('expected the split mode');
    expect(outcome.exitCode).toBe(0);
    const summary = await readSplitExplanation(path.join(out, 'summary.json'));
    expect(summary).toEqual(outcome.summary);
    expect(summary.clips).toBe(3);
    expect(summary.rows).toHaveLength(3);
    expect(summary.clipsInSplit).toBeGreaterThanOrEqual(3);
    // The tiny set's clips are synthetic: each has 3-5 annotated frames, and 4 clip positions to put them in.
    expect(summary.annotatedClips).toBe(3);
    const scored = summary.rows.flatMap((row) => row.scored);
    const unscored = summary.rows.reduce((sum, row) => sum + row.unscored.unplaced + row.unscored.noActor + row.unscored.outsideCrop, 0);
    expect(scored.length).toBeGreaterThanOrEqual(3);
    expect(scored.length + unscored).toBeGreaterThanOrEqual(9);
    for (const step of ['step1', 'step2'] as const) {
      const hits = scored.filter((frame) => frame[step].hit).length;
      expect(summary.pointing[step]).toMatchObject({ frames: scored.length, hits });
      expect(summary.pointing[step].baseline).toBeCloseTo(scored.reduce((sum, frame) => sum + frame.baseline, 0) / scored.length, 12);
      const perActor = Object.values(summary.pointing.byActor).reduce((sum, steps) => sum + steps[step].frames, 0);
      expect(perActor).toBe(scored.length);
    }
    for (const frame of scored) {
      // A hit is a peak inside the box (clipped to the frame), and a peak is a pixel of the 48 px input.
      for (const step of [frame.step1, frame.step2]) {
        if (!step.peak) continue;
        const inside = step.peak.x + 0.5 >= frame.box.left && step.peak.x + 0.5 < frame.box.right && step.peak.y + 0.5 >= frame.box.top && step.peak.y + 0.5 < frame.box.bottom;
        expect(step.hit).toBe(inside);
        expect(Math.max(step.peak.x, step.peak.y)).toBeLessThan(48);
      }
    }
    // Zhang et al.'s tolerance (15 px at 224, 3.2 px at 48) scores the same frames and can only add hits.
    expect(summary.pointingWithTolerance.marginPixels).toBeCloseTo((15 * 48) / 224, 9);
    for (const step of ['step1', 'step2'] as const) {
      expect(summary.pointingWithTolerance[step].frames).toBe(scored.length);
      expect(summary.pointingWithTolerance[step].hits).toBeGreaterThanOrEqual(summary.pointing[step].hits);
      expect(summary.pointingWithTolerance[step].baseline ?? 0).toBeGreaterThan(summary.pointing[step].baseline ?? 1);
      // The deletion check ran on the 3 clips: probabilities fall (or rise) by at most 1.
      for (const fall of Object.values(summary.sanity.frameDeletion[step])) expect(Math.abs(fall ?? Number.NaN)).toBeLessThanOrEqual(1);
    }
    expect(summary.sanity.clips).toBe(3);
    for (const value of [summary.sanity.randomModel.step1, summary.sanity.otherClass.step2]) {
      if (value !== null) expect(Math.abs(value)).toBeLessThanOrEqual(1);
    }
    // --limit draws every clip's strip: two rows of 4 frames of 48 px with importance bars.
    for (const row of summary.rows) {
      expect(row.strip).toBe(path.join('strips', `${row.videoId}.png`));
      const png = await decodePng(readFileSync(path.join(out, row.strip ?? '')));
      expect(png.width).toBeGreaterThanOrEqual(4 * 48);
      expect(png.height).toBeGreaterThan(2 * 48);
      expect(row.frames).toHaveLength(4);
      expect(row.frameImportance.step1.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 5);
    }
    const text = chunks.join('');
    expect(text).toContain(`explained 3 of the first 3 of ${summary.clipsInSplit} test clips (3 with annotations, 0 skipped)`);
    expect(text).toMatch(/step 2 \(actor\): +\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\] of \d+ frames/);
    expect(text).toContain(`wrote ${path.join(out, 'summary.json')} and 3 strips in ${path.join(out, 'strips')}`);
  }, 300_000);

  it('refuses --split with --video, --limit without --split, and no input at all, naming the flags', async () => {
    const run = (args: string[]) => runExplainCommand([`--experiments-dir=${experiments}`, '--experiment-name=tiny', ...args], () => undefined, quiet);
    await expect(run(['--split=test', `--video=${path.join(root, 'clips320H', readClipName())}`])).rejects.toThrow(/--video=<file> or --split=<split>, not both/);
    await expect(run([`--video=${path.join(root, 'clips320H', readClipName())}`, '--limit=2'])).rejects.toThrow(/--limit and --strips go with --split/);
    await expect(run([])).rejects.toThrow(/give --video=<file> \(repeatable\) or --split=test\|val/);
    await expect(run(['--split=train'])).rejects.toThrow(/split: expected 'test' or 'val'/);
    await expect(run(['--split=test', '--limit=0'])).rejects.toThrow(/limit/);
  });
});

function readClipName(): string {
  const name = readdirSync(path.join(root, 'clips320H')).filter((file) => file.endsWith('.mp4')).sort()[0];
  if (!name) throw new Error('the tiny dataset has no clips');
  return name;
}
