/**
 * Where the model looked, from `<experiment>/explanations/test/summary.json` (written by
 * `evaluator:explain --split=test`): the pointing game of each step against a random point (a table and
 * `localisation.png`, overall and per true actor), the sanity checks, and an error gallery: the most confused action
 * pairs (true action -> step 1's action) and actor pairs (true actor -> step 2's actor), each with the strips of its
 * clips. A missing summary, an invalid one, a stale one and unreadable strips are notices, never a crash.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ACTORS, DatasetError } from '@a2d/core';
import { isPng, renderLocalisationChart, type GalleryClip, type GalleryGroup, type PointingGameRow, type ReportExplanations } from '@a2d/reporting';
import {
  evaluationSettingsSchema,
  readSplitExplanation,
  SPLIT_EXPLANATION_FILE,
  type ExplainedClip,
  type SplitExplanation,
} from '@a2d/training';
import { describeMissing, explainCommand, type ExperimentInputs } from './experiment-inputs';
import type { NamedPlot } from './training-curve-plots';

/** The file names this module writes (so a stale one can be removed when the summary is gone). */
export const EXPLANATION_PLOT_FILES = ['localisation.png'] as const;

/** The split the report explains: the one its metrics are computed on. */
const SPLIT = 'test';
/** Confused pairs shown per step, and clips shown per pair. */
export const GALLERY_PAIRS = 3;
export const GALLERY_CLIPS = 8;
/** Unreadable strips named in the notice; the rest are counted. */
const UNREADABLE_LISTED = 3;

/** `<experiment>/explanations/test/summary.json`. */
export function explanationSummaryFile(experimentRoot: string): string {
  return path.join(experimentRoot, 'explanations', SPLIT, SPLIT_EXPLANATION_FILE);
}

/** Which step's confusion: step 1's action or step 2's actor. */
export type ConfusedHead = 'action' | 'actor';

/** A pair of classes the model confused: every explained clip of true `trueLabel` predicted as `predicted`. */
export interface ConfusedPair {
  head: ConfusedHead;
  trueLabel: string;
  predicted: string;
  /** Most confident error first (the predicted class's probability), then by video id. */
  clips: ExplainedClip[];
}

function truth(row: ExplainedClip, head: ConfusedHead): string {
  return head === 'action' ? row.trueAction : row.trueActor;
}

/**
 * The `top` most frequent (true, predicted) pairs among the rows where `head` is wrong: most clips first, ties by true
 * then predicted label (alphabetical), so the same summary always gives the same gallery.
 */
export function mostConfusedPairs(rows: readonly ExplainedClip[], head: ConfusedHead, top = GALLERY_PAIRS): ConfusedPair[] {
  const pairs = new Map<string, ConfusedPair>();
  for (const row of rows) {
    const trueLabel = truth(row, head);
    const predicted = row[head].label;
    if (trueLabel === predicted) continue;
    const key = JSON.stringify([trueLabel, predicted]);
    const pair = pairs.get(key) ?? { head, trueLabel, predicted, clips: [] };
    pair.clips.push(row);
    pairs.set(key, pair);
  }
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  for (const pair of pairs.values()) pair.clips.sort((a, b) => b[head].probability - a[head].probability || byText(a.videoId, b.videoId));
  return [...pairs.values()]
    .sort((a, b) => b.clips.length - a.clips.length || byText(a.trueLabel, b.trueLabel) || byText(a.predicted, b.predicted))
    .slice(0, top);
}

/** The line under a strip: `<video>: true <action> / <actor>, predicted <action> (p 0.37) / <actor> (p 0.91)`. */
export function galleryCaption(row: ExplainedClip): string {
  return `${row.videoId}: true ${row.trueAction} / ${row.trueActor}, predicted ${row.action.label} (p ${row.action.probability.toFixed(2)}) / ${row.actor.label} (p ${row.actor.probability.toFixed(2)})`;
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/** A strip that could not be shown, and why. */
interface UnreadableStrip {
  videoId: string;
  file: string;
  reason: string;
}

async function readStrip(file: string): Promise<Buffer | string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
  return isPng(bytes) ? bytes : 'not a PNG image';
}

/** One gallery group: the pair's first `GALLERY_CLIPS` clips whose strip reads as a PNG. */
async function galleryGroup(pair: ConfusedPair, summaryDir: string, unreadable: UnreadableStrip[]): Promise<GalleryGroup> {
  const clips: GalleryClip[] = [];
  let withoutStrip = 0;
  let failed = 0;
  for (const row of pair.clips) {
    if (clips.length === GALLERY_CLIPS) break;
    if (row.strip === null) {
      withoutStrip++;
      continue;
    }
    const file = path.resolve(summaryDir, row.strip);
    const png = await readStrip(file);
    if (typeof png === 'string') {
      failed++;
      unreadable.push({ videoId: row.videoId, file, reason: png });
      continue;
    }
    clips.push({ caption: galleryCaption(row), png });
  }
  const step = pair.head === 'action' ? "step 1's probability" : "step 2's probability";
  const why = [withoutStrip > 0 ? `${withoutStrip} without a strip` : '', failed > 0 ? `${failed} with an unreadable strip` : ''].filter(Boolean).join(', ');
  return {
    title: `${pair.head}: true ${pair.trueLabel}, predicted ${pair.predicted} - ${plural(pair.clips.length, 'clip')} (${clips.length} shown)`,
    clips,
    note: [clips.length > 1 ? `most confident first (${step})` : '', why ? `not shown: ${why}` : ''].filter(Boolean).join('; ') || undefined,
  };
}

