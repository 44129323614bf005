import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, DatasetError, type A2dConfig } from '@a2d/core';
import { initEngine, type EngineInfo } from '@a2d/engine';
import { parseEpochRecords } from './epoch-record';
import { evaluateExperiment } from './evaluate-experiment';
import { experimentPaths } from './experiment';
import { makeTinyDataset, tinyConfig } from './testing/tiny-experiment';
import { readEventFile } from './tensorboard/read-event-file';
import { EventFileWriter } from './tensorboard/event-file-writer';
import type { TrainingCallback } from './loop/training-callback';
import { runTraining, type TrainingRunResult } from './train-run';

let root: string;
let experiments: string;
let engine: EngineInfo;

beforeAll(async () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'a2d-train-'));
  root = path.join(base, 'data');
  experiments = path.join(base, 'experiments');
  await makeTinyDataset(root);
  engine = await initEngine({ backend: 'wasm', log: () => undefined });
}, 180_000);

interface Run {
  result: TrainingRunResult;
  logs: string[];
  warnings: string[];
}

/** `interruptAfterEpoch`: a callback interrupts the run at the end of that (1-based) epoch, so it stops in the next. */
async function train(config: A2dConfig, name: string, options: { resume?: boolean; force?: boolean; interruptAfterEpoch?: number; scalars?: boolean } = {}): Promise<Run> {
  const logs: string[] = [];
  const warnings: string[] = [];
  const interrupter: TrainingCallback = {
    onEpochEnd: (context, end) => {
      if (end.record.epoch === options.interruptAfterEpoch) context.interrupt();
    },
  };
  const result = await runTraining({
    config,
    name,
    paths: experimentPaths(config.experiment.dir, name),
    engine,
    resume: options.resume ?? false,
    force: options.force ?? false,
    log: (line) => logs.push(line),
    warn: (line) => warnings.push(line),
    callbacks: [interrupter],
    ...(options.scalars ? { scalars: (dir: string) => new EventFileWriter(dir) } : {}),
  });
  return { result, logs, warnings };
}

function weightsOf(name: string, tag = 'last'): Float32Array {
  const bytes = readFileSync(path.join(experiments, name, 'checkpoints', tag, 'model', 'weights.bin'));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

function maxRelativeDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1e-6, Math.abs(b[i])));
  return worst;
}

const numbersOf = (run: TrainingRunResult) =>
  run.history.map((r) => [r.train.loss.total, r.train.loss.action, r.train.loss.actor, r.train.acc.combined, r.val?.acc.combined, r.val?.loss.total, r.valEma?.acc.combined, r.lr.last, r.globalStep]);

