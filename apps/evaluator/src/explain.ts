/**
 * `npx nx run evaluator:explain --experiment-name=<name> --video=<file> [--video=<file> ...] [--out=<dir>]
 * [--checkpoint=<folder>] [--ema] [--backend=...]`
 * Explains a two-step model's prediction on each file's first clip (sampled, decoded and cropped as
 * `evaluator:predict` does): Grad-CAM maps per frame for step 1 (the action) and step 2 (the actor given that
 * action), and each frame's importance (`explainClip` of `@a2d/layers`). Writes `<out>/<file name>.json` (labels,
 * probabilities, the maps rounded to 3 decimals, frame importance) and `<out>/<file name>.png` (the frames with
 * each step's map overlaid, one row per step, frame importance as a bar under each frame); `--out` defaults to
 * `<experiment>/explanations`. The one-step baseline gets its pair's map (one row, `pair` in the JSON). A file that
 * cannot be read gets one error line; the others are still explained, and the exit code is 1.
 *
 * `npx nx run evaluator:explain --experiment-name=<name> --split=test [--limit=N] [--strips=all|errors|none]
 * [--out=<dir>] [--root=<dataset dir>]` explains the split's clips instead (`explainSplit` of `@a2d/training`):
 * the pointing game of each step against the dataset's annotated actor boxes, the sanity checks, and strips;
 * writes `<out>/summary.json` and `<out>/strips/` (`--out` defaults to `<experiment>/explanations/<split>`).
 */
import path from 'node:path';
import { z } from 'zod';
import { overlayHeatmaps, renderContactSheet, type ContactSheetRow } from '@a2d/augment';
import { A2dError, a2dConfigSchema, ACTORS, checkOutputPath, ConfigError, givenConfigPaths, listFlag, loadConfig, numberFlag, parseCommandLine, runCommandLine, stringFlag, VIDEO_ACTIONS, writeFileAtomic, type Clip } from '@a2d/core';
import { initEngine, tf } from '@a2d/engine';
import { explainClip, OneStepModel, PAIR_CLASSES, type CamMethod, type ClassExplanation } from '@a2d/layers';
import type { PointingSummary } from '@a2d/metrics';
import { explainSplit, STRIPS_DIR, VideoFilePredictor, type PredictorSettings, type SplitExplanation, type VideoFileClip } from '@a2d/training';
import { experimentSelectionFlags, findExperiment } from './experiment-folder';

