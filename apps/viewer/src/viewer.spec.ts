import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACTORS, DatasetError, VIDEO_ACTIONS } from '@a2d/core';
import { tf } from '@a2d/engine';
import { ClipSource, decodeFrames, probeVideo, readVideoset } from '@a2d/ingest';
import { explainClip, PAIR_CLASSES, type OneStepModel, type TwoStepModel } from '@a2d/layers';
import { CheckpointError, evaluateExperiment, loadCheckpointModel, readExperimentConfig, VideoFilePredictor, type Classifier, type VideoPrediction } from '@a2d/training';
import { trainingFixtures } from '@a2d/training/testing';
import { buildViewer } from './build-viewer';
import { runBuildCommand } from './build';
import { runServeCommand } from './serve';
import { modelInputCuts, planFrames, predictViewClips, viewClips } from './page/clip-inference';
import { explainViewClip, firstViewClip, heatOverlay, stepCaption } from './page/first-view-explanation';
import { resizeFrameBicubic } from './page/frame-resize';
import { MODEL_CARD_FILE, parseModelCard, type ModelCard } from './page/model-card';
import { readMp4FrameTable } from './page/mp4-frame-table';
import { resolveRequestPath, serveFolder } from './static-server';

let base: string;
let root: string;
let experiments: string;
let experimentDir: string;
let card: ModelCard;
let model: Classifier;

const clipOf = (videoId: string) => path.join(root, 'clips320H', `${videoId}.mp4`);

/** The page's view clips of a file from frames ffmpeg decoded (the same frames the evaluator reads). */
async function pageClips(file: string, withCard: ModelCard) {
  const table = readMp4FrameTable(readFileSync(file), file);
  const plan = planFrames(table.frameCount, withCard);
  const { width, height } = withCard.inference.decode;
  const decoded = await decodeFrames(file, { indices: plan.frames, width, height, timeoutSeconds: 30 });
  const bytes = width * height * 3;
  const frames = new Map(plan.frames.map((index, i) => [index, decoded.data.slice(i * bytes, (i + 1) * bytes)]));
  return viewClips(plan, frames, withCard);
}

/** The page's answer for a file from frames ffmpeg decoded. */
async function pageAnswer(file: string, withCard: ModelCard) {
  return predictViewClips(model, await pageClips(file, withCard), withCard);
}

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
};

function expectSameAnswer(page: Awaited<ReturnType<typeof pageAnswer>>, evaluated: VideoPrediction, tolerance: number): void {
  expect(page.clips).toBe(evaluated.views);
  expect(page.plain).toEqual(evaluated.plain);
  expect(page.constrained).toEqual(evaluated.constrained);
  page.actionProbs.forEach((p, a) => expect(Math.abs(p - evaluated.actionProbs[a])).toBeLessThanOrEqual(tolerance));
  page.actorTable.forEach((row, a) => row.forEach((p, b) => expect(Math.abs(p - evaluated.actorTable[a][b])).toBeLessThanOrEqual(tolerance)));
}

beforeAll(async () => {
  base = mkdtempSync(path.join(os.tmpdir(), 'a2d-viewer-'));
  root = path.join(base, 'data');
  experiments = path.join(base, 'experiments');
  await trainingFixtures.makeTinyDataset(root);
  experimentDir = await trainingFixtures.trainTinyExperiment(root, experiments);
  await evaluateExperiment({ experimentDir, split: 'test' });
  card = (await buildViewer({ experimentDir, minify: false })).card;
  model = await loadCheckpointModel(path.join(experimentDir, 'checkpoints', 'best'));
}, 300_000);

afterAll(() => model?.dispose());

