/**
 * End to end in headless Chromium (Debian's `chromium`, driven by playwright-core): the built page loads a tiny
 * trained model, takes two synthetic test clips through its file input, and shows what `evaluator:predict` says
 * (its `VideoFilePredictor`, run in this process); with "Show where each step looked" on, it draws both steps'
 * Grad-CAM maps, the numbers `evaluator:explain` computes (`explainClip` on `VideoFilePredictor.firstClip`, in this
 * process). Skips, saying why, where Chromium is not installed (tools/test-setup.sh installs it).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { initEngine, tf } from '@a2d/engine';
import { decodeFrames, readVideoset } from '@a2d/ingest';
import { videoFixtures } from '@a2d/ingest/testing';
import { explainClip, type ClassExplanation, type TwoStepModel } from '@a2d/layers';
import { evaluateExperiment, VideoFilePredictor, type VideoFilePrediction } from '@a2d/training';
import { trainingFixtures } from '@a2d/training/testing';
import { buildViewer } from './build-viewer';
import type { FileOutcome } from './page/main';
import { planFrames } from './page/clip-inference';
import type { ExplainedStep, ViewerExplanation } from './page/first-view-explanation';
import type { ModelCard } from './page/model-card';
import { readMp4FrameTable } from './page/mp4-frame-table';
import { serveFolder, type StaticServer } from './static-server';

const WORKSPACE = path.join(__dirname, '../../..');
/** Where the screenshot of a page with results goes (look at it). */
const OUTPUT_DIR = process.env.A2D_TEST_OUTPUT ?? path.join(WORKSPACE, 'test-output', 'viewer');

function findChromium(): string | undefined {
  const candidates = [process.env.A2D_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => !!p);
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) return undefined;
  try {
    execFileSync(found, ['--version'], { stdio: 'ignore', timeout: 20000 });
    return found;
  } catch {
    return undefined;
  }
}

const chromiumPath = findChromium();
if (!chromiumPath) {
  console.warn('viewer browser tests skipped: no Chromium found (install Debian\'s `chromium`, which tools/test-setup.sh does, or set A2D_CHROMIUM)');
}
const describeInBrowser = chromiumPath ? describe : describe.skip;

