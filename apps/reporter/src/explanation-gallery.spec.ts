import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildMetricsJson, summarisePointing, TwoStepMetrics, VIDEO_LEVEL_PAIRS, writeMetricsJson, type PointingSummary } from '@a2d/metrics';
import { writeExperimentConfigFile } from '@a2d/training/testing';
import { decodePng, flatStripPng, greyVariance, pngHeader } from '@a2d/reporting/testing';
import { splitExplanationSchema, type ExplainedClip, type SplitExplanation } from '@a2d/training';
import { galleryCaption, mostConfusedPairs, pointingRows, sanityLines } from './explanation-gallery';
import { runPlotsCommand, type PlotsOutcome } from './plots';

const CHECKPOINT = '/experiments/x/checkpoints/best';

/** One explained clip; `strip` is the strip's path relative to the summary's folder (or null: none drawn). */
function clip(videoId: string, truth: [action: string, actor: string], predicted: [action: string, actor: string], strip: string | null, probability = 0.8): ExplainedClip {
  const [trueAction, trueActor] = truth;
  const [action, actor] = predicted;
  return {
    videoId,
    trueAction,
    trueActor,
    action: { label: action, probability },
    actor: { label: actor, probability: 0.9 },
    correct: { action: action === trueAction, actor: actor === trueActor, combined: action === trueAction && actor === trueActor },
    frames: [0, 4, 8, 12],
    scored: [],
    unscored: { unplaced: 0, noActor: 0, outsideCrop: 0 },
    frameImportance: { step1: [0.25, 0.25, 0.25, 0.25], step2: [0.1, 0.2, 0.3, 0.4] },
    strip,
  };
}

/** The pointing game over `frames` frames of which `hits` hit, each box covering `baseline` of the frame. */
function pointing(frames: number, hits: number, baseline: number): PointingSummary {
  return summarisePointing(Array.from({ length: frames }, (_, index) => ({ hit: index < hits, baseline, peak: { x: 1, y: 1 } })));
}

/** A valid summary (parsed by the writer's own schema) over `rows`. */
function summaryOf(rows: ExplainedClip[], checkpoint = CHECKPOINT): SplitExplanation {
  return splitExplanationSchema.parse({
    format: 'a2d-split-explanation',
    version: 1,
    experiment: 'x',
    checkpoint,
    weights: 'live',
    split: 'test',
    clipsInSplit: 217,
    clips: rows.length,
    annotatedClips: rows.length,
    skipped: [],
    pointingWithTolerance: { marginPixels: 7.5, step1: pointing(40, 16, 0.25), step2: pointing(40, 24, 0.25) },
    pointing: {
      step1: pointing(40, 12, 0.15),
      step2: pointing(40, 20, 0.15),
      byActor: { cat: { step1: pointing(10, 2, 0.2), step2: pointing(10, 9, 0.2) }, adult: { step1: pointing(30, 10, 0.13), step2: pointing(30, 11, 0.13) } },
    },
    sanity: {
      clips: 6,
      randomModel: { step1: -0.02, step2: 0.023 },
      otherClass: { step1: 0.41, step2: null },
      undefined: 1,
      frameDeletion: { step1: { mostImportant: 0.25, leastImportant: 0.01 }, step2: { mostImportant: null, leastImportant: null } },
    },
    rows,
  });
}

