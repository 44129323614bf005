/**
 * `npx nx run evaluator:explain --experiment-name=<name> --video=<file> [--video=<file> ...] [--out=<dir>]
 * [--checkpoint=<folder>] [--ema] [--backend=...]`
 * Explains a two-step model's prediction on each file's first clip (sampled, decoded and cropped as
 * `evaluator:predict` does): Grad-CAM maps per frame for step 1 (the action) and step 2 (the actor given that
 * action), and each frame's importance (`explainClip` of `@a2d/layers`). Writes `<out>/<file name>.json` (labels,
 * probabilities, the maps rounded to 3 decimals, frame importance) and `<out>/<file name>.png` (the frames with
 * each step's map overlaid, one row per step, frame importance as a bar under each frame); `--out` defaults to
 * `<experiment>/explanations`. A file that cannot be read gets one error line; the others are still explained,
 * and the exit code is 1.
 */
import path from 'node:path';
import { z } from 'zod';
import { renderContactSheet } from '@a2d/augment';
import { A2dError, a2dConfigSchema, ACTORS, checkOutputPath, listFlag, loadConfig, parseCommandLine, runCommandLine, stringFlag, VIDEO_ACTIONS, writeFileAtomic, type Clip } from '@a2d/core';
import { initEngine, tf } from '@a2d/engine';
import { explainClip, ExplanationError, OneStepModel, type ClassExplanation, type TwoStepExplanation } from '@a2d/layers';
import { VideoFilePredictor, type PredictorSettings, type VideoFileClip } from '@a2d/training';
import { experimentSelectionFlags, findExperiment } from './experiment-folder';

/** evaluator:explain's command line: the experiment, the files, and where the explanations go. */
export const EXPLAIN_COMMAND_LINE = {
  name: 'evaluator:explain',
  summary:
    "explains an experiment's two-step prediction on video files: Grad-CAM maps per frame for step 1 (action) and step 2 (actor given the action) " +
    'and per-frame importance, on the first clip sampled as evaluator:predict does; writes <file>.json and <file>.png per file',
  flags: z.object({
    experimentName: experimentSelectionFlags.experimentName.describe('the experiment: a folder of experiment.dir').meta({ placeholder: 'name' }),
    video: listFlag().describe('a video file to explain').meta({ placeholder: 'file' }),
    checkpoint: experimentSelectionFlags.checkpoint.describe('a checkpoint folder to use instead of <experiment>/checkpoints/best').meta({ placeholder: 'dir' }),
    ema: experimentSelectionFlags.ema.describe("use the checkpoint's EMA weights"),
    out: stringFlag().optional().describe('the folder the explanations are written to (default <experiment>/explanations)').meta({ placeholder: 'dir' }),
  }),
  aliases: { experimentsDir: 'experiment.dir', backend: 'engine.backend' },
  configKeys: ['experiment.dir', 'engine.backend'],
  configHint: "the videos are the --video=<file> flags (no dataset is read); the model and its other settings are the checkpoint's",
};

/** One step's explanation as written to `<file>.json`. */
export interface ExplainedStepJson {
  /** Step 1: the action; step 2: the actor. */
  label: string;
  /** Step 1: p(action); step 2: p(actor | action). */
  probability: number;
  /** Grad-CAM maps [T][S][S] in [0, 1], rounded to 3 decimals. */
  maps: number[][][];
  /** T values summing to 1. */
  frameImportance: number[];
}

/** The content of `<file>.json`. */
export interface ExplanationJson {
  file: string;
  videoId: string;
  checkpoint: string;
  weights: 'live' | 'ema';
  /** [T, S, S]: frames, then the map's rows and columns (the model's input size). */
  mapShape: [number, number, number];
  step1: ExplainedStepJson;
  /** Step 2, conditioned on step 1's action. */
  step2: ExplainedStepJson & { givenAction: string };
}

/** One file's outcome. */
export type ExplainedFile =
  | { ok: true; file: string; action: string; actionProbability: number; actor: string; actorProbability: number; json: string; png: string; pngSize: { width: number; height: number } }
  | { ok: false; file: string; error: string };

/** What `runExplainCommand` did. */
export interface ExplainOutcome {
  settings: PredictorSettings;
  /** The folder written to. */
  outDir: string;
  files: ExplainedFile[];
  /** 0 when every file was explained, 1 otherwise. */
  exitCode: number;
}

/** Where `runExplainCommand` reports the backend it chose (default: stderr), and the environment it reads. */
export interface ExplainCommandOptions {
  log?: (line: string) => void;
  /** Where `A2D_*` config variables are read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** Height of the frame-importance bar under each frame, in px. */
const BAR_HEIGHT = 6;

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

function nestedMaps(step: ClassExplanation): number[][][] {
  const [time, height, width] = step.mapShape;
  return Array.from({ length: time }, (_, t) => Array.from({ length: height }, (_, y) => Array.from(step.maps.subarray((t * height + y) * width, (t * height + y + 1) * width), round3)));
}

/** A "hot" colour for v in [0, 1]: black, red, yellow, white. */
function heat(value: number): [number, number, number] {
  const clamp = (x: number) => Math.max(0, Math.min(1, x)) * 255;
  return [clamp(3 * value), clamp(3 * value - 1), clamp(3 * value - 2)];
}

/** The clip's frames with `step`'s maps blended in, each with a frame-importance bar (relative to the clip's largest) below. */
function overlaidClip(pixels: Clip, step: ClassExplanation): Clip {
  const { numFrames, height, width } = pixels;
  const outHeight = height + BAR_HEIGHT;
  const data = new Uint8Array(numFrames * outHeight * width * 3);
  const peak = Math.max(...step.frameImportance);
  for (let t = 0; t < numFrames; t++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const source = ((t * height + y) * width + x) * 3;
        const target = ((t * outHeight + y) * width + x) * 3;
        const colour = heat(step.maps[(t * height + y) * width + x]);
        for (let c = 0; c < 3; c++) data[target + c] = Math.round(0.55 * pixels.data[source + c] + 0.45 * colour[c]);
      }
    }
    const filled = peak > 0 ? Math.round((width * step.frameImportance[t]) / peak) : 0;
    for (let y = height + 1; y < outHeight - 1; y++) {
      for (let x = 0; x < filled; x++) data.set([80, 200, 255], ((t * outHeight + y) * width + x) * 3);
    }
  }
  return { data, numFrames, height: outHeight, width };
}

