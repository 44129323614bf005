import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommandLine, type CommandIo } from '@a2d/core';
import { buildMetricsJson, TwoStepMetrics, VIDEO_LEVEL_PAIRS, writeMetricsJson, type MetricsJson, type TwoStepSample } from '@a2d/metrics';
import { epochRecordSchema, type EpochRecord } from '@a2d/training';
import { writeExperimentConfigFile } from '@a2d/training/testing';
import { decodePng, greyVariance, pngHeader } from '@a2d/reporting/testing';
import { describeWithTinyFilesystem } from '@a2d/core/testing';
import { PLOTS_COMMAND_LINE, runPlotsCommand, type PlotsOutcome } from './plots';

/** A name a browser would run as markup if the report did not escape it (no slash: it is also a folder name). */
const HOSTILE_NAME = 'run-<script>alert(1)';
const HOSTILE_VIDEO = '<script>alert("video")</script>';

const tempDir = (): string => mkdtempSync(path.join(os.tmpdir(), 'a2d-plots-'));

function capture(): { print: (text: string) => void; text: () => string } {
  const chunks: string[] = [];
  return { print: (text) => chunks.push(text), text: () => chunks.join('') };
}

/** A valid epoch record; accuracies in percent, as the trainer writes them. */
function epochRecord(epoch: number, combined: number): EpochRecord {
  const losses = (scale: number) => ({ total: 4 * scale, action: 2 * scale, actor: 1.8 * scale, consistency: 0.2 * scale });
  return epochRecordSchema.parse({
    epoch,
    globalStep: epoch * 10,
    lr: { first: 1e-3 / epoch, last: 0.8e-3 / epoch },
    train: { loss: losses(1 / epoch), acc: { action: 30 + 10 * epoch, actor: 40 + 10 * epoch, combined: combined - 5 }, clips: 40 },
    val: { loss: losses(1.1 / epoch), acc: { action: 35 + 10 * epoch, actor: 45 + 8 * epoch, combined, combinedConstrained: combined + 2 }, clips: 12 },
    valEma: null,
    clipsPerSecond: 20,
    dataWaitFraction: 0.1,
    seconds: 2,
    rssMiB: 500,
    tensors: 90,
    skippedVideos: 1,
    nonFiniteSteps: 0,
    gradNorm: { mean: 1.5, max: 3 },
  });
}

/** Test clips over the first `pairs` video-level pairs; every third clip gets the actor wrong, every fifth the action. */
function metricsJson(pairs: number): MetricsJson {
  const samples: TwoStepSample[] = [];
  for (let i = 0; i < pairs * 3; i++) {
    const pair = VIDEO_LEVEL_PAIRS[i % pairs];
    samples.push({
      trueAction: pair.actionIndex,
      predAction: i % 5 === 0 ? (pair.actionIndex + 1) % 8 : pair.actionIndex,
      trueActor: pair.actorIndex,
      predActor: i % 3 === 0 ? (pair.actorIndex + 1) % 7 : pair.actorIndex,
      constrained: { action: pair.actionIndex, actor: pair.actorIndex },
      actionProbabilities: Array.from({ length: 8 }, (_, k) => (k === pair.actionIndex ? 0.6 : 0.05)),
    });
  }
  const metrics = new TwoStepMetrics();
  metrics.update(samples);
  return buildMetricsJson(metrics.compute(), { split: 'test', skippedVideos: [HOSTILE_VIDEO] });
}

interface ExperimentSpec {
  kind?: 'two-step' | 'one-step';
  epochs?: number;
  evaluated?: boolean;
  pairs?: number;
}

