/**
 * The viewer page: loads `model-card.json` and the model (tfjs LayersModel; the project's custom layers are
 * registered by importing the same layer modules as Node does), picks a backend (webgl, else wasm, else cpu; or
 * `?backend=` in the address), then predicts every video picked or dropped: the frames `evaluator:predict` would
 * read, decoded by the browser (`decodeVideoFrames`), through `predictViewClips`. Everything is shown in words,
 * errors too. With "Show where each step looked" on, each result also gets both steps' Grad-CAM maps on the first
 * view's clip (`explainViewClip`), computed after the prediction is shown. `window.a2dViewer` is the same machinery
 * for scripts and tests.
 */
import { ACTORS, VIDEO_ACTIONS, type Clip } from '@a2d/core';
import { registerWasmTrainingKernels, tf } from '@a2d/engine';
import { OneStepModel, TwoStepModel } from '@a2d/layers';
import type { Classifier } from '@a2d/training';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { planFrames, predictViewClips, viewClips, type ViewerPrediction } from './clip-inference';
import { explainViewClip, firstViewClip, heatOverlay, stepCaption, type FirstViewClip, type ViewerExplanation } from './first-view-explanation';
import { MODEL_CARD_FILE, MODEL_DIR, parseModelCard, type ModelCard } from './model-card';
import { decodeVideoFrames, type FrameScaling } from './video-frames';

/** One file's outcome, as shown on the page and returned to scripts. */
export type FileOutcome =
  | ({ ok: true; file: string; frames: number; decodeMilliseconds: number; action: string; actor: string; constrainedAction: string; constrainedActor: string } & ViewerPrediction)
  | { ok: false; file: string; error: string };

/** What `window.a2dViewer` offers. */
export interface ViewerApi {
  /** Resolves once the model is loaded (with the backend in use), rejects with the load error. */
  ready: Promise<{ backend: string; card: ModelCard }>;
  /** Predicts files as the page does for a pick or a drop. */
  predictFiles(files: File[]): Promise<FileOutcome[]>;
  /** Predicts from frames decoded elsewhere (rgb24 at the decode size, by source frame number) of a video of `frameCount` frames. */
  predictDecodedFrames(frameCount: number, frames: Record<number, ArrayLike<number>>): Promise<ViewerPrediction>;
  /** The frames the page reads from a file, as the browser decoded them (rgb24 at the decode size, by source frame number). */
  decodeFile(file: File, size?: { width: number; height: number }): Promise<{ frameCount: number; frames: Record<number, number[]> }>;
  /** The source frames the page reads for a video of `frameCount` frames. */
  planFrames(frameCount: number): Promise<number[]>;
  /** Grad-CAM of both steps on the first view's clip of frames decoded elsewhere (as `predictDecodedFrames` takes them). */
  explainDecodedFrames(frameCount: number, frames: Record<number, ArrayLike<number>>): Promise<ViewerExplanation>;
  /** The explanations drawn on the page so far, oldest first, once those being computed are done. */
  drawnExplanations(): Promise<{ file: string; explanation: ViewerExplanation }[]>;
  /** tfjs's live tensor count (for leak checks). */
  numTensors(): number;
}

declare global {
  interface Window {
    a2dViewer: ViewerApi;
  }
}

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`page: #${id} is missing`);
  return found as T;
};

function text(tag: string, content: string, className?: string): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = content;
  if (className) node.className = className;
  return node;
}

const percent = (p: number) => `${(100 * p).toFixed(1)}%`;
const ms = (value: number) => `${value.toFixed(0)} ms`;

