import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, runCommandLine } from '@a2d/core';
import { describeWithReferenceFixture, referenceFixture } from '@a2d/core/testing';
import { initEngine, type EngineInfo } from '@a2d/engine';
import { PREDICTIONS_CSV_HEADER, readMetricsJson, readPredictionsCsv } from '@a2d/metrics';
import { CheckpointError, experimentPaths, runTraining } from '@a2d/training';
import { trainingFixtures } from '@a2d/training/testing';
import { runTestCommand, TEST_COMMAND_LINE } from './test';
import { testTargetJob } from './test-target';

const WORKSPACE = path.join(__dirname, '../../..');

let experiments: string;
let root: string;
let engine: EngineInfo;

/** A progress stream that keeps what it is given (not a terminal: plain lines). */
function progressSink(): { write: (text: string) => boolean; text: () => string } {
  const chunks: string[] = [];
  return { write: (text) => chunks.push(text) > 0, text: () => chunks.join('') };
}

function capture(): { print: (text: string) => void; text: () => string } {
  const chunks: string[] = [];
  return { print: (text) => chunks.push(text), text: () => chunks.join('') };
}

beforeAll(async () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'a2d-evaluator-test-'));
  root = path.join(base, 'data');
  experiments = path.join(base, 'experiments');
  await trainingFixtures.makeTinyDataset(root);
  engine = await initEngine({ backend: 'wasm', log: () => undefined });
  const config = trainingFixtures.tinyConfig(root, experiments, { train: { epochs: 2 } });
  await runTraining({ config, name: 'tiny', paths: experimentPaths(experiments, 'tiny'), engine, resume: false, force: false, log: () => undefined, warn: () => undefined });
}, 300_000);