/** evaluator:explain's command line: the experiment, the files, and where the explanations go. */
export const EXPLAIN_COMMAND_LINE = {
  name: 'evaluator:explain',
  summary:
    "explains an experiment's two-step predictions: Grad-CAM maps per frame for step 1 (action) and step 2 (actor given the action) and per-frame importance, " +
    'on video files (the first clip, sampled as evaluator:predict does; <file>.json and <file>.png each) or on a split (--split: the pointing game against ' +
    "the dataset's annotated actor boxes, sanity checks, summary.json and strips)",
  flags: z.object({
    experimentName: experimentSelectionFlags.experimentName.describe('the experiment: a folder of experiment.dir').meta({ placeholder: 'name' }),
    video: listFlag().optional().describe('a video file to explain (or use --split)').meta({ placeholder: 'file' }),
    checkpoint: experimentSelectionFlags.checkpoint.describe('a checkpoint folder to use instead of <experiment>/checkpoints/best').meta({ placeholder: 'dir' }),
    ema: experimentSelectionFlags.ema.describe("use the checkpoint's EMA weights"),
    method: z
      .enum(['grad-cam', 'hires-cam'], { message: "expected 'grad-cam' or 'hires-cam'" })
      .default('grad-cam')
      .describe("the map: Grad-CAM (channel weights = the gradient's spatial mean) or HiResCAM (each location's own gradient)"),
    split: z
      .enum(['test', 'val'], { message: "expected 'test' or 'val'" })
      .optional()
      .describe("explain the split's clips instead of files: the pointing game against the dataset's annotations, sanity checks, strips"),
    limit: numberFlag().pipe(z.number().int().positive()).optional().describe("with --split: only the split's first N clips").meta({ placeholder: 'N' }),
    strips: z
      .enum(['all', 'errors', 'none'], { message: "expected 'all', 'errors' or 'none'" })
      .optional()
      .describe('with --split: which clips get a PNG strip (default: all with --limit, else the clips predicted wrong)'),
    out: stringFlag()
      .optional()
      .describe('the folder the explanations are written to (default <experiment>/explanations, with --split <experiment>/explanations/<split>)')
      .meta({ placeholder: 'dir' }),
  }),
  aliases: { experimentsDir: 'experiment.dir', backend: 'engine.backend', root: 'data.root' },
  configKeys: ['experiment.dir', 'engine.backend', { path: 'data.root', defaultFrom: "the experiment's saved config (read with --split only)" }],
  configHint: "the videos are the --video=<file> flags, or with --split the dataset's; the model and its other settings are the checkpoint's",
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

/** What every `<file>.json` holds besides the maps. */
interface ExplanationJsonHeader {
  file: string;
  videoId: string;
  checkpoint: string;
  weights: 'live' | 'ema';
  /** The map's form. */
  method: CamMethod;
  /** [T, S, S]: frames, then the map's rows and columns (the model's input size). */
  mapShape: [number, number, number];
}

/** `<file>.json` of a two-step model: both steps. */
export interface TwoStepExplanationJson extends ExplanationJsonHeader {
  kind: 'two-step';
  step1: ExplainedStepJson;
  /** Step 2, conditioned on step 1's action. */
  step2: ExplainedStepJson & { givenAction: string };
}

/** `<file>.json` of the one-step baseline: its (actor, action) pair, `label` as `<actor>-<action>`. */
export interface OneStepExplanationJson extends ExplanationJsonHeader {
  kind: 'one-step';
  pair: ExplainedStepJson & { actor: string; action: string };
}

/** The content of `<file>.json`. */
export type ExplanationJson = TwoStepExplanationJson | OneStepExplanationJson;

/** Where one file's explanation went. */
interface WrittenExplanation {
  ok: true;
  file: string;
  action: string;
  actor: string;
  json: string;
  png: string;
  pngSize: { width: number; height: number };
}

/** One file's outcome: a two-step model's both steps, the one-step baseline's pair, or the error. */
export type ExplainedFile =
  | (WrittenExplanation & { kind: 'two-step'; actionProbability: number; actorProbability: number })
  | (WrittenExplanation & { kind: 'one-step'; pairProbability: number })
  | { ok: false; file: string; error: string };

/** What `runExplainCommand` did with `--video` files. */
export interface FilesExplainOutcome {
  mode: 'files';
  settings: PredictorSettings;
  /** The folder written to. */
  outDir: string;
  files: ExplainedFile[];
  /** 0 when every file was explained, 1 otherwise. */
  exitCode: number;
}

/** What `runExplainCommand` did with `--split`. */
export interface SplitExplainOutcome {
  mode: 'split';
  outDir: string;
  summaryFile: string;
  summary: SplitExplanation;
  /** 0 when a clip was explained, 1 when every clip was skipped. */
  exitCode: number;
}

/** What `runExplainCommand` did. */
export type ExplainOutcome = FilesExplainOutcome | SplitExplainOutcome;

/** Where `runExplainCommand` reports the backend it chose (default: stderr), and the environment it reads. */
export interface ExplainCommandOptions {
  log?: (line: string) => void;
  /** Where `A2D_*` config variables are read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

function nestedMaps(step: ClassExplanation): number[][][] {
  const [time, height, width] = step.mapShape;
  return Array.from({ length: time }, (_, t) => Array.from({ length: height }, (_, y) => Array.from(step.maps.subarray((t * height + y) * width, (t * height + y + 1) * width), round3)));
}

/** The clip's frames with `step`'s maps blended in, each with a frame-importance bar below. */
function overlaidClip(pixels: Clip, step: ClassExplanation): Clip {
  return overlayHeatmaps(pixels, step.maps, { frameImportance: step.frameImportance });
}

/** Explains one file's first clip and writes its JSON and PNG into `outDir`. */
async function explainFile(clip: VideoFileClip, settings: PredictorSettings, outDir: string, method: CamMethod): Promise<ExplainedFile & { ok: true }> {
  const frames = tf.tensor4d(clip.normalised, clip.shape);
  type Written = Pick<WrittenExplanation, 'ok' | 'file' | 'json' | 'png' | 'pngSize'>;
  let explained: { json: ExplanationJson; rows: ContactSheetRow[]; outcome: (written: Written) => ExplainedFile & { ok: true } };
  const header = { file: clip.file, videoId: clip.videoId, checkpoint: settings.checkpoint, weights: settings.weights, method };
  try {
    if (clip.model instanceof OneStepModel) {
      const { pair } = explainClip(clip.model, frames, { method });
      const classes = PAIR_CLASSES[pair.classIndex];
      const [actorName, actionName] = [ACTORS[classes.actor], VIDEO_ACTIONS[classes.action]];
      explained = {
        json: {
          ...header,
          kind: 'one-step',
          mapShape: pair.mapShape,
          pair: { label: `${actorName}-${actionName}`, actor: actorName, action: actionName, probability: pair.probability, maps: nestedMaps(pair), frameImportance: pair.frameImportance },
        },
        rows: [{ label: `one-step pair: ${actorName} ${actionName} (p ${pair.probability.toFixed(3)})`, clip: overlaidClip(clip.pixels, pair) }],
        outcome: (written) => ({ ...written, kind: 'one-step', action: actionName, actor: actorName, pairProbability: pair.probability }),
      };
    } else {
      const { action, actor } = explainClip(clip.model, frames, { method });
      const [actionName, actorName] = [VIDEO_ACTIONS[action.classIndex], ACTORS[actor.classIndex]];
      explained = {
        json: {
          ...header,
          kind: 'two-step',
          mapShape: action.mapShape,
          step1: { label: actionName, probability: action.probability, maps: nestedMaps(action), frameImportance: action.frameImportance },
          step2: { label: actorName, givenAction: actionName, probability: actor.probability, maps: nestedMaps(actor), frameImportance: actor.frameImportance },
        },
        rows: [
          { label: `step 1: action ${actionName} (p ${action.probability.toFixed(3)})`, clip: overlaidClip(clip.pixels, action) },
          { label: `step 2: actor ${actorName} given ${actionName} (p ${actor.probability.toFixed(3)})`, clip: overlaidClip(clip.pixels, actor) },
        ],
        outcome: (written) => ({ ...written, kind: 'two-step', action: actionName, actor: actorName, actionProbability: action.probability, actorProbability: actor.probability }),
      };
    }
  } finally {
    frames.dispose();
  }
  const stem = path.basename(clip.file, path.extname(clip.file));
  const jsonFile = path.join(outDir, `${stem}.json`);
  // Compact: the maps are T x S x S numbers per step (2.5 MB pretty-printed for 8 frames of 112 px).
  await writeFileAtomic(jsonFile, `${JSON.stringify(explained.json)}\n`);
  const sheet = renderContactSheet(explained.rows);
  const pngFile = path.join(outDir, `${stem}.png`);
  await writeFileAtomic(pngFile, sheet.png);
  return explained.outcome({ ok: true, file: clip.file, json: jsonFile, png: pngFile, pngSize: { width: sheet.width, height: sheet.height } });
}

/** The printed line of one file's outcome. */
export function formatExplainedFile(outcome: ExplainedFile): string {
  if (!outcome.ok) return `error: ${outcome.error}\n`;
  const what =
    outcome.kind === 'two-step'
      ? `${outcome.action} (p ${outcome.actionProbability.toFixed(4)}) -> ${outcome.actor} (p(actor|action) ${outcome.actorProbability.toFixed(4)})`
      : `pair ${outcome.actor} ${outcome.action} (p ${outcome.pairProbability.toFixed(4)})`;
  return `${outcome.file}: ${what}; wrote ${outcome.json}, ${outcome.png}\n`;
}

/** Runs the command; `print` receives the output. Command-line, experiment and checkpoint errors propagate. */
/** A rate with its 95% interval and frame count, e.g. `0.853 [0.829, 0.874] of 843 frames`. */
function formatRate(summary: PointingSummary): string {
  if (summary.rate === null || summary.interval95 === null) return 'no frames';
  const [low, high] = summary.interval95;
  return `${summary.rate.toFixed(3)} [${low.toFixed(3)}, ${high.toFixed(3)}] of ${summary.frames} frames`;
}

/** The printed summary of a split's explanation. */
export function formatSplitExplanation(summary: SplitExplanation, summaryFile: string, seconds: number): string {
  const attempted = summary.clips + summary.skipped.length;
  const of = attempted < summary.clipsInSplit ? `the first ${attempted} of ${summary.clipsInSplit}` : `${summary.clipsInSplit}`;
  const lines = [`explained ${summary.clips} of ${of} ${summary.split} clips (${summary.annotatedClips} with annotations, ${summary.skipped.length} skipped) in ${seconds.toFixed(0)} s`];
  const { step1, step2, byActor } = summary.pointing;
  if (step1.frames === 0) {
    lines.push('pointing game: no annotated frame to score (the dataset has no Annotations/mat/<id>/*.mat; synth:generate writes them)');
  } else {
    const baseline = step1.baseline ?? 0;
    lines.push(`pointing game of the ${summary.method} maps (the peak in the true actor's box; a random point hits ${baseline.toFixed(3)} on average):`);
    lines.push(`  step 1 (action): ${formatRate(step1)}${step1.emptyMaps > 0 ? `, ${step1.emptyMaps} empty maps` : ''}`);
    lines.push(`  step 2 (actor):  ${formatRate(step2)}${step2.emptyMaps > 0 ? `, ${step2.emptyMaps} empty maps` : ''}`);
    const tolerant = summary.pointingWithTolerance;
    lines.push(
      `  within ${tolerant.marginPixels.toFixed(1)} px of the box (Zhang et al.'s tolerance): step 1 ${formatRate(tolerant.step1)}, step 2 ${formatRate(tolerant.step2)}; random point ${tolerant.step1.baseline?.toFixed(3)}`,
    );
    const perActor = Object.entries(byActor)
      .filter(([, steps]) => steps.step1.frames > 0)
      .map(([actor, steps]) => `${actor} ${steps.step1.rate?.toFixed(2)}/${steps.step2.rate?.toFixed(2)} (random ${steps.step1.baseline?.toFixed(2)})`);
    lines.push(`  per true actor, step 1/step 2: ${perActor.join(', ')}`);
  }
  const { sanity } = summary;
  if (sanity.clips > 0) {
    const rho = (value: number | null) => (value === null ? 'n/a' : value.toFixed(3));
    lines.push(
      `sanity (${sanity.clips} clips, mean Spearman correlation of the maps): with a randomly initialised model step 1 ${rho(sanity.randomModel.step1)}, step 2 ${rho(sanity.randomModel.step2)}; ` +
        `with the runner-up class step 1 ${rho(sanity.otherClass.step1)}, step 2 ${rho(sanity.otherClass.step2)}`,
    );
    const { step1, step2 } = sanity.frameDeletion;
    lines.push(
      `frame deletion (fall of the explained class's probability with a frame blanked): most important frame step 1 ${rho(step1.mostImportant)}, step 2 ${rho(step2.mostImportant)}; ` +
        `least important step 1 ${rho(step1.leastImportant)}, step 2 ${rho(step2.leastImportant)}`,
    );
  }
  const strips = summary.rows.filter((row) => row.strip !== null).length;
  lines.push(`wrote ${summaryFile}${strips > 0 ? ` and ${strips} strips in ${path.join(path.dirname(summaryFile), STRIPS_DIR)}` : ''}`);
  return `${lines.join('\n')}\n`;
}

/** Runs the command; `print` receives the output. Command-line, experiment and checkpoint errors propagate. */
export async function runExplainCommand(argv: readonly string[], print: (text: string) => void, options: ExplainCommandOptions = {}): Promise<ExplainOutcome> {
  const env = options.env ?? process.env;
  const { flags, overrides } = parseCommandLine(argv, EXPLAIN_COMMAND_LINE, { env });
  const usage = (message: string) => new ConfigError([{ path: 'command line', message }], 'command line');
  const videos = flags.video ?? [];
  if (flags.split !== undefined && videos.length > 0) throw usage('give --video=<file> or --split=<split>, not both');
  if (flags.split === undefined && videos.length === 0) throw usage('give --video=<file> (repeatable) or --split=test|val');
  if (flags.split === undefined && (flags.limit !== undefined || flags.strips !== undefined)) throw usage('--limit and --strips go with --split');
  const config = loadConfig(a2dConfigSchema, { env, overrides });
  const experimentDir = findExperiment(config.experiment.dir, flags.experimentName);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Files go to explanations/, a split's to explanations/<split>/ (its summary and strips).
  const outDir = flags.out ?? path.join(experimentDir, 'explanations', flags.split ?? '');
  checkOutputPath(outDir, 'folder');
  await initEngine({ backend: config.engine.backend, log });
  if (flags.split !== undefined) {
    const started = performance.now();
    const given = givenConfigPaths({ env, overrides });
    const { summaryFile, summary } = await explainSplit({
      experimentDir,
      checkpoint: flags.checkpoint,
      ema: flags.ema,
      split: flags.split,
      limit: flags.limit,
      strips: flags.strips ?? (flags.limit !== undefined ? 'all' : 'errors'),
      method: flags.method,
      dataRoot: given.has('data.root') ? config.data.root : undefined,
      outDir,
      log,
    });
    print(formatSplitExplanation(summary, summaryFile, (performance.now() - started) / 1000));
    return { mode: 'split', outDir, summaryFile, summary, exitCode: summary.clips > 0 ? 0 : 1 };
  }
  const predictor = await VideoFilePredictor.open({ experimentDir, checkpoint: flags.checkpoint, ema: flags.ema });
  const { settings } = predictor;
  const files: ExplainedFile[] = [];
  try {
    for (const file of videos) {
      let outcome: ExplainedFile;
      try {
        outcome = await explainFile(await predictor.firstClip(file), settings, outDir, flags.method);
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
  return { mode: 'files', settings, outDir, files, exitCode: files.every((outcome) => outcome.ok) ? 0 : 1 };
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