describe('mostConfusedPairs', () => {
  const rows = [
    clip('a1', ['rolling', 'adult'], ['walking', 'adult'], null, 0.5),
    clip('a2', ['rolling', 'adult'], ['walking', 'adult'], null, 0.9),
    clip('a3', ['rolling', 'adult'], ['walking', 'cat'], null, 0.9),
    clip('b1', ['walking', 'cat'], ['rolling', 'cat'], null),
    clip('c1', ['climbing', 'bird'], ['flying', 'bird'], null),
    clip('d1', ['eating', 'dog'], ['jumping', 'dog'], null),
    clip('ok', ['eating', 'dog'], ['eating', 'dog'], null),
  ];

  it('ranks the pairs a step got wrong by count, ties alphabetically, the most confident clips first', () => {
    const actions = mostConfusedPairs(rows, 'action');
    expect(actions.map((pair) => [pair.trueLabel, pair.predicted, pair.clips.length])).toEqual([
      ['rolling', 'walking', 3],
      ['climbing', 'flying', 1],
      ['eating', 'jumping', 1],
    ]);
    // Equal probabilities fall back to the video id.
    expect(actions[0].clips.map((row) => row.videoId)).toEqual(['a2', 'a3', 'a1']);
    expect(mostConfusedPairs(rows, 'actor').map((pair) => [pair.trueLabel, pair.predicted, pair.clips.length])).toEqual([['adult', 'cat', 1]]);
    expect(mostConfusedPairs(rows, 'action', 5)).toHaveLength(4);
    expect(mostConfusedPairs([rows[6]], 'action')).toEqual([]);
  });

  it('captions a clip with its truth and both predictions, and orders the pointing rows overall first, then by actor id', () => {
    expect(galleryCaption(rows[0])).toBe('a1: true rolling / adult, predicted walking (p 0.50) / adult (p 0.90)');
    const summary = summaryOf(rows);
    expect(pointingRows(summary.pointing).map((row) => [row.label, row.frames, row.step2.rate])).toEqual([
      ['overall', 40, 0.5],
      ['adult', 30, 11 / 30],
      ['cat', 10, 0.9],
    ]);
    expect(pointingRows(summary.pointing, summary.pointingWithTolerance).map((row) => [row.label, row.frames, row.step2.rate])[1]).toEqual([
      "overall, within 7.5 px (Zhang et al.'s tolerance)",
      40,
      0.6,
    ]);
    const sanity = sanityLines(summary.sanity);
    expect(sanity[0]).toContain('first 6 clips');
    expect(sanity[0]).toContain('step 1 -0.02, step 2 0.02');
    expect(sanity[1]).toContain('step 1 0.41, step 2 n/a');
    expect(sanity.join(' ')).toContain('1 map that could not be ranked');
    expect(sanity.join(' ')).toContain('most important frame blanked: step 1 0.250, step 2 n/a; least important: step 1 0.010, step 2 n/a');
  });
});

// reporter:plots with an explanation summary: the section, the localisation chart and the error gallery.

const tempDir = (): string => mkdtempSync(path.join(os.tmpdir(), 'a2d-explained-'));

/** An experiment folder with config.json and, when `checkpoint` is given, an evaluation of it in results/metrics.json. */
async function writeExperiment(dir: string, name: string, checkpoint?: string, kind: 'two-step' | 'one-step' = 'two-step'): Promise<void> {
  const root = path.join(dir, name);
  await writeExperimentConfigFile(dir, name, kind);
  if (checkpoint === undefined) return;
  const metrics = new TwoStepMetrics();
  const pair = VIDEO_LEVEL_PAIRS[0];
  metrics.update([{ trueAction: pair.actionIndex, predAction: pair.actionIndex, trueActor: pair.actorIndex, predActor: pair.actorIndex }]);
  await writeMetricsJson(path.join(root, 'results', 'metrics.json'), buildMetricsJson(metrics.compute(), { checkpoint, weights: 'live', split: 'test' }));
}

/** Writes the summary and a strip for every row that names one, except the files listed in `absent`. */
function writeSummary(experimentRoot: string, summary: SplitExplanation, absent: readonly string[] = []): string {
  const folder = path.join(experimentRoot, 'explanations', 'test');
  mkdirSync(path.join(folder, 'strips'), { recursive: true });
  summary.rows.forEach((row, index) => {
    if (row.strip !== null && !absent.includes(row.strip)) writeFileSync(path.join(folder, row.strip), flatStripPng(row.videoId, (20 + 10 * index) % 256));
  });
  const file = path.join(folder, 'summary.json');
  writeFileSync(file, JSON.stringify(summary));
  return file;
}

/**
 * Action errors: rolling -> walking 10 clips (the two most confident: one without a strip, one whose strip is missing),
 * then two pairs of 2 and one of 1 (left out: a fourth pair); actor errors: ball -> cat 3, then two pairs of 1 tied
 * with a third left out alphabetically; and right clips.
 */
