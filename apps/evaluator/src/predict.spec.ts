import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACTORS, ConfigError, VIDEO_ACTIONS } from '@a2d/core';
import { currentBackend } from '@a2d/engine';
import { readPredictionsCsv } from '@a2d/metrics';
import { CheckpointError, evaluateExperiment, type VideoFilePrediction, type VideoPrediction } from '@a2d/training';
import { trainingFixtures } from '@a2d/training/testing';
import { predictJsonSchema, runPredictCommand, type PredictedFile } from './predict';

const WORKSPACE = path.join(__dirname, '../../..');

let base: string;
let root: string;
let experiments: string;
let experimentDir: string;

function capture(): { print: (text: string) => void; text: () => string } {
  const chunks: string[] = [];
  return { print: (text) => chunks.push(text), text: () => chunks.join('') };
}

const clipOf = (videoId: string) => path.join(root, 'clips320H', `${videoId}.mp4`);
const quiet = { log: () => undefined };

function predictionOf(outcome: PredictedFile | undefined): VideoFilePrediction {
  if (!outcome?.ok) throw new Error(`expected a prediction, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** The predictor's answer for a clip equals the evaluator's: the same pairs, the same probabilities within 1e-5. */
function expectSameAnswer(predicted: VideoFilePrediction, evaluated: VideoPrediction): void {
  expect(predicted.views).toBe(evaluated.views);
  expect([predicted.plain.action, predicted.plain.actor]).toEqual([VIDEO_ACTIONS[evaluated.plain.action], ACTORS[evaluated.plain.actor]]);
  expect([predicted.constrained.action, predicted.constrained.actor]).toEqual([VIDEO_ACTIONS[evaluated.constrained.action], ACTORS[evaluated.constrained.actor]]);
  predicted.actionProbs.forEach((p, action) => expect(Math.abs(p - evaluated.actionProbs[action])).toBeLessThanOrEqual(1e-5));
  predicted.actorTable.forEach((row, action) => row.forEach((p, actor) => expect(Math.abs(p - evaluated.actorTable[action][actor])).toBeLessThanOrEqual(1e-5)));
  expect(predicted.plain.actionProbability).toBeCloseTo(evaluated.actionProbs[evaluated.plain.action], 5);
  expect(predicted.plain.actorProbability).toBeCloseTo(evaluated.actorTable[evaluated.plain.action][evaluated.plain.actor], 5);
}

beforeAll(async () => {
  base = mkdtempSync(path.join(os.tmpdir(), 'a2d-evaluator-predict-'));
  root = path.join(base, 'data');
  experiments = path.join(base, 'experiments');
  await trainingFixtures.makeTinyDataset(root);
  experimentDir = await trainingFixtures.trainTinyExperiment(root, experiments);
}, 300_000);

describe('evaluator:predict', () => {
  it("gives every test clip the evaluator's answer: the row of test_predictions.csv and the same probabilities", async () => {
    const evaluation = await evaluateExperiment({ experimentDir, split: 'test' });
    const rows = await readPredictionsCsv(path.join(evaluation.resultsDir, 'test_predictions.csv'));
    const output = capture();
    const outcome = await runPredictCommand(
      [`--experiments-dir=${experiments}`, '--experiment-name=tiny', '--backend=wasm', ...evaluation.videos.map((video) => `--video=${clipOf(video.videoId)}`)],
      output.print,
      quiet,
    );
    expect(outcome.exitCode).toBe(0);
    expect(outcome.files).toHaveLength(evaluation.videos.length);
    evaluation.videos.forEach((video, i) => {
      const predicted = predictionOf(outcome.files[i]);
      expect(predicted.videoId).toBe(video.videoId);
      const row = rows.find((r) => r.videoId === video.videoId);
      expect([predicted.plain.action, predicted.plain.actor]).toEqual([row?.predAction, row?.predActor]);
      expectSameAnswer(predicted, video);
      expect(predicted.topActions.map((entry) => entry.probability)).toEqual([...predicted.actionProbs].sort((a, b) => b - a).slice(0, 3));
      expect(predicted.constrained.jointScore).toBeCloseTo(predicted.constrained.actionProbability * predicted.constrained.actorProbability, 12);
    });

    const text = output.text();
    const first = predictionOf(outcome.files[0]);
    expect(text).toMatch(/checkpoints\/best \(two-step, live weights, 1 view\(s\) x 1 crop\(s\) per file, wasm\): loaded in \d+ ms/);
    expect(text).toContain(`${clipOf(first.videoId)} (${first.frames} frames, 1 view): `);
    expect(text).toContain(`  sequential  ${first.plain.action} (p ${first.plain.actionProbability.toFixed(4)}) -> ${first.plain.actor} (p(actor|action) ${first.plain.actorProbability.toFixed(4)})`);
    expect(text).toContain(`  constrained ${first.constrained.action} (p ${first.constrained.actionProbability.toFixed(4)}) -> ${first.constrained.actor}`);
    expect(text).toMatch(/ {2}top-3 actions: \w+ [\d.]+, \w+ [\d.]+, \w+ [\d.]+\n/);
    expect(text).toMatch(new RegExp(`${evaluation.videos.length} files: ${evaluation.videos.length} predicted, 0 failed; \\d+ ms per predicted file`));
  });

  it('matches the evaluator with EMA weights, several views and three crops, also for a file not named .mp4', async () => {
    const evaluation = await evaluateExperiment({ experimentDir, split: 'test', ema: true, views: 3, crops: 3, outDir: path.join(base, 'ema-views') });
    expect(evaluation.videos[0].views).toBe(9);
    expect(evaluation.metrics.evaluation.crops).toBe(3);
    const video = evaluation.videos[0];
    const renamed = path.join(mkdtempSync(path.join(base, 'renamed-')), `${video.videoId}.mkv`);
    copyFileSync(clipOf(video.videoId), renamed);
    const outcome = await runPredictCommand(
      [`--experiments-dir=${experiments}`, '--experiment-name=tiny', '--ema', '--views=3', '--crops=3', `--video=${clipOf(video.videoId)}`, `--video=${renamed}`],
      () => undefined,
      quiet,
    );
    expect(outcome.settings).toMatchObject({ weights: 'ema', views: 3, crops: 3 });
    expectSameAnswer(predictionOf(outcome.files[0]), video);
    const viaLink = predictionOf(outcome.files[1]);
    expect(viaLink.file).toBe(renamed);
    expectSameAnswer(viaLink, video);
  });

  it('prints --json that parses with its schema', async () => {
    const evaluation = await evaluateExperiment({ experimentDir, split: 'test', outDir: path.join(base, 'json') });
    const video = evaluation.videos[0];
    const output = capture();
    await runPredictCommand([`--experiments-dir=${experiments}`, '--experiment-name=tiny', `--video=${clipOf(video.videoId)}`, '--json'], output.print, quiet);
    const json = predictJsonSchema.parse(JSON.parse(output.text()));
    // The backend auto started, by our name (native where the addon is built: tfjs calls that one wasm).
    expect(json).toMatchObject({ experiment: experimentDir, weights: 'live', modelKind: 'two-step', views: 1, backend: currentBackend() });
    expect(['native', 'wasm']).toContain(json.backend);
    expect(json.files).toHaveLength(1);
    const [entry] = json.files;
    if (!entry.ok) throw new Error(entry.error);
    expect(entry.plain).toMatchObject({ action: VIDEO_ACTIONS[video.plain.action], actor: ACTORS[video.plain.actor] });
    expect(entry.topActions).toHaveLength(3);
  });

  it('gives a missing, a non-video and an empty file one error line each, still predicts the others, and exits 1', async () => {
    const evaluation = await evaluateExperiment({ experimentDir, split: 'test', outDir: path.join(base, 'errors') });
    const good = clipOf(evaluation.videos[0].videoId);
    const missing = path.join(base, 'no-such-clip.mp4');
    const notVideo = path.join(base, 'notes.mp4');
    writeFileSync(notVideo, 'not a video at all\n');
    const empty = path.join(base, 'empty.mp4');
    writeFileSync(empty, '');
    const output = capture();
    const outcome = await runPredictCommand(
      [`--experiments-dir=${experiments}`, '--experiment-name=tiny', `--video=${missing}`, `--video=${good}`, `--video=${notVideo}`, `--video=${empty}`],
      output.print,
      quiet,
    );
    expect(outcome.exitCode).toBe(1);
    expect(outcome.files.map((file) => file.ok)).toEqual([false, true, false, false]);
    const lines = output.text().split('\n');
    expect(lines).toContain(`error: ${missing}: file not found`);
    expect(lines.find((line) => line.startsWith(`error: ${notVideo}: `))).toMatch(/cannot probe \(corrupt or not a video\?\)/);
    expect(lines).toContain(`error: ${empty}: empty file (0 bytes)`);
    expect(lines.some((line) => line.startsWith(`${good} (`))).toBe(true);
    expect(output.text()).toContain('4 files: 1 predicted, 3 failed');
  });

  it('refuses a bad command line, a missing experiment and a missing checkpoint before predicting anything', async () => {
    await expect(runPredictCommand(['--experiment-name=tiny'], () => undefined, quiet)).rejects.toThrow(ConfigError);
    await expect(runPredictCommand(['--experiment-name=tiny'], () => undefined, quiet)).rejects.toThrow(/--video:/);
    await expect(runPredictCommand([`--experiments-dir=${experiments}`, '--experiment-name=nope', '--video=x.mp4'], () => undefined, quiet)).rejects.toThrow(
      /nope: no such experiment; experiments in .*: tiny/,
    );
    await expect(
      runPredictCommand([`--experiments-dir=${experiments}`, '--experiment-name=tiny', '--checkpoint=/no/such/checkpoint', '--video=x.mp4'], () => undefined, quiet),
    ).rejects.toThrow(CheckpointError);
  });

  it('takes views, crops and the experiments folder from A2D_* variables, the command line over them, and refuses a dataset root', async () => {
    const clip = path.join(root, 'clips320H', readdirSync(path.join(root, 'clips320H')).sort()[0]);
    const env = { A2D_EXPERIMENT__DIR: experiments, A2D_DATA__SAMPLING__TEST_VIEWS: '2', A2D_DATA__SAMPLING__TEST_CROPS: '3' };
    const fromEnv = await runPredictCommand(['--experiment-name=tiny', `--video=${clip}`], () => undefined, { ...quiet, env });
    expect(fromEnv.settings).toMatchObject({ views: 2, crops: 3 });
    const flagsWin = await runPredictCommand(['--experiment-name=tiny', `--video=${clip}`, '--views=1', '--data.sampling.testCrops=1'], () => undefined, { ...quiet, env });
    expect(flagsWin.settings).toMatchObject({ views: 1, crops: 1 });
    await expect(runPredictCommand(['--experiment-name=tiny', `--video=${clip}`, '--data.root=/x'], () => undefined, { ...quiet, env: {} })).rejects.toThrow(
      '--data.root: not a config key of evaluator:predict; it takes experiment.dir, engine.backend, data.sampling.testViews, data.sampling.testCrops; the videos are the --video=<file> flags',
    );
  });

  it('runs as a script (tsx): --json on stdout, exit 1 when a file fails', () => {
    const tsx = path.join(WORKSPACE, 'node_modules/.bin/tsx');
    const clip = path.join(root, 'clips320H', readdirSync(path.join(root, 'clips320H')).sort()[0]);
    const missing = path.join(base, 'missing.mp4');
    const run = spawnSync(
      tsx,
      ['apps/evaluator/src/predict.ts', `--experiments-dir=${experiments}`, '--experiment-name=tiny', '--backend=wasm', '--json', `--video=${clip}`, `--video=${missing}`],
      { cwd: WORKSPACE, encoding: 'utf8' },
    );
    expect(run.status).toBe(1);
    const json = predictJsonSchema.parse(JSON.parse(run.stdout));
    expect(json.files.map((entry) => entry.ok)).toEqual([true, false]);
    expect(json.files[1]).toEqual({ ok: false, file: missing, error: `${missing}: file not found` });
  });
});