function pointingRow(label: string, steps: SplitExplanation['pointing']['byActor'][string]): PointingGameRow {
  return { label, frames: steps.step1.frames, step1: steps.step1, step2: steps.step2, baseline: steps.step1.baseline };
}

/** Overall first, then the actors in taxonomy order (any other label after them, alphabetically). */
export function pointingRows(pointing: SplitExplanation['pointing'], tolerant?: SplitExplanation['pointingWithTolerance']): PointingGameRow[] {
  const rank = (actor: string) => {
    const index = (ACTORS as readonly string[]).indexOf(actor);
    return index < 0 ? ACTORS.length : index;
  };
  const actors = Object.keys(pointing.byActor).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const widened = tolerant ? [pointingRow(`overall, within ${tolerant.marginPixels.toFixed(1)} px (Zhang et al.'s tolerance)`, tolerant)] : [];
  return [pointingRow('overall', pointing), ...widened, ...actors.map((actor) => pointingRow(actor, pointing.byActor[actor]))];
}

function correlation(value: number | null): string {
  return value === null ? 'n/a' : value.toFixed(2);
}

/** The sanity checks in words: the two correlations and how to read them. */
export function sanityLines(sanity: SplitExplanation['sanity']): string[] {
  if (sanity.clips === 0) return ['No sanity checks were run.'];
  const { randomModel, otherClass, frameDeletion } = sanity;
  const fall = (value: number | null) => (value === null ? 'n/a' : value.toFixed(3));
  return [
    `Mean Spearman rank correlation, over the first ${plural(sanity.clips, 'clip')}, of each step's maps with a randomly initialised model's maps for the same classes: ` +
      `step 1 ${correlation(randomModel.step1)}, step 2 ${correlation(randomModel.step2)}.`,
    "With the trained model's maps for the runner-up class (step 1: the second most probable action; step 2: the second most probable actor given the action): " +
      `step 1 ${correlation(otherClass.step1)}, step 2 ${correlation(otherClass.step2)}.`,
    'Low values (near 0) mean the maps depend on the trained weights and on the class explained, as an explanation should; ' +
      'values near 1 would mean they show the image (edges, salient objects) whatever the model learned.',
    ...(sanity.undefined > 0 ? [`${plural(sanity.undefined, 'map')} that could not be ranked (all zero) left out.`] : []),
    "Frame importance (gradient x input), deletion check: mean fall of the explained class's probability with the step's " +
      `most important frame blanked: step 1 ${fall(frameDeletion.step1.mostImportant)}, step 2 ${fall(frameDeletion.step2.mostImportant)}; ` +
      `least important: step 1 ${fall(frameDeletion.step1.leastImportant)}, step 2 ${fall(frameDeletion.step2.leastImportant)} ` +
      '(a faithful importance makes the first fall larger).',
  ];
}

/** A notice when the summary explains other weights than `results/metrics.json` evaluated; null when they agree or it cannot tell. */
function staleNotice(summary: SplitExplanation, file: string, inputs: ExperimentInputs): string | null {
  const evaluation = inputs.metrics?.evaluation;
  if (!evaluation) return null;
  // Read with the evaluator's own schema; a metrics.json without the fields cannot be compared.
  const checkpoint = evaluationSettingsSchema.shape.checkpoint.safeParse(evaluation.checkpoint);
  if (!checkpoint.success) return null;
  const weights = evaluationSettingsSchema.shape.weights.safeParse(evaluation.weights);
  const sameCheckpoint = path.resolve(checkpoint.data) === path.resolve(summary.checkpoint);
  const sameWeights = !weights.success || weights.data === summary.weights;
  if (sameCheckpoint && sameWeights) return null;
  const evaluated = `${checkpoint.data}${weights.success ? ` (${weights.data} weights)` : ''}`;
  return (
    `stale explanation: ${file} explains ${summary.checkpoint} (${summary.weights} weights) but ${inputs.metricsFile} evaluated ${evaluated}; ` +
    `run \`${explainCommand(inputs.name, inputs.dir, SPLIT)}\` again`
  );
}

function unreadableNotice(unreadable: readonly UnreadableStrip[]): string {
  const listed = unreadable.slice(0, UNREADABLE_LISTED).map((strip) => `${strip.videoId} (${strip.reason}: ${strip.file})`);
  const more = unreadable.length > UNREADABLE_LISTED ? `, and ${unreadable.length - UNREADABLE_LISTED} more` : '';
  return `${plural(unreadable.length, 'explanation strip')} could not be read, not shown in the error gallery: ${listed.join(', ')}${more}`;
}