function galleryRows(): ExplainedClip[] {
  const strip = (id: string) => `strips/${id}.png`;
  const rows: ExplainedClip[] = [];
  rows.push(clip('rw-none', ['rolling', 'adult'], ['walking', 'adult'], null, 0.99));
  rows.push(clip('rw-gone', ['rolling', 'adult'], ['walking', 'adult'], strip('rw-gone'), 0.98));
  for (let i = 0; i < 8; i++) rows.push(clip(`rw-${i}`, ['rolling', 'adult'], ['walking', 'adult'], strip(`rw-${i}`), 0.9 - i / 100));
  rows.push(clip('wr-1', ['walking', 'cat'], ['rolling', 'cat'], strip('wr-1')), clip('wr-2', ['walking', 'cat'], ['rolling', 'cat'], strip('wr-2')));
  rows.push(clip('cc-1', ['climbing', 'bird'], ['crawling', 'bird'], strip('cc-1')), clip('cc-2', ['climbing', 'bird'], ['crawling', 'bird'], strip('cc-2')));
  rows.push(clip('ej-1', ['eating', 'dog'], ['jumping', 'dog'], strip('ej-1')));
  // A video id a browser would run as markup if the caption were not escaped.
  for (let i = 0; i < 3; i++) rows.push(clip(i === 0 ? '<script>bc' : `bc-${i}`, ['rolling', 'ball'], ['rolling', 'cat'], strip(`bc-${i}`)));
  rows.push(clip('dc', ['running', 'dog'], ['running', 'cat'], strip('dc')));
  rows.push(clip('ab', ['walking', 'adult'], ['walking', 'baby'], strip('ab')));
  rows.push(clip('bi', ['flying', 'bird'], ['flying', 'adult'], strip('bi')));
  for (let i = 0; i < 4; i++) rows.push(clip(`ok-${i}`, ['rolling', 'car'], ['rolling', 'car'], null));
  return rows;
}

/** The notices about the explanations (the test experiments also lack metrics.jsonl and the dataset). */
function explanationNotices(outcome: PlotsOutcome): string[] {
  return outcome.notices.filter((notice) => notice.includes('explanation'));
}

function run(dir: string, name: string): Promise<PlotsOutcome & { output: string }> {
  const chunks: string[] = [];
  return runPlotsCommand([`--experiments-dir=${dir}`, `--experiment-name=${name}`], (text) => chunks.push(text)).then((outcome) => ({ ...outcome, output: chunks.join('') }));
}

/** The report's explanations section. */
function explanationsSection(report: string): string {
  const start = report.indexOf('<section id="explanations"><h2>Where the model looked</h2>');
  expect(start).toBeGreaterThan(0);
  return report.slice(start, report.indexOf('</section>', start));
}