/** Writes experiment `name` under `dir` by hand: config.json, metrics.jsonl, skipped-videos.json and (optionally) results. */
async function writeExperiment(dir: string, name: string, spec: ExperimentSpec = {}): Promise<MetricsJson | null> {
  const root = path.join(dir, name);
  await writeExperimentConfigFile(dir, name, spec.kind ?? 'two-step');
  const records = Array.from({ length: spec.epochs ?? 3 }, (_, index) => epochRecord(index + 1, 20 + 15 * index));
  writeFileSync(path.join(root, 'metrics.jsonl'), records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  writeFileSync(path.join(root, 'skipped-videos.json'), JSON.stringify([{ videoId: HOSTILE_VIDEO, file: 'clips320H/x.mp4', reason: 'moov atom not found' }]));
  if (spec.evaluated === false) return null;
  const metrics = metricsJson(spec.pairs ?? 6);
  await writeMetricsJson(path.join(root, 'results', 'metrics.json'), metrics);
  return metrics;
}

async function expectPng(file: string, size?: { width: number; height: number }): Promise<{ width: number; height: number }> {
  const png = readFileSync(file);
  const header = pngHeader(png);
  expect(header.signature).toBe(true);
  if (size) expect({ width: header.width, height: header.height }).toEqual(size);
  // Not blank: a drawn chart has text, lines and fills, far from one flat colour.
  expect(greyVariance(await decodePng(png))).toBeGreaterThan(100);
  return header;
}

function run(dir: string, ...args: string[]): Promise<PlotsOutcome & { output: string }> {
  const output = capture();
  return runPlotsCommand([`--experiments-dir=${dir}`, ...args], output.print).then((outcome) => ({ ...outcome, output: output.text() }));
}

describe('reporter:plots', () => {
  it('draws every plot of an evaluated experiment at its size, and a self-contained, escaped report', async () => {
    const dir = tempDir();
    const metrics = await writeExperiment(dir, HOSTILE_NAME, { pairs: 6 });
    const outcome = await run(dir, `--experiment-name=${HOSTILE_NAME}`);
    const plots = path.join(dir, HOSTILE_NAME, 'plots');

    const chart = { width: 1200, height: 600 };
    await expectPng(path.join(plots, 'training-loss.png'), chart);
    await expectPng(path.join(plots, 'training-accuracy.png'), chart);
    await expectPng(path.join(plots, 'learning-rate.png'), chart);
    await expectPng(path.join(plots, 'class-report-action.png'), { width: 1200, height: 620 });
    await expectPng(path.join(plots, 'class-report-actor.png'), { width: 1200, height: 620 });
    // 26 px for each of the 6 pairs with videos, plus the title and axis.
    await expectPng(path.join(plots, 'pair-accuracy.png'), { width: 1200, height: 26 * 6 + 170 });
    for (const [file, classes] of [
      ['confusion-action', 8],
      ['confusion-actor', 7],
    ] as const) {
      for (const variant of ['', '-normalized']) {
        const size = await expectPng(path.join(plots, `${file}${variant}.png`));
        // About 80 px per cell plus labels: square-ish and big enough to read.
        expect(size.width).toBeGreaterThan(classes * 80);
        expect(size.height).toBeGreaterThan(classes * 80);
      }
    }
    const pairs = await expectPng(path.join(plots, 'confusion-pairs.png'));
    expect(pairs.height).toBeGreaterThan(36 * 38);

    const report = readFileSync(outcome.report, 'utf8');
    expect(outcome.written).toEqual([
      ...['training-loss', 'training-accuracy', 'learning-rate', 'class-report-action', 'class-report-actor', 'pair-accuracy'].map((name) => path.join(plots, `${name}.png`)),
      ...['confusion-action', 'confusion-action-normalized', 'confusion-actor', 'confusion-actor-normalized', 'confusion-pairs'].map((name) => path.join(plots, `${name}.png`)),
      path.join(plots, 'report.html'),
    ]);
    expect(outcome.output).toContain(`wrote ${path.join(plots, 'confusion-pairs.png')}\n`);
    expect(outcome.output.trimEnd().split('\n').pop()).toBe(`report: ${outcome.report}`);

    // Self-contained: every reference is a data: URI or an anchor of the page itself.
    const references = [...report.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1]);
    expect(references.length).toBeGreaterThan(11);
    for (const reference of references) expect(reference).toMatch(/^(data:image\/(png|jpeg);base64,|#)/);
    expect(report.match(/<img /g)).toHaveLength(11);
    // Escaped: the name and the skipped video id appear only as text.
    expect(report).not.toMatch(/<script/i);
    expect(report).toContain('run-&lt;script&gt;alert(1)');
    expect(report).toContain('&lt;script&gt;alert(&quot;video&quot;)&lt;/script&gt;');

    // Percent in metrics.json, shares in the plots, percent again on the page.
    expect(report).toContain(`${metrics?.combined_acc.toFixed(2)}%</div><div class="name">combined accuracy (test)`);
    expect(report).toContain('50.00%</div><div class="name">best val combined accuracy');
    // The dataset named by the config is gone: said, not thrown.
    expect(outcome.notices.some((notice) => notice.startsWith('dataset statistics unavailable'))).toBe(true);
    expect(report).toContain('not readable any more');
    expect(report).toContain('Skipped videos (2)');
  });

  it('renders what exists when the experiment was not evaluated and has no epoch yet, naming the commands', async () => {
    const dir = tempDir();
    await writeExperiment(dir, 'fresh', { epochs: 0, evaluated: false });
    const outcome = await run(dir, '--experiment-name=fresh');

    expect(outcome.written).toEqual([path.join(dir, 'fresh', 'plots', 'report.html')]);
    const evaluate = `npx nx run evaluator:test --experiment-name=fresh --experiments-dir=${dir}`;
    const train = `npx nx run trainer:train --experiment-name=fresh --experiments-dir=${dir} --resume`;
    expect(outcome.output).toContain(`note: ${path.join(dir, 'fresh', 'results', 'metrics.json')} not found`);
    expect(outcome.output).toContain(evaluate);
    expect(outcome.output).toContain(`note: ${path.join(dir, 'fresh', 'metrics.jsonl')} has no epochs yet`);
    expect(outcome.output).toContain(train);
    const report = readFileSync(outcome.report, 'utf8');
    expect(report).toContain(evaluate);
    expect(report).toContain(train);
    expect(report).toContain('n/a</div><div class="name">combined accuracy (test)');
    expect(report).not.toContain('<img ');
  });

  it('removes plots of an earlier run whose input is gone, and draws the training curves that exist', async () => {
    const dir = tempDir();
    await writeExperiment(dir, 'rerun');
    await run(dir, '--experiment-name=rerun');
    const plots = path.join(dir, 'rerun', 'plots');
    expect(existsSync(path.join(plots, 'confusion-pairs.png'))).toBe(true);

    rmSync(path.join(dir, 'rerun', 'results'), { recursive: true });
    const outcome = await run(dir, '--experiment-name=rerun');
    expect(readdirSync(plots).sort()).toEqual(['learning-rate.png', 'report.html', 'training-accuracy.png', 'training-loss.png']);
    expect(outcome.output).toContain('npx nx run evaluator:test --experiment-name=rerun');
  });

  it('compares two experiments side by side: compare-<name>.png and a comparison section', async () => {
    const dir = tempDir();
    await writeExperiment(dir, 'two', { kind: 'two-step', pairs: 8 });
    await writeExperiment(dir, 'baseline', { kind: 'one-step', pairs: 4, epochs: 2 });
    const outcome = await run(dir, '--experiment-name=two', '--compare=baseline');

    const file = path.join(dir, 'two', 'plots', 'compare-baseline.png');
    await expectPng(file, { width: 1400, height: 640 });
    expect(outcome.written).toContain(file);
    const report = readFileSync(outcome.report, 'utf8');
    expect(report).toContain('<section id="comparison"><h2>Comparison: two (two-step) vs baseline (one-step)</h2>');
    expect(report).toContain('difference (baseline (one-step) - two (two-step))');
    expect(report).toContain('model.kind &quot;two-step&quot; -&gt; &quot;one-step&quot;');
  });

  it('takes the experiments folder and the dataset root from A2D_* variables, the command line over them, and no other config key', async () => {
    const dir = tempDir();
    await writeExperiment(dir, 'moved', { evaluated: false });
    const statistics = (outcome: PlotsOutcome) => outcome.notices.find((notice) => notice.startsWith('dataset statistics unavailable')) ?? '';
    // The environment alone finds the experiment; the saved config's dataset (gone) is what the notice names.
    const saved = await runPlotsCommand(['--experiment-name=moved'], () => undefined, { A2D_EXPERIMENT__DIR: dir });
    expect(statistics(saved)).toContain(path.join(dir, 'no-such-dataset', 'videoset.csv'));
    const env = { A2D_EXPERIMENT__DIR: dir, A2D_DATA__ROOT: path.join(dir, 'moved-by-env') };
    expect(statistics(await runPlotsCommand(['--experiment-name=moved'], () => undefined, env))).toContain(path.join(dir, 'moved-by-env', 'videoset.csv'));
    const byFlag = await runPlotsCommand(['--experiment-name=moved', `--root=${path.join(dir, 'moved-by-flag')}`], () => undefined, env);
    expect(statistics(byFlag)).toContain(path.join(dir, 'moved-by-flag', 'videoset.csv'));
    await expect(runPlotsCommand(['--experiment-name=moved', '--model.kind=one-step'], () => undefined, env)).rejects.toThrow(
      "--model.kind: not a config key of reporter:plots; it takes experiment.dir, data.root; the report shows the experiment's saved config",
    );
  });

  it('fails in one line for a missing experiment, and on --compare naming the same experiment', async () => {
    const dir = tempDir();
    const lines: string[] = [];
    const io: CommandIo = { error: (line) => lines.push(...line.split('\n')), exit: () => undefined };
    const code = await runCommandLine(PLOTS_COMMAND_LINE, () => runPlotsCommand([`--experiments-dir=${dir}`, '--experiment-name=ghost'], () => undefined).then(() => undefined), io);
    expect(code).toBe(1);
    expect(lines).toEqual([`reporter:plots: ${path.join(dir, 'ghost')}: no such experiment folder; ${dir} holds no experiments (--experiments-dir?)`]);

    await writeExperiment(dir, 'one', { evaluated: false });
    lines.length = 0;
    await runCommandLine(PLOTS_COMMAND_LINE, () => runPlotsCommand([`--experiments-dir=${dir}`, '--experiment-name=onw'], () => undefined).then(() => undefined), io);
    expect(lines).toEqual([`reporter:plots: ${path.join(dir, 'onw')}: no such experiment folder; experiments in ${dir}: one`]);
    await expect(runPlotsCommand([`--experiments-dir=${dir}`, '--experiment-name=one', '--compare=one'], () => undefined)).rejects.toThrow(
      '--compare: expected another experiment than --experiment-name',
    );
    await expect(runPlotsCommand([`--experiments-dir=${dir}`, '--experiment-name=one', '--compare=ghost'], () => undefined)).rejects.toThrow(
      'no such experiment folder',
    );
  });
});

// reporter:plots writes into <experiment>/plots: a file in that place, or a full disk, is one line and exit code 1.

async function plotsCommand(dir: string, name: string): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const io: CommandIo = { error: (line) => lines.push(...line.split('\n')), exit: () => undefined };
  const code = await runCommandLine(PLOTS_COMMAND_LINE, () => runPlotsCommand([`--experiments-dir=${dir}`, `--experiment-name=${name}`], () => undefined).then(() => undefined), io);
  return { code, lines };
}

describe('reporter:plots output folder', () => {
  it('that is a file: one line before anything is drawn, exit 1, the file untouched', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-plots-out-'));
    await writeExperiment(dir, 'fresh', { epochs: 0, evaluated: false });
    const root = path.join(dir, 'fresh');
    writeFileSync(path.join(root, 'plots'), 'not a folder');
    expect(await plotsCommand(dir, 'fresh')).toEqual({ code: 1, lines: [`reporter:plots: ${path.join(root, 'plots')}: is a file, expected a folder`] });
    expect(readFileSync(path.join(root, 'plots'), 'utf8')).toBe('not a folder');
  });
});

describeWithTinyFilesystem('reporter:plots on a full disk (a real 256 KiB tmpfs)', 256 * 1024, (disk) => {
  it('is one line naming the plots folder, the bytes the report needs and the bytes free, exit 1', async () => {
    await writeExperiment(disk().dir, 'fresh', { epochs: 0, evaluated: false });
    const root = path.join(disk().dir, 'fresh');
    disk().fill();
    const result = await plotsCommand(disk().dir, 'fresh');
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      expect.stringMatching(new RegExp(`^reporter:plots: ${path.join(root, 'plots')}: disk full: report\\.html needs \\d+ bytes \\([\\d.]+ KiB\\), 0 bytes free$`)),
    ]);
  });
});