/** The first backend of the order (or the one asked for) that initialises. */
async function chooseBackend(): Promise<{ backend: string; tried: string[] }> {
  const asked = new URLSearchParams(location.search).get('backend');
  const order = asked ? [asked] : ['webgl', 'wasm', 'cpu'];
  const tried: string[] = [];
  setWasmPaths(new URL('./', location.href).href);
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        if (name === 'wasm') registerWasmTrainingKernels();
        return { backend: name, tried };
      }
      tried.push(`${name}: not available`);
    } catch (error) {
      tried.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no tfjs backend could start (${tried.join('; ')})`);
}

async function loadCard(): Promise<ModelCard> {
  const response = await fetch(MODEL_CARD_FILE);
  if (!response.ok) throw new Error(`${MODEL_CARD_FILE}: HTTP ${response.status} (is this a viewer:build folder?)`);
  return parseModelCard(await response.json(), MODEL_CARD_FILE);
}

async function loadModel(card: ModelCard): Promise<Classifier> {
  const handler = tf.io.browserHTTPRequest(`${MODEL_DIR}/model.json`);
  return card.model.kind === 'one-step' ? OneStepModel.load(handler) : TwoStepModel.load(handler);
}

function bars(title: string, names: readonly string[], probabilities: readonly number[], chosen: number): HTMLElement {
  const box = document.createElement('div');
  box.className = 'bars';
  box.append(text('h4', title));
  probabilities.forEach((p, i) => {
    const row = document.createElement('div');
    row.className = i === chosen ? 'bar chosen' : 'bar';
    const fill = document.createElement('span');
    fill.className = 'fill';
    fill.style.width = `${(100 * p).toFixed(2)}%`;
    row.append(text('span', names[i], 'name'), fill, text('span', percent(p), 'value'));
    box.append(row);
  });
  return box;
}

/** Frames (rgb24, `width` x `height` each) side by side on one canvas. */
function framesCanvas(frames: readonly Uint8Array[], width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width * frames.length;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) return canvas;
  frames.forEach((rgb, i) => {
    const image = context.createImageData(width, height);
    for (let p = 0, q = 0; p < rgb.length; p += 3, q += 4) {
      image.data[q] = rgb[p];
      image.data[q + 1] = rgb[p + 1];
      image.data[q + 2] = rgb[p + 2];
      image.data[q + 3] = 255;
    }
    context.putImageData(image, i * width, 0);
  });
  return canvas;
}

/** The first view's frames side by side, as the model saw them before cropping (decode size). */
function frameStrip(frames: readonly Uint8Array[], card: ModelCard): HTMLCanvasElement {
  const canvas = framesCanvas(frames, card.inference.decode.width, card.inference.decode.height);
  canvas.className = 'strip';
  return canvas;
}

/** A clip's frames side by side, drawn twice as large (the model's input is small), at most the page's width. */
function clipCanvas(clip: Clip): HTMLCanvasElement {
  const frameBytes = clip.height * clip.width * 3;
  const frames = Array.from({ length: clip.numFrames }, (_, t) => clip.data.subarray(t * frameBytes, (t + 1) * frameBytes));
  const canvas = framesCanvas(frames, clip.width, clip.height);
  canvas.style.width = `${2 * canvas.width}px`;
  return canvas;
}

/** One row per explained step: its frames with the map blended in, captioned with the class and its probability. */
function renderExplanation(explanation: ViewerExplanation, clip: FirstViewClip, predictedAction: string, clips: number): HTMLElement[] {
  const [frames, size] = clip.shape;
  const nodes: HTMLElement[] = [text('h4', `Where each step looked (Grad-CAM on the first view's ${frames} frames of ${size}x${size} px, as the model read them)`)];
  for (const step of explanation.steps) {
    const figure = document.createElement('figure');
    figure.dataset.step = step.step;
    figure.append(text('figcaption', stepCaption(step)), clipCanvas(heatOverlay(clip.pixels, step)));
    nodes.push(figure);
  }
  const first = explanation.steps[0];
  if (first.step === 'step1' && first.label !== predictedAction) {
    nodes.push(text('p', `The prediction averages ${clips} clips; this is the first clip's own action, and step 2 is explained given it.`, 'note'));
  }
  nodes.push(text('p', `Hot colours (black, red, yellow, white) mark where the class's score rises; the blue bar under a frame is its share of the gradient x input. Computed in ${ms(explanation.milliseconds)}.`, 'note'));
  return nodes;
}

function renderOutcome(outcome: FileOutcome, card: ModelCard, strip?: HTMLCanvasElement, explanationPanel?: HTMLElement): HTMLElement {
  const section = document.createElement('section');
  section.className = outcome.ok ? 'result' : 'result failed';
  section.dataset.file = outcome.file;
  section.dataset.outcome = JSON.stringify(outcome);
  section.append(text('h3', outcome.file));
  if (!outcome.ok) {
    section.append(text('p', outcome.error, 'error'));
    return section;
  }
  const action = VIDEO_ACTIONS.indexOf(outcome.action as (typeof VIDEO_ACTIONS)[number]);
  const actor = ACTORS.indexOf(outcome.actor as (typeof ACTORS)[number]);
  const joint = (a: string, b: string) => {
    const ai = VIDEO_ACTIONS.indexOf(a as (typeof VIDEO_ACTIONS)[number]);
    const bi = ACTORS.indexOf(b as (typeof ACTORS)[number]);
    return outcome.actionProbs[ai] * outcome.actorTable[ai][bi];
  };
  const pairs = document.createElement('div');
  pairs.className = 'pairs';
  pairs.append(
    text('p', `Prediction: ${outcome.actor} ${outcome.action} (p(action) ${percent(outcome.actionProbs[action])}, p(actor | action) ${percent(outcome.actorTable[action][actor])})`, 'pair plain'),
    text('p', `Constrained (best valid A2D pair among the top-${card.inference.constrainedTopK} actions): ${outcome.constrainedActor} ${outcome.constrainedAction} (joint ${percent(joint(outcome.constrainedAction, outcome.constrainedActor))})`, 'pair constrained'),
  );
  const timing = outcome.stepMilliseconds.step2 === null
    ? `decode ${ms(outcome.decodeMilliseconds)}, model (one pass, one-step) ${ms(outcome.stepMilliseconds.step1)}`
    : `decode ${ms(outcome.decodeMilliseconds)}, step 1 ${ms(outcome.stepMilliseconds.step1)}, step 2 ${ms(outcome.stepMilliseconds.step2)}`;
  if (strip) section.append(strip);
  if (explanationPanel) section.append(explanationPanel);
  section.append(
    pairs,
    text('p', `${outcome.frames} frames in the file; ${outcome.clips} clip(s) of ${card.model.numFrames} frames averaged; ${timing}`, 'timing'),
    bars('Step 1: p(action)', VIDEO_ACTIONS, outcome.actionProbs, action),
    bars(`Step 2: p(actor | ${outcome.action})`, ACTORS, outcome.actorTable[action], actor),
  );
  return section;
}

function renderCard(card: ModelCard, backend: string): void {
  const box = element('model-card');
  box.replaceChildren();
  const rows: [string, string][] = [
    ['Experiment', `${card.experiment} (checkpoint ${card.checkpoint}, ${card.weights} weights)`],
    ['Model', `${card.model.kind}, ${card.model.backbone} backbone, ${card.model.parameters.toLocaleString('en')} weights; ${card.model.numFrames} frames of ${card.model.inputSize} px`],
    ['Trained on', `${card.training.dataset}${card.training.trainClips !== null ? `, ${card.training.trainClips} training clips` : ''}${card.training.epochs !== null ? `, ${card.training.epochs} epochs` : ''}`],
    ['Best validation', card.training.bestValCombined === null ? 'not recorded' : `combined ${card.training.bestValCombined.toFixed(1)}% (epoch ${card.training.bestEpoch})`],
    [
      'Test metrics',
      card.testMetrics === null
        ? 'not evaluated (run evaluator:test, then build again)'
        : `combined ${card.testMetrics.combined.toFixed(1)}%${card.testMetrics.combinedConstrained !== null ? ` (constrained ${card.testMetrics.combinedConstrained.toFixed(1)}%)` : ''}, action ${card.testMetrics.action.toFixed(1)}%, actor ${card.testMetrics.actor.toFixed(1)}% on ${card.testMetrics.clips} clips`,
    ],
    ['Frames', `${card.inference.views} view(s) x ${card.inference.crops} crop(s); decoded at ${card.inference.decode.width}x${card.inference.decode.height}${card.inference.cacheFrames === null ? '' : `, snapped onto ${Math.max(card.inference.cacheFrames, card.model.numFrames * card.inference.views)} evenly spread frames as the frame cache does`}`],
    ['Actions', card.classes.actions.join(', ')],
    ['Actors', card.classes.actors.join(', ')],
    ['Backend', `tfjs ${backend}`],
  ];
  const list = document.createElement('dl');
  for (const [name, value] of rows) list.append(text('dt', name), text('dd', value));
  box.append(list);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Lets the page paint (the prediction, a note) before a long synchronous computation; a hidden tab may skip the frame. */
function afterPaint(): Promise<void> {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 100);
  });
}