describe('runTraining', () => {
  it('learns on the tiny set and writes a complete experiment folder', async () => {
    // No mixing: the frames travel to the replicas as bytes (the resume test below covers mixup's float path).
    const config = tinyConfig(root, experiments, {
      augment: { mixup: { alpha: 0 } },
      train: { epochs: 6, checkpoint: { keep: 2 } },
      model: { dropout: 0, attentionDropout: 0, dropPathRate: 0 },
      loss: { labelSmoothing: 0 },
    });
    const { result, logs } = await train(config, 'learns', { scalars: true });
    const paths = experimentPaths(experiments, 'learns');
    const first = result.history[0];
    const last = result.history[result.history.length - 1];
    expect(result.epochs).toBe(6);
    expect(last.train.loss.total).toBeLessThan(0.85 * (first.train.loss.total ?? 0));
    // Chance for a combined (action, actor) guess is about 1/36.
    expect(Math.max(...result.history.slice(-2).map((r) => r.train.acc.combined ?? 0))).toBeGreaterThan(3 * (100 / 36));
    expect(logs.some((line) => line.startsWith('epoch 6/6'))).toBe(true);

    // metrics.jsonl: one valid record per epoch, validation of plain and constrained decoding and of the EMA.
    const records = parseEpochRecords(readFileSync(paths.metrics, 'utf8'), paths.metrics);
    expect(records.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(last.val?.clips).toBeGreaterThan(0);
    expect(last.val?.acc.combinedConstrained).not.toBeNull();
    expect(last.valEma?.acc.combined).not.toBeNull();
    expect(last.lr.last).toBeLessThan(first.lr.last);
    // No tensor leaks on the main thread from epoch to epoch.
    expect(new Set(records.slice(1).map((r) => r.tensors)).size).toBe(1);

    // Checkpoints: last, best and the newest two epochs; the TensorBoard file reads back with valid CRCs.
    const tags = readdirSync(paths.checkpoints).sort();
    expect(tags).toEqual(['best', 'epoch-5', 'epoch-6', 'last']);
    const eventFiles = readdirSync(paths.tensorboard);
    expect(eventFiles).toHaveLength(1);
    const events = readEventFile(path.join(paths.tensorboard, eventFiles[0]));
    const tagsWritten = new Set(events.flatMap((e) => (e.summary?.value ?? []).map((v) => v.tag)));
    for (const tag of ['loss/train_total', 'loss/val_action', 'accuracy/val_combined', 'accuracy/val_combinedConstrained', 'learning_rate', 'speed/clips_per_second']) {
      expect(tagsWritten).toContain(tag);
    }
    expect(JSON.parse(readFileSync(paths.skippedVideos, 'utf8'))).toEqual([]);
    expect(JSON.parse(readFileSync(paths.config, 'utf8')).engine.backend).toBe('wasm');

    // The best checkpoint evaluates on the test split and writes the results.
    const evaluation = await evaluateExperiment({ experimentDir: paths.root, split: 'val' });
    expect(evaluation.metrics.num_clips).toBe(last.val?.clips);
    expect(evaluation.metrics.combined_acc).toBeCloseTo(result.history[(result.best?.epoch ?? 1) - 1].val?.acc.combined ?? -1, 6);
    expect(existsSync(path.join(paths.results, 'val_predictions.csv'))).toBe(true);
  }, 300_000);

  it('resumes exactly: 4 epochs in one go == interrupted mid-epoch 3 and resumed; a corrupt checkpoint falls back', async () => {
    const config = tinyConfig(root, experiments);
    const straight = await train(config, 'straight');
    const cut = await train(config, 'cut', { interruptAfterEpoch: 2 });
    expect(cut.result.interrupted).toBe(true);
    expect(cut.logs.join('\n')).toMatch(/interrupted: saved a resumable checkpoint at epoch 3/);
    // A copy whose newest checkpoint is corrupted: the resume must use epoch-2 and still end identical.
    cpSync(path.join(experiments, 'cut'), path.join(experiments, 'cut-corrupt'), { recursive: true });
    const corruptFile = path.join(experiments, 'cut-corrupt', 'checkpoints', 'last', 'replicas.bin');
    const bytes = readFileSync(corruptFile);
    bytes[bytes.length >> 1] ^= 0x40;
    writeFileSync(corruptFile, bytes);

    const resumed = await train(config, 'cut', { resume: true });
    expect(resumed.result.interrupted).toBe(false);
    expect(resumed.logs.join('\n')).toMatch(/resumed from checkpoint last: epoch 3, \d+ videos into it/);
    expect(maxRelativeDifference(weightsOf('cut'), weightsOf('straight'))).toBeLessThanOrEqual(1e-5);
    const expected = numbersOf(straight.result);
    numbersOf(resumed.result).forEach((row, i) => row.forEach((value, j) => expect(value).toBeCloseTo(expected[i][j] as number, 5)));

    const fallback = await train(config, 'cut-corrupt', { resume: true });
    expect(fallback.warnings.join('\n')).toMatch(/checkpoints\/last: replicas\.bin: fails its SHA-256 checksum \(corrupted\); trying the previous checkpoint/);
    expect(fallback.logs.join('\n')).toMatch(/resumed from checkpoint epoch-2/);
    expect(maxRelativeDifference(weightsOf('cut-corrupt'), weightsOf('straight'))).toBeLessThanOrEqual(1e-5);
  }, 600_000);

  it('refuses to resume with a different config unless forced, and refuses to overwrite a run', async () => {
    const changed = tinyConfig(root, experiments, { train: { optimizer: { lr: 1e-2 } } });
    await expect(train(changed, 'straight', { resume: true })).rejects.toThrow(/differs from the saved run in train\.optimizer\.lr \(saved 0\.003, now 0\.01\)\..*--force/);
    const forced = await train(changed, 'straight', { resume: true, force: true });
    expect(forced.warnings.join('\n')).toMatch(/resuming with changes \(--force\): train\.optimizer\.lr/);
    expect(forced.logs.join('\n')).toMatch(/already finished/);
    await expect(train(tinyConfig(root, experiments), 'straight')).rejects.toThrow(/already has checkpoints: pass --resume/);
  }, 120_000);

  it('trains the one-step baseline on the same budget and evaluates it', async () => {
    const config = tinyConfig(root, experiments, { model: { kind: 'one-step' }, train: { epochs: 2 } });
    const { result } = await train(config, 'one-step');
    expect(result.history[1].train.loss.total).not.toBeNull();
    expect(result.history[1].train.loss.actor).toBeNull();
    expect(result.history[1].val?.acc.combined).toBe(result.history[1].val?.acc.combinedConstrained);
    const evaluation = await evaluateExperiment({ experimentDir: path.join(experiments, 'one-step'), split: 'val' });
    expect(evaluation.metrics.evaluation.modelKind).toBe('one-step');
    expect(evaluation.metrics.invalid_pair_predictions).toBe(0);
  }, 300_000);

  it('skips a corrupt and a missing video (counted, listed) and stops early when validation does not improve', async () => {
    const rows = readFileSync(path.join(root, 'videoset-val.csv'), 'utf8').trim().split('\n');
    const [, ...rest] = rows[0].split(',');
    const broken = ['brokenclip1', 'brokenclip2', 'missingclip1', 'missingclip2'];
    for (const id of broken.filter((b) => b.startsWith('broken'))) writeFileSync(path.join(root, 'clips320H', `${id}.mp4`), 'this is not an mp4');
    const extra = broken.map((id) => [id, ...rest.slice(0, -1), '0'].join(','));
    writeFileSync(path.join(root, 'videoset-broken.csv'), `${[...rows, ...extra].join('\n')}\n`);
    const config = tinyConfig(root, experiments, {
      data: { videosetFile: 'videoset-broken.csv' },
      train: { epochs: 6, optimizer: { lr: 1e-12 }, schedule: { kind: 'constant' }, earlyStopping: { patience: 1 }, ema: { enabled: false } },
    });
    // Interrupted early in epoch 2 and resumed: the videos found broken before the interruption stay listed.
    const first = await train(config, 'broken-and-flat', { interruptAfterEpoch: 1 });
    expect(first.result.interrupted).toBe(true);
    const skippedBefore = first.result.skippedVideos;
    const { result, logs } = await train(config, 'broken-and-flat', { resume: true });
    expect(result.skippedVideos).toBeGreaterThanOrEqual(skippedBefore);
    const skipped = JSON.parse(readFileSync(experimentPaths(experiments, 'broken-and-flat').skippedVideos, 'utf8')) as { videoId: string; reason: string }[];
    // Most of the four land in the training split (one label's validation share is small): each is skipped once.
    expect(skipped.length).toBeGreaterThanOrEqual(2);
    expect(skipped.every((s) => broken.includes(s.videoId) && s.reason.length > 0)).toBe(true);
    expect(result.skippedVideos).toBe(skipped.length);
    expect(result.history.every((r) => r.train.clips > 0)).toBe(true);
    // The weights barely move, so validation accuracy never improves after epoch 1: patience 1 stops after epoch 2.
    expect(result.epochs).toBe(2);
    expect(result.stopReason).toMatch(/early stopping/);
    expect(logs.join('\n')).toMatch(/early stopping/);
  }, 120_000);

  it('refuses mixed precision with the reason, and stops with one line when no clip exists', async () => {
    await expect(train(tinyConfig(root, experiments, { train: { mixedPrecision: true } }), 'fp16')).rejects.toThrow(
      new ConfigError([{ path: 'train.mixedPrecision', message: expect.any(String) }]).constructor as typeof ConfigError,
    );
    await expect(train(tinyConfig(root, experiments, { train: { mixedPrecision: true } }), 'fp16')).rejects.toThrow(/float16/);
    const empty = mkdtempSync(path.join(os.tmpdir(), 'a2d-empty-'));
    writeFileSync(path.join(empty, 'videoset-val.csv'), readFileSync(path.join(root, 'videoset-val.csv')));
    const error = await train(tinyConfig(empty, experiments), 'empty').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toMatch(/clips320H: none of the \d+ training clips exist/);
    expect((error as Error).message.split('\n')).toHaveLength(1);
  }, 60_000);
});