describe('viewer:build', () => {
  it('writes the page, the wasm binaries, the model as saved and a model card describing it', () => {
    const out = path.join(experimentDir, 'viewer');
    expect(readdirSync(out).sort()).toEqual(
      ['app.js', 'index.html', 'model', 'model-card.json', 'style.css', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm.wasm'].sort(),
    );
    const checkpointModel = path.join(experimentDir, 'checkpoints', 'best', 'model');
    for (const file of readdirSync(checkpointModel)) expect(readFileSync(path.join(out, 'model', file)).equals(readFileSync(path.join(checkpointModel, file)))).toBe(true);
    const written = parseModelCard(JSON.parse(readFileSync(path.join(out, MODEL_CARD_FILE), 'utf8')), MODEL_CARD_FILE);
    const { config } = readExperimentConfig(path.join(experimentDir, 'config.json'));
    expect(written.model).toMatchObject({ kind: 'two-step', backbone: config.model.backbone, inputSize: 48, numFrames: 4 });
    expect(written.inference).toMatchObject({ decode: { width: 80, height: 60 }, cacheFrames: 8, views: 1, crops: 1, constrainedTopK: config.model.constrainedDecoding.topK });
    expect(written.training).toMatchObject({ dataset: 'synthetic A2D (tiny, easy, seed 0)', epochs: 2 });
    const metrics = JSON.parse(readFileSync(path.join(experimentDir, 'results', 'metrics.json'), 'utf8')) as { combined_acc: number; num_clips: number };
    expect(written.testMetrics).toMatchObject({ combined: metrics.combined_acc, clips: metrics.num_clips });
    // The bundle holds the page, tfjs and the custom layers, not the Node-only parts.
    const app = readFileSync(path.join(out, 'app.js'), 'utf8');
    expect(app).toContain('RelativePositionSelfAttention');
    expect(app).not.toContain('fluent-ffmpeg/lib');
  });

  it('replaces an earlier build whole, and refuses a folder that is not one', async () => {
    const out = path.join(base, 'site');
    await buildViewer({ experimentDir, outDir: out });
    writeFileSync(path.join(out, 'stale.txt'), 'from an earlier build');
    await buildViewer({ experimentDir, outDir: out });
    expect(existsSync(path.join(out, 'stale.txt'))).toBe(false);
    expect(readdirSync(base).filter((name) => name.startsWith('site.'))).toEqual([]);

    const other = path.join(base, 'not-a-viewer');
    mkdirSync(other);
    writeFileSync(path.join(other, 'notes.txt'), 'keep me');
    await expect(buildViewer({ experimentDir, outDir: other })).rejects.toThrow(DatasetError);
    expect(readFileSync(path.join(other, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('names a missing checkpoint or experiment in one line', async () => {
    await expect(buildViewer({ experimentDir, checkpoint: path.join(base, 'nope') })).rejects.toThrow(CheckpointError);
    await expect(runBuildCommand([`--experiments-dir=${experiments}`, '--experiment-name=missing'], () => undefined)).rejects.toThrow(/no such experiment; experiments in .*: tiny/);
  });

  it('finds experiments where A2D_EXPERIMENT__DIR says, --experiments-dir over it, and takes no other config key', async () => {
    const env = { A2D_EXPERIMENT__DIR: experiments };
    await expect(runBuildCommand(['--experiment-name=missing'], () => undefined, env)).rejects.toThrow(`${path.join(experiments, 'missing')}: no such experiment; experiments in ${experiments}: tiny`);
    const other = path.join(base, 'other-experiments');
    await expect(runServeCommand([`--experiments-dir=${other}`, '--experiment-name=missing'], () => undefined, env)).rejects.toThrow(`${path.join(other, 'missing')}: no such experiment`);
    await expect(runServeCommand(['--experiment-name=tiny', '--data.root=x'], () => undefined, env)).rejects.toThrow(
      '--data.root: not a config key of viewer:serve; it takes experiment.dir; the model and its input settings ship as the checkpoint saved them',
    );
  });

  it('builds from the command line with the EMA weights: the card says so and the model folder is the EMA model', async () => {
    const built = await runBuildCommand([`--experiments-dir=${experiments}`, '--experiment-name=tiny', '--ema'], () => undefined);
    const out = path.join(experimentDir, 'viewer');
    expect(built.outDir).toBe(out);
    expect(built.card).toMatchObject({ experiment: 'tiny', checkpoint: 'best', weights: 'ema' });
    expect(parseModelCard(JSON.parse(readFileSync(path.join(out, MODEL_CARD_FILE), 'utf8')), MODEL_CARD_FILE)).toEqual(built.card);
    expect(built.bundleBytes).toBe(statSync(path.join(out, 'app.js')).size);
    const emaModel = path.join(experimentDir, 'checkpoints', 'best', 'ema-model');
    const liveModel = path.join(experimentDir, 'checkpoints', 'best', 'model');
    for (const file of readdirSync(emaModel)) expect(readFileSync(path.join(out, 'model', file)).equals(readFileSync(path.join(emaModel, file)))).toBe(true);
    // The EMA weights differ from the live ones, so the comparison above tells the two apart.
    expect(readFileSync(path.join(out, 'model', 'weights.bin')).equals(readFileSync(path.join(liveModel, 'weights.bin')))).toBe(false);
  });
});

describe('the page pipeline on the evaluator\'s frames (Node, wasm)', () => {
  it('reads the frames the evaluator reads: the test views snapped onto the frame cache', async () => {
    const { config } = readExperimentConfig(path.join(experimentDir, 'config.json'));
    const records = await readVideoset(path.join(root, 'videoset.csv'));
    for (const views of [1, 3]) {
      const data = { ...config.data, decode: { ...config.data.decode, cacheDir: path.join(base, `cache-${views}`) }, sampling: { ...config.data.sampling, testViews: views } };
      const source = new ClipSource({ data, temporal: config.augment.temporal });
      const withViews: ModelCard = { ...card, inference: { ...card.inference, views } };
      for (const record of records.slice(0, 6)) {
        const plan = planFrames(readMp4FrameTable(readFileSync(clipOf(record.videoId))).frameCount, withViews);
        for (let view = 0; view < views; view++) {
          const loaded = await source.loadClip(record, { mode: 'test', view, numViews: views });
          expect(plan.views[view]).toEqual(loaded.sourceIndices);
        }
      }
    }
  });

  it("gives every test clip the evaluator's pair and probabilities (within 1e-5), tensors unchanged", async () => {
    const evaluation = await evaluateExperiment({ experimentDir, split: 'test', outDir: path.join(base, 'results-1') });
    const before = tf.memory().numTensors;
    for (const video of evaluation.videos) expectSameAnswer(await pageAnswer(clipOf(video.videoId), card), video, 1e-5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('averages views and three crops as the evaluator does', async () => {
    const evaluation = await evaluateExperiment({ experimentDir, split: 'test', views: 2, crops: 3, outDir: path.join(base, 'results-2') });
    const withViews: ModelCard = { ...card, inference: { ...card.inference, views: 2, crops: 3 } };
    for (const video of evaluation.videos.slice(0, 3)) {
      const answer = await pageAnswer(clipOf(video.videoId), withViews);
      expect(answer.clips).toBe(6);
      expectSameAnswer(answer, video, 1e-5);
      expect(answer.stepMilliseconds.step1).toBeGreaterThan(0);
      expect(answer.stepMilliseconds.step2).not.toBeNull();
    }
  });

  it('does the same for the one-step baseline (a single pass, no step 2 time)', async () => {
    const oneStepDir = await trainingFixtures.trainTinyExperiment(root, experiments, { name: 'one-step', overrides: { model: { kind: 'one-step' }, train: { epochs: 1 } } });
    const built = await buildViewer({ experimentDir: oneStepDir });
    expect(built.card.model.kind).toBe('one-step');
    const evaluation = await evaluateExperiment({ experimentDir: oneStepDir, split: 'test' });
    const twoStep = model;
    model = await loadCheckpointModel(path.join(oneStepDir, 'checkpoints', 'best'));
    try {
      for (const video of evaluation.videos.slice(0, 3)) {
        const answer = await pageAnswer(clipOf(video.videoId), built.card);
        expectSameAnswer(answer, video, 1e-5);
        expect(answer.stepMilliseconds.step2).toBeNull();
      }
      // "Where each step looked" has one row for the one-step model: its pair, explained by explainClip.
      const clip = firstViewClip(await pageClips(clipOf(evaluation.videos[0].videoId), built.card), built.card);
      const explanation = explainViewClip(model, clip);
      const frames = tf.tensor4d(clip.normalised, clip.shape);
      const { pair } = explainClip(model as OneStepModel, frames);
      frames.dispose();
      expect(explanation.kind).toBe('one-step');
      expect(explanation.steps.map((step) => step.step)).toEqual(['pair']);
      const [row] = explanation.steps;
      expect(row.classIndex).toBe(pair.classIndex);
      expect(row.label).toBe(`${ACTORS[PAIR_CLASSES[pair.classIndex].actor]} ${VIDEO_ACTIONS[PAIR_CLASSES[pair.classIndex].action]}`);
      expect(maxDifference(row.maps, pair.maps)).toBe(0);
      expect(stepCaption(row)).toBe(`Pair: ${row.label} (p ${pair.probability.toFixed(3)})`);
    } finally {
      model.dispose();
      model = twoStep;
    }
  }, 120_000);

  it("explains the first view's clip as evaluator:explain does (explainClip on VideoFilePredictor.firstClip): same pixels, same maps, no tensor left", async () => {
    const records = (await readVideoset(path.join(root, 'videoset.csv'))).filter((record) => record.usage === 'test').slice(0, 2);
    const predictor = await VideoFilePredictor.open({ experimentDir });
    try {
      for (const record of records) {
        const file = clipOf(record.videoId);
        const evaluator = await predictor.firstClip(file);
        const before = tf.memory().numTensors;
        const clip = firstViewClip(await pageClips(file, card), card);
        const explanation = explainViewClip(model, clip);
        expect(tf.memory().numTensors).toBe(before);
        // The page explains the very values it fed the model, and they are the evaluator's.
        expect(clip.shape).toEqual(evaluator.shape);
        expect(Buffer.from(clip.pixels.data).equals(Buffer.from(evaluator.pixels.data))).toBe(true);
        expect(maxDifference(clip.normalised, evaluator.normalised)).toBeLessThanOrEqual(1e-6);
        const frames = tf.tensor4d(evaluator.normalised, evaluator.shape);
        const reference = explainClip(evaluator.model as TwoStepModel, frames);
        frames.dispose();
        expect(explanation.kind).toBe('two-step');
        const [step1, step2] = explanation.steps;
        expect([step1.step, step1.label, step1.givenAction]).toEqual(['step1', VIDEO_ACTIONS[reference.action.classIndex], null]);
        expect([step2.step, step2.label, step2.givenAction]).toEqual(['step2', ACTORS[reference.actor.classIndex], step1.label]);
        for (const [ours, theirs] of [
          [step1, reference.action],
          [step2, reference.actor],
        ] as const) {
          expect(ours.mapShape).toEqual(theirs.mapShape);
          expect(ours.maps).toHaveLength(clip.shape[0] * clip.shape[1] * clip.shape[2]);
          expect(Math.max(...ours.maps)).toBeGreaterThan(0);
          expect(maxDifference(ours.maps, theirs.maps)).toBeLessThanOrEqual(1e-5);
          expect(maxDifference(ours.frameImportance, theirs.frameImportance)).toBeLessThanOrEqual(1e-5);
          expect(Math.abs(ours.probability - theirs.probability)).toBeLessThanOrEqual(1e-5);
        }
        expect(stepCaption(step1)).toBe(`Step 1: action ${step1.label} (p ${step1.probability.toFixed(3)})`);
        expect(stepCaption(step2)).toBe(`Step 2: actor ${step2.label} given ${step1.label} (p ${step2.probability.toFixed(3)})`);
      }
    } finally {
      await predictor.close();
    }
  });

  it("takes view 0's first crop of what the model read, with views and three crops too", async () => {
    const withViews: ModelCard = { ...card, inference: { ...card.inference, views: 2, crops: 3 } };
    const [record] = await readVideoset(path.join(root, 'videoset.csv'));
    const file = clipOf(record.videoId);
    const clips = await pageClips(file, withViews);
    expect(clips).toHaveLength(2);
    const clip = firstViewClip(clips, withViews);
    const [firstCut] = modelInputCuts(clips, withViews);
    const clipBytes = clip.pixels.data.length;
    expect(Buffer.from(clip.pixels.data).equals(Buffer.from(firstCut.frames.subarray(0, clipBytes)))).toBe(true);
    const predictor = await VideoFilePredictor.open({ experimentDir, views: 2, crops: 3 });
    try {
      const evaluator = await predictor.firstClip(file);
      expect(Buffer.from(clip.pixels.data).equals(Buffer.from(evaluator.pixels.data))).toBe(true);
      expect(maxDifference(clip.normalised, evaluator.normalised)).toBeLessThanOrEqual(1e-6);
    } finally {
      await predictor.close();
    }
  });

  it("draws each step's map as evaluator:explain's strip does: 0.55 x pixel + 0.45 x hot colour, an importance bar below", async () => {
    const [record] = (await readVideoset(path.join(root, 'videoset.csv'))).filter((r) => r.usage === 'test');
    const clip = firstViewClip(await pageClips(clipOf(record.videoId), card), card);
    const explanation = explainViewClip(model, clip);
    const [time, size] = clip.shape;
    const hot = (v: number) => [3 * v, 3 * v - 1, 3 * v - 2].map((x) => 255 * Math.min(1, Math.max(0, x)));
    for (const step of explanation.steps) {
      const overlay = heatOverlay(clip.pixels, step);
      expect([overlay.numFrames, overlay.height, overlay.width]).toEqual([time, size + 6, size]);
      let largest = 0;
      for (let t = 0; t < time; t++) {
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < size; x++) {
            const colour = hot(step.maps[(t * size + y) * size + x]);
            for (let c = 0; c < 3; c++) {
              const expected = 0.55 * clip.pixels.data[((t * size + y) * size + x) * 3 + c] + 0.45 * colour[c];
              largest = Math.max(largest, Math.abs(overlay.data[((t * (size + 6) + y) * size + x) * 3 + c] - expected));
            }
          }
        }
        // The bar's row: as long as the frame's importance relative to the largest.
        const barRow = (t * (size + 6) + size + 3) * size;
        const filled = Array.from({ length: size }, (_, x) => overlay.data[(barRow + x) * 3] === 80 && overlay.data[(barRow + x) * 3 + 2] === 255).filter(Boolean).length;
        expect(filled).toBe(Math.round((size * step.frameImportance[t]) / Math.max(...step.frameImportance)));
      }
      expect(largest).toBeLessThanOrEqual(0.5 + 1e-9);
    }
  });

  it('refuses frames of the wrong size with the frame and the size expected', () => {
    const plan = planFrames(20, card);
    const frames = new Map(plan.frames.map((index) => [index, new Uint8Array(10)]));
    expect(() => viewClips(plan, frames, card)).toThrow(/expected 80x60 rgb24 \(14400 bytes\), got 10/);
  });
});

describe('resizeFrameBicubic', () => {
  it("is close to ffmpeg's scale=W:H on the same frames (shrinking and enlarging), exact at the same size", async () => {
    // A synthetic A2D clip: smooth shapes on a textured backdrop, like what the model sees.
    const [record] = await readVideoset(path.join(root, 'videoset.csv'));
    const file = clipOf(record.videoId);
    const { width, height } = await probeVideo(file, { timeoutSeconds: 30 });
    const native = await decodeFrames(file, { indices: [0, 2], width, height, timeoutSeconds: 30 });
    const frameBytes = width * height * 3;
    const frame = native.data.subarray(0, frameBytes);
    expect(Buffer.from(resizeFrameBicubic(frame, { width, height, channels: 3 }, width, height)).equals(Buffer.from(frame))).toBe(true);
    for (const [w, h] of [[80, 60], [160, 128], [112, 112], [400, 300]]) {
      const reference = await decodeFrames(file, { indices: [0], width: w, height: h, timeoutSeconds: 30 });
      const ours = resizeFrameBicubic(frame, { width, height, channels: 3 }, w, h);
      const naive = new Uint8Array(w * h * 3); // nearest neighbour: what no filtering gives
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) naive[(y * w + x) * 3 + c] = frame[(Math.floor(((y + 0.5) * height) / h) * width + Math.floor(((x + 0.5) * width) / w)) * 3 + c];
      const meanAbs = (image: Uint8Array) => image.reduce((sum, value, i) => sum + Math.abs(value - reference.data[i]), 0) / image.length;
      // swscale filters luma and chroma in YUV before converting; ours filters RGB: about one level apart on average
      // (measured 1.0-1.35 on these clips; sharp saturated edges such as testsrc2's differ more, through chroma).
      expect(meanAbs(ours)).toBeLessThan(1.6);
      expect(meanAbs(ours)).toBeLessThan(meanAbs(naive));
    }
  });
});

describe('serveFolder', () => {
  it('serves the folder with the isolation headers, and nothing outside it', async () => {
    const site = path.join(base, 'static');
    mkdirSync(path.join(site, 'model'), { recursive: true });
    writeFileSync(path.join(site, 'index.html'), '<p>hi</p>');
    writeFileSync(path.join(site, 'model', 'model.json'), '{}');
    writeFileSync(path.join(base, 'secret.txt'), 'no');
    const server = await serveFolder(site, { port: 0 });
    try {
      const page = await fetch(server.url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(await page.text()).toBe('<p>hi</p>');
      expect((await fetch(`${server.url}model/model.json`)).headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect((await fetch(`${server.url}missing.js`)).status).toBe(404);
      expect((await fetch(`${server.url}%2e%2e/secret.txt`)).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
      expect(resolveRequestPath(site, '/../secret.txt')).toBeUndefined();
      expect(resolveRequestPath(site, '/%E0%A4%A')).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});