describe('evaluator:test', () => {
  it('evaluates the best checkpoint end to end: the four files, metrics that agree with the predictions, a summary', async () => {
    const output = capture();
    const progress = progressSink();
    const outcome = await runTestCommand([`--experiments-dir=${experiments}`, '--experiment-name=tiny', '--backend=wasm'], output.print, { progressStream: progress });
    const results = experimentPaths(experiments, 'tiny').results;
    const files = ['test_predictions.csv', 'metrics.json', 'action_classification_report.csv', 'actor_classification_report.csv'].map((name) => path.join(results, name));
    expect(outcome.written).toEqual(files);
    files.forEach((file) => expect(existsSync(file)).toBe(true));

    const header = readFileSync(files[0], 'utf8').split('\n')[0];
    expect(header).toBe(PREDICTIONS_CSV_HEADER);
    expect(readFileSync(files[2], 'utf8').split('\n')[0]).toBe(',precision,recall,f1-score,support');

    const metrics = await readMetricsJson(files[1]);
    expect(metrics).toEqual(outcome.evaluation.metrics);
    const rows = await readPredictionsCsv(files[0]);
    expect(rows.map((row) => row.videoId)).toEqual(outcome.evaluation.videos.map((video) => video.videoId));
    expect(metrics.num_clips).toBe(rows.length);
    const percentOf = (hits: number) => (100 * hits) / rows.length;
    expect(metrics.action_acc).toBeCloseTo(percentOf(rows.filter((row) => row.predAction === row.trueAction).length), 10);
    expect(metrics.actor_acc).toBeCloseTo(percentOf(rows.filter((row) => row.predActor === row.trueActor).length), 10);
    expect(metrics.combined_acc).toBeCloseTo(percentOf(rows.filter((row) => row.predAction === row.trueAction && row.predActor === row.trueActor).length), 10);
    rows.forEach((row) => {
      expect(row.actionCorrect).toBe(row.predAction === row.trueAction);
      expect(row.actorCorrect).toBe(row.predActor === row.trueActor);
    });
    expect(metrics.evaluation).toMatchObject({ split: 'test', views: 1, crops: 1, weights: 'live', backend: 'wasm', modelKind: 'two-step' });

    const summary = output.text();
    expect(summary).toContain(`checkpoints/best on the test split: ${rows.length} videos, 1 view(s) x 1 crop(s) each`);
    expect(summary).toContain(`  combined accuracy ${metrics.combined_acc.toFixed(2)} %`);
    expect(summary).toMatch(/ {2}action {3}accuracy [\d.]+ % {2}F1 weighted [\d.]+ {2}macro [\d.]+/);
    expect(summary).toMatch(/constrained combined accuracy [\d.]+ %/);
    expect(summary).toMatch(/\d+ clips in [\d.]+ s: [\d.]+ clips\/s on wasm/);
    files.forEach((file) => expect(summary).toContain(`wrote ${file}`));
    expect(progress.text()).toMatch(/evaluating .*checkpoints\/best on \d+ test videos, 1 view\(s\) x 1 crop\(s\) each/);
  });

  it("accepts the original spec's --mode test form, with EMA weights and more views; --mode train points to the trainer", async () => {
    const progress = progressSink();
    const outcome = await runTestCommand(
      ['--mode', 'test', '--experiment-name', 'tiny', '--experiments-dir', experiments, '--ema', '--views', '2', '--quiet'],
      () => undefined,
      { progressStream: progress },
    );
    expect(outcome.evaluation.metrics.evaluation).toMatchObject({ views: 2, weights: 'ema', split: 'test' });
    expect(outcome.evaluation.videos.every((video) => video.views === 2)).toBe(true);
    // Quiet: only the closing line.
    expect(progress.text().trim().split('\n')).toEqual([expect.stringMatching(/^evaluated \d+ videos \(\d+ clips\)/)]);

    const val = await runTestCommand([`--experiments-dir=${experiments}`, '--experiment-name=tiny', '--split=val', '--quiet'], () => undefined, { progressStream: progressSink() });
    expect(val.written.map((file) => path.basename(file))).toEqual(['val_predictions.csv', 'val_metrics.json', 'val_action_classification_report.csv', 'val_actor_classification_report.csv']);

    const error = await runTestCommand(['--mode=train', '--experiment-name=tiny'], () => undefined).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/--mode: expected 'test' \(to train, use: npx nx run trainer:train/);
  });

  it('reports a missing experiment as one line naming it and the experiments that exist, exit 1', async () => {
    const lines: string[] = [];
    const code = await runCommandLine(TEST_COMMAND_LINE, () => runTestCommand([`--experiments-dir=${experiments}`, '--experiment-name=tinny'], () => undefined).then(() => undefined), {
      error: (line) => lines.push(line),
      exit: () => undefined,
    });
    expect(code).toBe(1);
    expect(lines).toEqual([`evaluator:test: ${path.join(experiments, 'tinny')}: no such experiment; experiments in ${experiments}: tiny`]);
  });

  it('refuses a corrupted checkpoint with one line naming the file', async () => {
    const source = path.join(experiments, 'tiny');
    cpSync(source, path.join(experiments, 'tiny-corrupt'), { recursive: true, filter: (file) => !file.startsWith(path.join(source, 'results')) });
    const weights = path.join(experiments, 'tiny-corrupt', 'checkpoints', 'best', 'model', 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[bytes.length >> 1] ^= 0x40;
    writeFileSync(weights, bytes);
    const error = await runTestCommand([`--experiments-dir=${experiments}`, '--experiment-name=tiny-corrupt', '--quiet'], () => undefined, { progressStream: progressSink() }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(/checkpoints\/best: model\/weights\.bin: fails its SHA-256 checksum \(corrupted\)/);
    expect((error as Error).message).not.toContain('\n');
    expect(existsSync(path.join(experiments, 'tiny-corrupt', 'results', 'metrics.json'))).toBe(false);
  });

  it('takes the dataset root, views, crops, backend and experiments folder from A2D_* variables, the command line over them', async () => {
    // The environment alone picks the experiments folder and the views; the rest stays the checkpoint's own.
    const fromEnv = await runTestCommand(['--experiment-name=tiny', '--quiet'], () => undefined, {
      progressStream: progressSink(),
      env: { A2D_EXPERIMENT__DIR: experiments, A2D_DATA__SAMPLING__TEST_VIEWS: '2', A2D_ENGINE__BACKEND: 'wasm' },
    });
    expect(fromEnv.evaluation.metrics.evaluation).toMatchObject({ views: 2, crops: 1, backend: 'wasm' });
    // A dataset root from the environment is used (it is not there), and --root wins over it.
    const env = { A2D_DATA__ROOT: path.join(root, 'moved-by-env') };
    const byEnv = await runTestCommand([`--experiments-dir=${experiments}`, '--experiment-name=tiny', '--quiet'], () => undefined, { progressStream: progressSink(), env }).catch(
      (caught: unknown) => caught,
    );
    expect((byEnv as Error).message).toContain(`${path.join(root, 'moved-by-env')}${path.sep}`);
    const byFlag = await runTestCommand([`--experiments-dir=${experiments}`, '--experiment-name=tiny', `--data.root=${path.join(root, 'moved-by-flag')}`, '--quiet'], () => undefined, {
      progressStream: progressSink(),
      env,
    }).catch((caught: unknown) => caught);
    expect((byFlag as Error).message).toContain(`${path.join(root, 'moved-by-flag')}${path.sep}`);
    // A bad value names its variable; a key an evaluation cannot change is refused with the keys it can.
    const bad = await runTestCommand(['--experiment-name=tiny'], () => undefined, { env: { A2D_DATA__SAMPLING__TEST_CROPS: '2' } }).catch((caught: unknown) => caught);
    expect((bad as ConfigError).source).toBe('environment (A2D_DATA__SAMPLING__TEST_CROPS)');
    const model = await runTestCommand(['--experiment-name=tiny', '--model.hiddenDim=8'], () => undefined, { env: {} }).catch((caught: unknown) => caught);
    expect((model as ConfigError).issues).toEqual([
      {
        path: '--model.hiddenDim',
        message:
          "not a config key of evaluator:test; it takes experiment.dir, engine.backend, data.root, data.sampling.testViews, data.sampling.testCrops; the model and the other data settings are the checkpoint's saved config",
      },
    ]);
  });

  it('routes the nx test target: only the bare invocation (what run-many passes) runs the jest suite', () => {
    expect(testTargetJob([])).toBe('jest');
    expect(testTargetJob(['--experiment-name=tiny'])).toBe('evaluate');
    expect(testTargetJob(['--experiment_name=tiny'])).toBe('evaluate');
    expect(testTargetJob(['--experimentName=tiny'])).toBe('evaluate');
    expect(testTargetJob(['--expriment-name=tiny'])).toBe('evaluate');
    expect(testTargetJob(['--help'])).toBe('evaluate');
    expect(testTargetJob(['-h'])).toBe('evaluate');
    expect(testTargetJob(['--mode', 'test', '--experiment-name', 'tiny'])).toBe('evaluate');
    expect(testTargetJob(['--testPathPatterns=score'])).toBe('evaluate');
  });

  it('as the nx target script, sends a typo to the did-you-mean line, --help to the help and --experiment_name to an evaluation', async () => {
    const target = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(__dirname, 'test-target.ts'), ...args], { cwd: WORKSPACE });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const [typo, help, snake] = await Promise.all([
      target(['--expriment-name=tiny']),
      target(['--help']),
      target([`--experiments-dir=${experiments}`, '--experiment_name=ghost']),
    ]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('--expriment-name: unknown option (did you mean --experiment-name?)');
    expect(typo.stderr).toContain('usage: npx nx run evaluator:test --experiment-name=<name> [options]');
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toMatch(/^evaluator:test: evaluates an experiment's best checkpoint/);
    expect(help.stdout).toContain('npx nx run evaluator:spec');
    expect(snake.code).toBe(1);
    expect(snake.stderr).toMatch(new RegExp(`^evaluator:test: ${path.join(experiments, 'ghost')}: no such experiment; experiments in ${experiments}: tiny`));
  }, 60_000);

  it('runs as the nx target script (tsx): a missing checkpoint folder is one line on stderr and exit 1', () => {
    const tsx = path.join(WORKSPACE, 'node_modules/.bin/tsx');
    const run = spawnSync(tsx, ['apps/evaluator/src/test-target.ts', `--experiments-dir=${experiments}`, '--experiment-name=tiny', '--checkpoint=/no/such/checkpoint', '--backend=wasm', '--quiet'], {
      cwd: WORKSPACE,
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('evaluator:test: checkpoint /no/such/checkpoint: not found (train first, or pass --checkpoint=<folder>)\n');
  });
});

describeWithReferenceFixture('evaluator:test predictions format', () => {
  it('writes the header of the reference predictions file', () => {
    expect(PREDICTIONS_CSV_HEADER).toBe(readFileSync(referenceFixture('test_predictions.csv'), 'utf8').split(/\r?\n/)[0]);
  });
});