/** A shown result the page can explain: its first view's clip (decode size) and the panel the rows go into. */
interface ExplainableResult {
  file: string;
  firstView: Clip;
  predictedAction: string;
  panel: HTMLElement;
  /** Set once computed (or once it failed, with the error shown in the panel). */
  explanation?: ViewerExplanation | { error: string };
}

/** `?scaling=canvas` scales with the canvas instead of swscale's bicubic (for comparisons). */
const scaling: FrameScaling = new URLSearchParams(location.search).get('scaling') === 'canvas' ? 'canvas' : 'bicubic';

function start(): ViewerApi {
  const status = element('status');
  const results = element('results');
  const explainToggle = element<HTMLInputElement>('explain');
  const explainable: ExplainableResult[] = [];
  let explaining: Promise<void> = Promise.resolve();
  const loading = (async () => {
    const { backend, tried } = await chooseBackend();
    const card = await loadCard();
    const model = await loadModel(card);
    // One pass on blank frames compiles the backend's kernels (webgl shaders), so the times shown are the model's.
    const { width, height } = card.inference.decode;
    const blank = { data: new Uint8Array(card.model.numFrames * width * height * 3), numFrames: card.model.numFrames, height, width };
    await predictViewClips(model, [blank], card);
    element('backend').textContent = `tfjs backend: ${backend}${tried.length > 0 ? ` (${tried.join('; ')})` : ''}`;
    renderCard(card, backend);
    return { backend, card, model };
  })();

  async function predictFile(file: File): Promise<{ outcome: FileOutcome; strip?: HTMLCanvasElement; clips?: Clip[] }> {
    const { card, model } = await loading;
    try {
      const decodeStarted = performance.now();
      let plan = planFrames(1, card);
      const decoded = await decodeVideoFrames(
        file,
        (table) => {
          plan = planFrames(table.frameCount, card);
          return plan.frames;
        },
        card.inference.decode,
        scaling,
      );
      const decodeMilliseconds = performance.now() - decodeStarted;
      const clips = viewClips(plan, decoded.frames, card);
      const prediction = await predictViewClips(model, clips, card);
      const strip = frameStrip(plan.views[0].map((index) => decoded.frames.get(index) as Uint8Array), card);
      const outcome: FileOutcome = {
        ok: true,
        file: file.name,
        frames: decoded.table.frameCount,
        decodeMilliseconds,
        action: VIDEO_ACTIONS[prediction.plain.action],
        actor: ACTORS[prediction.plain.actor],
        constrainedAction: VIDEO_ACTIONS[prediction.constrained.action],
        constrainedActor: ACTORS[prediction.constrained.actor],
        ...prediction,
      };
      return { outcome, strip, clips };
    } catch (error) {
      return { outcome: { ok: false, file: file.name, error: describe(error) } };
    }
  }

  /** Explains every shown result not yet explained, one after another, while the toggle is on. */
  function explainShown(): Promise<void> {
    explaining = explaining.then(async () => {
      // Results exist only once the model has loaded.
      if (explainable.every((result) => result.explanation)) return;
      const { card, model } = await loading;
      for (const result of explainable) {
        if (result.explanation || !explainToggle.checked) continue;
        result.panel.replaceChildren(text('p', 'Working out where each step looked ...', 'note'));
        await afterPaint();
        try {
          const clip = firstViewClip([result.firstView], card);
          const explanation = explainViewClip(model, clip);
          result.explanation = explanation;
          result.panel.replaceChildren(...renderExplanation(explanation, clip, result.predictedAction, card.inference.views * card.inference.crops));
        } catch (error) {
          result.explanation = { error: describe(error) };
          result.panel.replaceChildren(text('p', `Could not work out where each step looked: ${describe(error)}`, 'error'));
        }
      }
    });
    return explaining;
  }

  async function predictFiles(files: File[]): Promise<FileOutcome[]> {
    const { card } = await loading;
    const outcomes: FileOutcome[] = [];
    for (const file of files) {
      status.textContent = `Reading ${file.name} ...`;
      const { outcome, strip, clips } = await predictFile(file);
      outcomes.push(outcome);
      let panel: HTMLElement | undefined;
      if (outcome.ok && clips) {
        panel = document.createElement('div');
        panel.className = 'explanation';
        explainable.push({ file: outcome.file, firstView: clips[0], predictedAction: outcome.action, panel });
      }
      results.prepend(renderOutcome(outcome, card, strip, panel));
      // After the prediction is on the page: the gradients take longer than the prediction.
      if (explainToggle.checked) void explainShown();
    }
    status.textContent = `Done: ${outcomes.filter((o) => o.ok).length} of ${outcomes.length} file(s) predicted.`;
    return outcomes;
  }

  loading.then(
    ({ card }) => {
      status.textContent = `Model loaded (${card.model.kind}, ${card.experiment}). Pick or drop a video.`;
      element<HTMLInputElement>('file').disabled = false;
    },
    (error: unknown) => {
      status.textContent = '';
      element('load-error').textContent = `The model failed to load: ${describe(error)}`;
    },
  );

  explainToggle.addEventListener('change', () => {
    results.classList.toggle('explaining', explainToggle.checked);
    if (explainToggle.checked) void explainShown();
  });
  // A browser may restore the box ticked on reload.
  results.classList.toggle('explaining', explainToggle.checked);

  const input = element<HTMLInputElement>('file');
  input.addEventListener('change', () => {
    if (input.files && input.files.length > 0) void predictFiles([...input.files]);
  });
  const drop = element('drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length > 0) void predictFiles(files);
  });

  return {
    ready: loading.then(({ backend, card }) => ({ backend, card })),
    predictFiles,
    async predictDecodedFrames(frameCount, frames) {
      const { card, model } = await loading;
      const plan = planFrames(frameCount, card);
      const decoded = new Map(Object.entries(frames).map(([index, values]) => [Number(index), Uint8Array.from(values)]));
      return predictViewClips(model, viewClips(plan, decoded, card), card);
    },
    async decodeFile(file, size) {
      const { card } = await loading;
      const decoded = await decodeVideoFrames(file, (table) => planFrames(table.frameCount, card).frames, size ?? card.inference.decode, scaling);
      return { frameCount: decoded.table.frameCount, frames: Object.fromEntries([...decoded.frames].map(([index, rgb]) => [index, Array.from(rgb)])) };
    },
    async planFrames(frameCount) {
      return planFrames(frameCount, (await loading).card).frames;
    },
    async explainDecodedFrames(frameCount, frames) {
      const { card, model } = await loading;
      const decoded = new Map(Object.entries(frames).map(([index, values]) => [Number(index), Uint8Array.from(values)]));
      return explainViewClip(model, firstViewClip(viewClips(planFrames(frameCount, card), decoded, card), card));
    },
    async drawnExplanations() {
      let settled: Promise<void>;
      do {
        settled = explaining;
        await settled;
      } while (settled !== explaining);
      return explainable.flatMap(({ file, explanation }) => (explanation && 'steps' in explanation ? [{ file, explanation }] : []));
    },
    numTensors() {
      return tf.memory().numTensors;
    },
  };
}

window.a2dViewer = start();