/** What the explanations add to the report: its section, the localisation plot and the notices (null parts when absent). */
export interface ExplanationReport {
  section: ReportExplanations | null;
  plot: NamedPlot | null;
  /** For the console and the report's warnings: a missing, invalid or stale summary, unreadable strips. */
  notices: string[];
}

function describeRun(summary: SplitExplanation, file: string): string {
  const skipped = summary.skipped.length > 0 ? `, ${summary.skipped.length} skipped` : '';
  return (
    `${summary.clips} of the ${summary.clipsInSplit} ${summary.split} clips explained (${summary.annotatedClips} with annotated frames${skipped}), ` +
    `checkpoint ${summary.checkpoint} (${summary.weights} weights); from ${file}.`
  );
}

const POINTING_INTRO =
  "The pointing game scores an annotated frame as a hit when the map's maximum lies on the true actor's box; " +
  "a map localises the actor only where its hit rate clears the random point's (the box's share of the frame). " +
  "Step 1's map explains the action, step 2's the actor given that action.";

const GALLERY_INTRO =
  `The ${GALLERY_PAIRS} most confused action pairs (true action -> step 1's action) and actor pairs (true actor -> step 2's actor), ` +
  `by clip count; up to ${GALLERY_CLIPS} clips of each. A strip shows the clip's frames with step 1's map (top row) and step 2's ` +
  "(bottom row) overlaid, the true actor's box in green, the map's peak as a cyan square and the frame's importance as a bar under it.";

/**
 * Reads the experiment's test explanation summary and turns it into the report's section and `localisation.png`. A
 * one-step experiment has none (evaluator:explain explains two-step models only) and gets no notice.
 */
export async function loadExplanations(inputs: ExperimentInputs): Promise<ExplanationReport> {
  const none: ExplanationReport = { section: null, plot: null, notices: [] };
  if (inputs.config?.config.model.kind === 'one-step') return none;
  const file = explanationSummaryFile(inputs.paths.root);
  const command = explainCommand(inputs.name, inputs.dir, SPLIT);
  if (!existsSync(file)) {
    return { ...none, notices: [describeMissing({ file, state: 'not found', consequence: 'error gallery or localisation figure', command })] };
  }
  let summary: SplitExplanation;
  try {
    summary = await readSplitExplanation(file);
  } catch (error) {
    if (!(error instanceof DatasetError)) throw error;
    return { ...none, notices: [`explanation summary unusable, no error gallery or localisation figure: ${error.message}`] };
  }

  const notes: string[] = [];
  const stale = staleNotice(summary, file, inputs);
  if (stale) notes.push(stale);
  // Written there with --out: the clips are not the ones the report's metrics count.
  if (summary.split !== SPLIT) notes.push(`${file} explains the ${summary.split} split, not ${SPLIT}; run \`${command}\` again`);

  const rows = pointingRows(summary.pointing, summary.pointingWithTolerance);
  // The figure keeps to the strict game (one overall group); the table adds the tolerant one.
  const chartRows = pointingRows(summary.pointing);
  let plot: NamedPlot | null = null;
  if (rows.some((row) => row.frames > 0)) {
    plot = {
      file: EXPLANATION_PLOT_FILES[0],
      title: 'Localisation: the pointing game of each step, overall and per true actor',
      png: await renderLocalisationChart({ title: `Where the model looked (${summary.split}, ${plural(summary.clips, 'clip')})`, groups: chartRows }),
      caption: "bars: share of annotated frames whose map peaks on the true actor's box; whiskers: 95% Wilson interval; grey: a random point's expected rate",
    };
  }
  const emptyMaps = summary.pointing.step1.emptyMaps + summary.pointing.step2.emptyMaps;
  const intro = [
    describeRun(summary, file),
    POINTING_INTRO,
    ...(plot ? [] : ['No annotated frame could be scored, so there is no pointing game to show.']),
    ...(emptyMaps > 0
      ? [`${plural(summary.pointing.step1.emptyMaps, 'step 1 map')} and ${plural(summary.pointing.step2.emptyMaps, 'step 2 map')} were all zero (counted as misses).`]
      : []),
  ];

  const summaryDir = path.dirname(file);
  const unreadable: UnreadableStrip[] = [];
  const groups: GalleryGroup[] = [];
  for (const head of ['action', 'actor'] as const) {
    for (const pair of mostConfusedPairs(summary.rows, head)) groups.push(await galleryGroup(pair, summaryDir, unreadable));
  }
  if (unreadable.length > 0) notes.push(unreadableNotice(unreadable));

  const section: ReportExplanations = {
    notes,
    intro,
    pointing: plot ? rows : [],
    sanity: sanityLines(summary.sanity),
    figures: plot ? [{ title: plot.title, png: plot.png, caption: `${plot.caption}; file ${plot.file}` }] : [],
    gallery: { intro: GALLERY_INTRO, groups },
  };
  return { section, plot, notices: notes };
}