let base: string;
let root: string;
let experiments: string;
let viewerDir: string;
let server: StaticServer;
let browser: Browser;
let card: ModelCard;
let clips: string[];
let evaluatorAnswers: VideoFilePrediction[];
/** Per clip, steps 1 and 2 as `evaluator:explain` computes them on its first clip (before its JSON's rounding). */
let evaluatorExplanations: [ClassExplanation, ClassExplanation][];

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) throw new Error(`comparing ${a.length} values with ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
};

/** The frames `evaluator:predict` decodes for `clip` (ffmpeg), as `predictDecodedFrames` takes them. */
async function evaluatorFrames(clip: string): Promise<{ frameCount: number; frames: Record<number, number[]> }> {
  const frameCount = readMp4FrameTable(readFileSync(clip)).frameCount;
  const { frames: indices } = planFrames(frameCount, card);
  const { width, height } = card.inference.decode;
  const decoded = await decodeFrames(clip, { indices, width, height, timeoutSeconds: 30 });
  const bytes = width * height * 3;
  return { frameCount, frames: Object.fromEntries(indices.map((index, k) => [index, Array.from(decoded.data.subarray(k * bytes, (k + 1) * bytes))])) };
}

/** The largest difference of a page explanation's numbers (maps, frame importance, probability) from the evaluator's, per step. */
function explanationDifference(explanation: ViewerExplanation, expected: readonly ClassExplanation[]): { maps: number; frameImportance: number; probability: number } {
  expect(explanation.kind).toBe('two-step');
  expect(explanation.steps.map((step: ExplainedStep) => [step.step, step.classIndex])).toEqual([
    ['step1', expected[0].classIndex],
    ['step2', expected[1].classIndex],
  ]);
  const over = (pick: (step: ExplainedStep, reference: ClassExplanation) => number) => Math.max(...explanation.steps.map((step, i) => pick(step, expected[i])));
  return {
    maps: over((step, reference) => maxDifference(step.maps, reference.maps)),
    frameImportance: over((step, reference) => maxDifference(step.frameImportance, reference.frameImportance)),
    probability: over((step, reference) => Math.abs(step.probability - reference.probability)),
  };
}

async function openPage(query = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('pageerror', (error) => console.warn(`page error: ${error.message}`));
  await page.goto(`${server.url}${query}`);
  return page;
}

/** Runs `check` on a fresh page per backend, webgl (the default) then wasm (`?backend=wasm`), after checking the page chose it. */
async function onEachBackend(check: (page: Page, backend: string) => Promise<void>): Promise<void> {
  for (const [query, expected] of [
    ['', 'webgl'],
    ['?backend=wasm', 'wasm'],
  ]) {
    const page = await openPage(query);
    const backend = await page.evaluate(() => window.a2dViewer.ready.then((r) => r.backend));
    expect(backend).toBe(expected);
    await check(page, backend);
    await page.close();
  }
}

async function pick(page: Page, files: string[]): Promise<FileOutcome[]> {
  const before = await page.locator('section.result').count();
  await page.setInputFiles('#file', files);
  await page.waitForFunction((n) => document.querySelectorAll('section.result').length >= n, before + files.length, { timeout: 120_000 });
  const outcomes = await page.$$eval('section.result', (sections) => sections.map((section) => JSON.parse(section.dataset.outcome ?? 'null') as FileOutcome));
  // Newest first on the page; return them in the order given.
  return outcomes.slice(0, files.length).reverse();
}

describeInBrowser('the viewer page in headless Chromium', () => {
  beforeAll(async () => {
    base = mkdtempSync(path.join(os.tmpdir(), 'a2d-viewer-browser-'));
    root = path.join(base, 'data');
    experiments = path.join(base, 'experiments');
    await trainingFixtures.makeTinyDataset(root);
    const experimentDir = await trainingFixtures.trainTinyExperiment(root, experiments);
    await evaluateExperiment({ experimentDir, split: 'test' });
    const built = await buildViewer({ experimentDir });
    viewerDir = built.outDir;
    card = built.card;
    server = await serveFolder(viewerDir, { port: 0 });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'] });

    // Two test clips, and what `evaluator:predict --backend=wasm` says of them: its predictor, without a second process.
    const tests = (await readVideoset(path.join(root, 'videoset.csv'))).filter((record) => record.usage === 'test');
    clips = tests.slice(0, 2).map((record) => path.join(root, 'clips320H', `${record.videoId}.mp4`));
    await initEngine({ backend: 'wasm', log: () => undefined });
    const predictor = await VideoFilePredictor.open({ experimentDir });
    try {
      evaluatorAnswers = [];
      evaluatorExplanations = [];
      for (const clip of clips) {
        evaluatorAnswers.push(await predictor.predict(clip));
        // What evaluator:explain does with a file: explainClip on the predictor's first clip.
        const first = await predictor.firstClip(clip);
        const frames = tf.tensor4d(first.normalised, first.shape);
        try {
          const { action, actor } = explainClip(first.model as TwoStepModel, frames);
          evaluatorExplanations.push([action, actor]);
        } finally {
          frames.dispose();
        }
      }
    } finally {
      await predictor.close();
    }
  }, 400_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows evaluator:predict's action and actor for two clips on webgl, with both steps timed and the model card", async () => {
    const page = await openPage();
    const ready = await page.evaluate(() => window.a2dViewer.ready.then((r) => r.backend));
    expect(ready).toBe('webgl');
    await expect(page.locator('#backend').textContent()).resolves.toBe('tfjs backend: webgl');
    const outcomes = await pick(page, clips);
    outcomes.forEach((outcome, i) => {
      const expected = evaluatorAnswers[i];
      if (!outcome.ok) throw new Error(`${outcome.file}: ${outcome.error}`);
      expect(outcome.file).toBe(path.basename(clips[i]));
      expect([outcome.action, outcome.actor]).toEqual([expected.plain.action, expected.plain.actor]);
      expect([outcome.constrainedAction, outcome.constrainedActor]).toEqual([expected.constrained.action, expected.constrained.actor]);
      // The browser's own decoder and colour conversion: frames about 2 levels of 255 off ffmpeg's on average.
      const difference = maxDifference([...outcome.actionProbs, ...outcome.actorTable.flat()], [...expected.actionProbs, ...expected.actorTable.flat()]);
      console.log(`${outcome.file}: browser-decoded frames, largest probability difference from evaluator:predict ${difference.toExponential(2)}`);
      expect(difference).toBeLessThan(0.03);
      expect(outcome.stepMilliseconds.step1).toBeGreaterThan(0);
      expect(outcome.stepMilliseconds.step2).toBeGreaterThan(0);
    });
    const first = page.locator('section.result').last();
    await expect(first.locator('.pair.plain').textContent()).resolves.toContain(`Prediction: ${evaluatorAnswers[0].plain.actor} ${evaluatorAnswers[0].plain.action}`);
    await expect(first.locator('.timing').textContent()).resolves.toMatch(/step 1 \d+ ms, step 2 \d+ ms/);
    await expect(page.locator('#model-card').textContent()).resolves.toContain('synthetic A2D (tiny, easy, seed 0)');
    mkdirSync(OUTPUT_DIR, { recursive: true });
    const shot = path.join(OUTPUT_DIR, 'viewer-result.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`viewer screenshot: ${shot}`);
    await page.close();
  });

  it("gives the evaluator's probabilities within 1e-3 on the evaluator's own frames (webgl and wasm)", async () => {
    await onEachBackend(async (page, backend) => {
      for (const [i, clip] of clips.entries()) {
        const { frameCount, frames } = await evaluatorFrames(clip);
        const answer = await page.evaluate(([count, given]) => window.a2dViewer.predictDecodedFrames(count, given), [frameCount, frames] as const);
        const expected = evaluatorAnswers[i];
        const difference = maxDifference([...answer.actionProbs, ...answer.actorTable.flat()], [...expected.actionProbs, ...expected.actorTable.flat()]);
        console.log(`${path.basename(clip)} on ${backend}, the evaluator's frames: largest probability difference ${difference.toExponential(2)}`);
        expect(difference).toBeLessThanOrEqual(1e-3);
      }
    });
  });

  it("computes both steps' Grad-CAM maps within 1e-3 of evaluator:explain's on its own frames (webgl and wasm), leaving no tensor", async () => {
    await onEachBackend(async (page, backend) => {
      for (const [i, clip] of clips.entries()) {
        const { frameCount, frames } = await evaluatorFrames(clip);
        const before = await page.evaluate(() => window.a2dViewer.numTensors());
        const explanation = await page.evaluate(([count, given]) => window.a2dViewer.explainDecodedFrames(count, given), [frameCount, frames] as const);
        expect(await page.evaluate(() => window.a2dViewer.numTensors())).toBe(before);
        const difference = explanationDifference(explanation, evaluatorExplanations[i]);
        console.log(
          `${path.basename(clip)} on ${backend}, the evaluator's frames: largest difference from evaluator:explain's numbers: ` +
            `maps ${difference.maps.toExponential(2)}, frame importance ${difference.frameImportance.toExponential(2)}, probability ${difference.probability.toExponential(2)}`,
        );
        expect(difference.maps).toBeLessThanOrEqual(1e-3);
        expect(difference.frameImportance).toBeLessThanOrEqual(1e-3);
        expect(difference.probability).toBeLessThanOrEqual(1e-3);
        expect(explanation.steps[1].givenAction).toBe(explanation.steps[0].label);
      }
    });
    // Software webgl (SwiftShader) compiles the gradient kernels on the first explanation: about 20 s.
  }, 240_000);

  it('draws where each step looked under the strip when the box is ticked: off at first, then for shown and new results', async () => {
    const page = await openPage();
    await page.evaluate(() => window.a2dViewer.ready);
    const toggle = page.locator('#explain');
    await expect(toggle.isChecked()).resolves.toBe(false);
    await pick(page, [clips[0]]);
    await expect(page.locator('section.result .explanation').isVisible()).resolves.toBe(false);
    await expect(page.evaluate(() => window.a2dViewer.drawnExplanations())).resolves.toEqual([]);
    const before = await page.evaluate(() => window.a2dViewer.numTensors());

    // Ticked after a prediction: the shown result is explained; a new one is explained after its prediction.
    await toggle.check();
    await expect(page.evaluate(() => window.a2dViewer.drawnExplanations().then((drawn) => drawn.length))).resolves.toBe(1);
    await pick(page, [clips[1]]);
    const drawn = await page.evaluate(() => window.a2dViewer.drawnExplanations());
    expect(drawn.map((entry) => entry.file)).toEqual(clips.map((clip) => path.basename(clip)));
    expect(await page.evaluate(() => window.a2dViewer.numTensors())).toBe(before);
    for (const [i, { explanation }] of drawn.entries()) {
      const section = page.locator('section.result', { has: page.locator('h3', { hasText: path.basename(clips[i]) }) });
      await expect(section.locator('.explanation').isVisible()).resolves.toBe(true);
      const [step1, step2] = explanation.steps;
      await expect(section.locator('figure[data-step="step1"] figcaption').textContent()).resolves.toBe(`Step 1: action ${step1.label} (p ${step1.probability.toFixed(3)})`);
      await expect(section.locator('figure[data-step="step2"] figcaption').textContent()).resolves.toBe(`Step 2: actor ${step2.label} given ${step1.label} (p ${step2.probability.toFixed(3)})`);
      // Each row: the model's T frames of S x S side by side, each over its importance bar (6 px).
      const [time, size] = step1.mapShape;
      await expect(section.locator('.explanation canvas').evaluateAll((canvases) => canvases.map((canvas) => [(canvas as HTMLCanvasElement).width, (canvas as HTMLCanvasElement).height]))).resolves.toEqual([
        [time * size, size + 6],
        [time * size, size + 6],
      ]);
      // The browser decoded these frames itself (about 2 levels of 255 off ffmpeg's): the same classes, maps near the evaluator's.
      const difference = explanationDifference(explanation, evaluatorExplanations[i]);
      console.log(`${path.basename(clips[i])}: browser-decoded frames, largest map difference from evaluator:explain ${difference.maps.toExponential(2)}`);
    }

    // What is drawn is the explanation of the frames the page decoded and fed the model.
    const ownFrames = await page.evaluate(async () => {
      const input = document.getElementById('file') as HTMLInputElement;
      const decoded = await window.a2dViewer.decodeFile((input.files as FileList)[0]);
      return window.a2dViewer.explainDecodedFrames(decoded.frameCount, decoded.frames);
    });
    ownFrames.steps.forEach((step, k) => expect(maxDifference(step.maps, drawn[1].explanation.steps[k].maps)).toBe(0));

    mkdirSync(OUTPUT_DIR, { recursive: true });
    const shot = path.join(OUTPUT_DIR, 'viewer-explanation.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`viewer screenshot with the heatmaps: ${shot}`);

    // Unticked, the rows are hidden; ticked again, they come back without being computed again.
    await toggle.uncheck();
    await expect(page.locator('section.result .explanation').first().isVisible()).resolves.toBe(false);
    await toggle.check();
    await expect(page.locator('section.result .explanation').first().isVisible()).resolves.toBe(true);
    await expect(page.evaluate(() => window.a2dViewer.drawnExplanations().then((again) => again.map((entry) => entry.explanation.milliseconds)))).resolves.toEqual(
      drawn.map((entry) => entry.explanation.milliseconds),
    );
    await page.close();
  }, 240_000);

  it('seeks onto exactly the frame ffmpeg would select', async () => {
    const file = path.join(base, 'pattern.mp4');
    await videoFixtures.writePatternVideo(file, { numFrames: 70, width: 64, height: 48 });
    const page = await openPage();
    await page.evaluate(() => window.a2dViewer.ready);
    await page.setInputFiles('#file', []);
    const handle = await page.$('#file');
    await handle?.setInputFiles(file);
    const decoded = await page.evaluate(async () => {
      const input = document.getElementById('file') as HTMLInputElement;
      return window.a2dViewer.decodeFile((input.files as FileList)[0], { width: 64, height: 48 });
    });
    expect(decoded.frameCount).toBe(70);
    const indices = Object.keys(decoded.frames).map(Number);
    expect(indices.length).toBeGreaterThan(0);
    for (const index of indices) expect(videoFixtures.readFrameNumber(Uint8Array.from(decoded.frames[index]), 64, 48)).toBe(index);
    await page.close();
  });

  it('says in words what is wrong with a file that is not a usable video, and keeps going', async () => {
    const notVideo = path.join(base, 'notes.mp4');
    writeFileSync(notVideo, 'not a video\n');
    const audioOnly = path.join(base, 'audio.mp4');
    await videoFixtures.writeAudioOnlyMp4(audioOnly);
    const mpeg4 = path.join(base, 'mpeg4-part2.mp4');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=10:d=1', '-c:v', 'mpeg4', mpeg4]);
    const page = await openPage();
    await page.evaluate(() => window.a2dViewer.ready);
    const outcomes = await pick(page, [notVideo, audioOnly, mpeg4, clips[0]]);
    const errors = outcomes.map((outcome) => (outcome.ok ? '' : outcome.error));
    expect(errors[0]).toMatch(/^notes\.mp4: not an MP4\/MOV file/);
    expect(errors[1]).toMatch(/^audio\.mp4: has no video track/);
    expect(errors[2]).toMatch(/^mpeg4-part2\.mp4: (its codec 'mp4v' is not one this browser plays|the browser cannot play this format or codec)/);
    expect(outcomes[3].ok).toBe(true);
    await expect(page.locator('section.result.failed .error').first().textContent()).resolves.toMatch(/\S/);
    await expect(page.locator('#status').textContent()).resolves.toBe('Done: 1 of 4 file(s) predicted.');
    await page.close();
  });

  it('says so on the page when the model cannot be loaded', async () => {
    const broken = path.join(base, 'broken-viewer');
    cpSync(viewerDir, broken, { recursive: true });
    const weights = path.join(broken, 'model', 'weights.bin');
    writeFileSync(weights, readFileSync(weights).subarray(0, 100));
    const brokenServer = await serveFolder(broken, { port: 0 });
    try {
      const page = await browser.newPage();
      await page.goto(brokenServer.url);
      await page.waitForFunction(() => (document.getElementById('load-error')?.textContent ?? '') !== '', undefined, { timeout: 60_000 });
      await expect(page.locator('#load-error').textContent()).resolves.toMatch(/^The model failed to load: /);
      await expect(page.locator('#file').isDisabled()).resolves.toBe(true);
      await page.close();
    } finally {
      await brokenServer.close();
    }
  });
});