describe('reporter:plots with explanations', () => {
  it('shows the pointing game, localisation.png, the sanity checks and the most confused pairs with their strips', async () => {
    const dir = tempDir();
    await writeExperiment(dir, 'explained', CHECKPOINT);
    const root = path.join(dir, 'explained');
    const summaryFile = writeSummary(root, summaryOf(galleryRows()), ['strips/rw-gone.png']);
    const garbled = path.join(path.dirname(summaryFile), 'strips', 'wr-2.png');
    writeFileSync(garbled, 'not a PNG');
    const outcome = await run(dir, 'explained');

    const localisation = path.join(root, 'plots', 'localisation.png');
    expect(outcome.written).toContain(localisation);
    const png = readFileSync(localisation);
    expect(pngHeader(png)).toEqual({ signature: true, width: 1200, height: 600 });
    expect(greyVariance(await decodePng(png))).toBeGreaterThan(100);

    const report = readFileSync(outcome.report, 'utf8');
    expect(report).toContain('<a href="#explanations">Where the model looked</a>');
    expect(report).not.toMatch(/<script/i);
    expect(report).toContain('<figcaption>&lt;script&gt;bc: true rolling / ball, predicted rolling (p 0.80) / cat (p 0.90)</figcaption>');
    const section = explanationsSection(report);
    expect(section).toContain('25 of the 217 test clips explained (25 with annotated frames), checkpoint /experiments/x/checkpoints/best (live weights)');
    expect(section).toContain('<tr><th scope="row">overall</th><td class="num">40</td><td class="num">30.0% (18.1-45.4%)</td><td class="num">50.0% (35.2-64.8%)</td><td class="num">15.0%</td></tr>');
    expect(section).toContain('step 1 -0.02, step 2 0.02');
    expect(section).toContain('alt="Localisation: the pointing game of each step, overall and per true actor"');

    // The groups in order: actions by count (ties alphabetical), then actors; each with the strips it can show.
    const groups = section.split('<details class="gallery" open><summary>').slice(1);
    expect(groups.map((group) => group.slice(0, group.indexOf('</summary>')))).toEqual([
      'action: true rolling, predicted walking - 10 clips (8 shown)',
      'action: true climbing, predicted crawling - 2 clips (2 shown)',
      'action: true walking, predicted rolling - 2 clips (1 shown)',
      'actor: true ball, predicted cat - 3 clips (3 shown)',
      'actor: true adult, predicted baby - 1 clip (1 shown)',
      'actor: true bird, predicted adult - 1 clip (1 shown)',
    ]);
    expect(groups.map((group) => group.match(/<img /g)?.length ?? 0)).toEqual([8, 2, 1, 3, 1, 1]);
    expect(groups[0]).toContain('<p class="muted">most confident first (step 1&#39;s probability); not shown: 1 without a strip, 1 with an unreadable strip</p>');
    expect(groups[3]).toContain('<p class="muted">most confident first (step 2&#39;s probability)</p>');
    expect(groups[4]).not.toContain('<p class="muted">');
    expect(groups[0]).toContain('<figcaption>rw-0: true rolling / adult, predicted walking (p 0.90) / adult (p 0.90)</figcaption>');
    // Most confident first: rw-0 (0.90) before rw-7 (0.83).
    expect(groups[0].indexOf('rw-0:')).toBeLessThan(groups[0].indexOf('rw-7:'));
    // The figure is PNG, the strips JPEG (see @a2d/reporting's strip-jpeg.ts).
    const sources = section.match(/src="[^"]*"/g) ?? [];
    expect(sources.filter((src) => src.startsWith('src="data:image/jpeg;base64,'))).toHaveLength(16);
    for (const src of sources) expect(src).toMatch(/^src="data:image\/(png|jpeg);base64,[A-Za-z0-9+/=]+"$/);

    // Strips that are gone or not PNGs are one notice naming them, in the console and the report, not a crash.
    const gone = path.join(root, 'explanations', 'test', 'strips', 'rw-gone.png');
    const notice = `2 explanation strips could not be read, not shown in the error gallery: rw-gone (ENOENT: ${gone}), wr-2 (not a PNG image: ${garbled})`;
    expect(explanationNotices(outcome)).toEqual([notice]);
    expect(outcome.output).toContain(`note: ${notice}\n`);
    expect(section).toContain(`<ul class="warnings"><li>${notice}</li></ul>`);
  });

  it('without a summary names the command that writes it (two-step only), and removes a localisation.png left from an earlier run', async () => {
    const dir = tempDir();
    await writeExperiment(dir, 'plain');
    const root = path.join(dir, 'plain');
    const file = writeSummary(root, summaryOf(galleryRows()));
    await run(dir, 'plain');
    expect(existsSync(path.join(root, 'plots', 'localisation.png'))).toBe(true);

    rmSync(path.dirname(file), { recursive: true });
    const outcome = await run(dir, 'plain');
    expect(existsSync(path.join(root, 'plots', 'localisation.png'))).toBe(false);
    const notice = `${file} not found: no error gallery or localisation figure; run \`npx nx run evaluator:explain --experiment-name=plain --experiments-dir=${dir} --split=test\` to produce it`;
    expect(outcome.notices).toContain(notice);
    expect(outcome.output).toContain(`note: ${notice}`);
    const report = readFileSync(outcome.report, 'utf8');
    expect(report).toContain(`<li>${notice}</li>`);
    expect(report).not.toContain('id="explanations"');

    // evaluator:explain explains two-step models only: a one-step experiment is not sent to run it.
    await writeExperiment(dir, 'one-step', undefined, 'one-step');
    expect(explanationNotices(await run(dir, 'one-step'))).toEqual([]);
  });

  it('says why an invalid summary is not shown, and flags a summary of another checkpoint than the evaluation as stale', async () => {
    const dir = tempDir();
    await writeExperiment(dir, 'broken', CHECKPOINT);
    const root = path.join(dir, 'broken');
    const file = writeSummary(root, summaryOf(galleryRows()));
    const { rows: _rows, ...withoutRows } = summaryOf(galleryRows());
    writeFileSync(file, JSON.stringify(withoutRows));
    const invalid = await run(dir, 'broken');
    expect(explanationNotices(invalid)).toEqual([expect.stringMatching(/^explanation summary unusable, no error gallery or localisation figure: .*summary\.json.*rows/)]);
    expect(readFileSync(invalid.report, 'utf8')).toContain('explanation summary unusable');

    writeSummary(root, summaryOf(galleryRows(), '/experiments/x/checkpoints/epoch-3'));
    const stale = await run(dir, 'broken');
    const metricsFile = path.join(root, 'results', 'metrics.json');
    expect(explanationNotices(stale)).toEqual([
      `stale explanation: ${file} explains /experiments/x/checkpoints/epoch-3 (live weights) but ${metricsFile} evaluated ${CHECKPOINT} (live weights); ` +
        `run \`npx nx run evaluator:explain --experiment-name=broken --experiments-dir=${dir} --split=test\` again`,
    ]);
    // Shown at the top of the section too, where the gallery is read.
    expect(explanationsSection(readFileSync(stale.report, 'utf8'))).toContain('<ul class="warnings"><li>stale explanation:');
  });
});