/** Explains one file's first clip and writes its JSON and PNG into `outDir`. */
async function explainFile(clip: VideoFileClip, settings: PredictorSettings, outDir: string): Promise<ExplainedFile & { ok: true }> {
  if (clip.model instanceof OneStepModel) throw new ExplanationError('model', 'evaluator:explain explains two-step models; this checkpoint is one-step');
  const frames = tf.tensor4d(clip.normalised, clip.shape);
  let explanation: TwoStepExplanation;
  try {
    explanation = explainClip(clip.model, frames);
  } finally {
    frames.dispose();
  }
  const { action, actor } = explanation;
  const actionName = VIDEO_ACTIONS[action.classIndex];
  const actorName = ACTORS[actor.classIndex];
  const stem = path.basename(clip.file, path.extname(clip.file));
  const json: ExplanationJson = {
    file: clip.file,
    videoId: clip.videoId,
    checkpoint: settings.checkpoint,
    weights: settings.weights,
    mapShape: action.mapShape,
    step1: { label: actionName, probability: action.probability, maps: nestedMaps(action), frameImportance: action.frameImportance },
    step2: { label: actorName, givenAction: actionName, probability: actor.probability, maps: nestedMaps(actor), frameImportance: actor.frameImportance },
  };
  const jsonFile = path.join(outDir, `${stem}.json`);
  // Compact: the maps are T x S x S numbers per step (2.5 MB pretty-printed for 8 frames of 112 px).
  await writeFileAtomic(jsonFile, `${JSON.stringify(json)}\n`);
  const sheet = renderContactSheet([
    { label: `step 1: action ${actionName} (p ${action.probability.toFixed(3)})`, clip: overlaidClip(clip.pixels, action) },
    { label: `step 2: actor ${actorName} given ${actionName} (p ${actor.probability.toFixed(3)})`, clip: overlaidClip(clip.pixels, actor) },
  ]);
  const pngFile = path.join(outDir, `${stem}.png`);
  await writeFileAtomic(pngFile, sheet.png);
  return {
    ok: true,
    file: clip.file,
    action: actionName,
    actionProbability: action.probability,
    actor: actorName,
    actorProbability: actor.probability,
    json: jsonFile,
    png: pngFile,
    pngSize: { width: sheet.width, height: sheet.height },
  };
}

/** The printed line of one file's outcome. */
export function formatExplainedFile(outcome: ExplainedFile): string {
  if (!outcome.ok) return `error: ${outcome.error}\n`;
  return (
    `${outcome.file}: ${outcome.action} (p ${outcome.actionProbability.toFixed(4)}) -> ${outcome.actor} (p(actor|action) ${outcome.actorProbability.toFixed(4)}); ` +
    `wrote ${outcome.json}, ${outcome.png}\n`
  );
}

/** Runs the command; `print` receives the output. Command-line, experiment and checkpoint errors propagate. */
export async function runExplainCommand(argv: readonly string[], print: (text: string) => void, options: ExplainCommandOptions = {}): Promise<ExplainOutcome> {
  const env = options.env ?? process.env;
  const { flags, overrides } = parseCommandLine(argv, EXPLAIN_COMMAND_LINE, { env });
  const config = loadConfig(a2dConfigSchema, { env, overrides });
  const experimentDir = findExperiment(config.experiment.dir, flags.experimentName);
  const outDir = flags.out ?? path.join(experimentDir, 'explanations');
  checkOutputPath(outDir, 'folder');
  await initEngine({ backend: config.engine.backend, log: options.log ?? ((line: string) => process.stderr.write(`${line}\n`)) });
  const predictor = await VideoFilePredictor.open({ experimentDir, checkpoint: flags.checkpoint, ema: flags.ema });
  const { settings } = predictor;
  const files: ExplainedFile[] = [];
  try {
    if (settings.modelKind !== 'two-step') throw new ExplanationError('model', `evaluator:explain explains two-step models; ${settings.checkpoint} is ${settings.modelKind}`);
    for (const file of flags.video) {
      let outcome: ExplainedFile;
      try {
        outcome = await explainFile(await predictor.firstClip(file), settings, outDir);
      } catch (error) {
        if (!(error instanceof A2dError)) throw error;
        outcome = { ok: false, file, error: error.message };
      }
      files.push(outcome);
      print(formatExplainedFile(outcome));
    }
  } finally {
    await predictor.close();
  }
  return { settings, outDir, files, exitCode: files.every((outcome) => outcome.ok) ? 0 : 1 };
}

if (require.main === module) {
  void runCommandLine(EXPLAIN_COMMAND_LINE, async () => {
    const outcome = await runExplainCommand(process.argv.slice(2), (text) => process.stdout.write(text));
    return outcome.exitCode;
  }).then((code) => {
    // tfjs (wasm threads) and ffmpeg children are done; exit promptly with the command's code.
    process.exit(code);
  });
}
