/**
 * `npx nx run trainer:bench [--epochs=8] [--root=<dataset>] [--steps=12] [--<config.path>=<value>]` (A2D_* variables apply too)
 *
 * End-to-end training throughput against its own peer, measured in the same run on the same machine:
 *   model-only:  the trainer's replicas stepping on synthetic tensors of the run's batch shape (no data at all);
 *   end-to-end:  `runTraining` on real clips (decode -> cache -> augmentation -> mixup -> steps), warm-cache epochs.
 * Prints clips/s of both and their ratio (goal >= 0.85), the data-wait share of step time (goal < 10%), RSS per
 * epoch (growth after epoch 2, goal <= 5%), tensors on the main thread per epoch and tensors leaked per step by
 * the replica (in-process, goal 0). The dataset defaults to the tiny synthetic one (made in a temp folder).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { a2dConfigSchema, givenConfigPaths, loadConfig, mergeTrees, numberFlag, parseCommandLine, runCommandLine, type A2dConfig } from '@a2d/core';
import { DataParallelTrainer, InProcessTrainer, initEngine, splitBatch, tf, type BatchPayload, type ReplicaTrainer } from '@a2d/engine';
import { NUM_PAIRS } from '@a2d/layers';
import { classifierReplicaModule, experimentPaths, parseEpochRecords, runTraining, type ClassifierReplicaOptions } from '@a2d/training';
import { trainingFixtures } from '@a2d/training/testing';

/** The epochs the bench runs unless the environment or the command line says otherwise (not the trainer's 24). */
const BENCH_EPOCHS = 8;

/** The bench's command line: its own step count, and the config (`--epochs` and `--root` are shorthands). */
const BENCH_COMMAND_LINE = {
  name: 'trainer:bench',
  summary: 'end-to-end training throughput (real clips, warm frame cache) against the same replicas stepping on synthetic tensors, measured in one run',
  flags: z.object({ steps: numberFlag().default(12).describe('timed model-only steps of the peer') }),
  aliases: { epochs: 'train.epochs', root: 'data.root' },
  notes: [
    `The bench runs ${BENCH_EPOCHS} epochs unless train.epochs is set (--epochs), on the tiny synthetic dataset (made in a temp folder, every ` +
      'clip twice) unless data.root is set (--root); it always uses data.valFraction 0, whole batches and a frame cache and ' +
      'experiments folder of its own in the temp folder.',
  ],
};

function syntheticPayload(config: A2dConfig): BatchPayload {
  const batch = config.data.loader.batchSize;
  const { numFrames } = config.data.sampling;
  const size = config.augment.cropSize;
  const oneHot = (classes: number) => {
    const values = new Float32Array(batch * classes);
    for (let i = 0; i < batch; i++) values[i * classes + (i % classes)] = 1;
    return values;
  };
  return {
    // Raw bytes, as the loop sends unmixed batches (the replicas normalise them).
    frames: { values: Uint8Array.from({ length: batch * numFrames * size * size * 3 }, (_, i) => (i * 37) & 255), shape: [batch, numFrames, size, size, 3], dtype: 'float32' },
    actionTarget: { values: oneHot(8), shape: [batch, 8], dtype: 'float32' },
    actorTarget: { values: oneHot(7), shape: [batch, 7], dtype: 'float32' },
    pairTarget: { values: oneHot(NUM_PAIRS), shape: [batch, NUM_PAIRS], dtype: 'float32' },
    trueAction: { values: Int32Array.from({ length: batch }, (_, i) => i % 8), shape: [batch], dtype: 'int32' },
    trueActor: { values: Int32Array.from({ length: batch }, (_, i) => i % 7), shape: [batch], dtype: 'int32' },
    feedPrediction: { values: Int32Array.from({ length: batch }, (_, i) => i % 2), shape: [batch], dtype: 'int32' },
  };
}

/** Clips/s of `steps` updates on the same batch, moved to the replicas as the loop moves its batches. */
async function timeSteps(trainer: ReplicaTrainer, payload: BatchPayload, steps: number): Promise<number> {
  const step = async () => {
    await trainer.computeGradients(splitBatch(payload, trainer.workers), { rawFrames: true }, { transfer: true });
    await trainer.applyGradients({ learningRate: 1e-4, clipNorm: 1 });
  };
  await step(); // warm-up
  const start = performance.now();
  for (let i = 0; i < steps; i++) await step();
  return (steps * payload.frames.shape[0]) / ((performance.now() - start) / 1000);
}

/** What the bench runs on: its config, and whether it makes the tiny dataset at `config.data.root` first. */
export interface BenchSetup {
  config: A2dConfig;
  /** Whether neither the environment nor the command line named a dataset (so the bench makes one). */
  generate: boolean;
  /** Timed model-only steps of the peer. */
  steps: number;
}

/**
 * The bench's config by the one loader: its defaults (`BENCH_EPOCHS`) < `A2D_*` environment < command line, then
 * what the bench fixes whatever they say: its folders under `base`, no validation split, whole batches only (the
 * peer steps on whole batches too).
 */
export function resolveBenchSetup(argv: readonly string[], env: NodeJS.ProcessEnv, base: string): BenchSetup {
  const { flags, overrides } = parseCommandLine(argv, BENCH_COMMAND_LINE, { env });
  const generate = !givenConfigPaths({ env, overrides }).has('data.root');
  const fixed = {
    data: {
      ...(generate ? { root: path.join(base, 'data'), videosetFile: 'videoset-val.csv' } : {}),
      valFraction: 0,
      decode: { cacheDir: path.join(base, 'cache') },
      loader: { dropLast: true },
    },
    experiment: { dir: path.join(base, 'experiments') },
  };
  const config = loadConfig(a2dConfigSchema, { base: { name: 'trainer:bench defaults', tree: { train: { epochs: BENCH_EPOCHS } } }, env, overrides: mergeTrees(overrides, fixed) });
  return { config, generate, steps: flags.steps };
}

async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'a2d-trainer-bench-'));
  const { config, generate, steps } = resolveBenchSetup(argv, env, base);
  const generatedRoot = config.data.root;
  if (generate) {
    console.log(`bench: generating the tiny synthetic dataset (every clip twice) in ${generatedRoot}`);
    await trainingFixtures.makeTinyDataset(generatedRoot);
  }
  const engine = await initEngine({ backend: config.engine.backend });
  const cores = os.availableParallelism();
  console.log(`bench: ${os.cpus()[0]?.model ?? 'cpu'} x${cores}, backend ${engine.backend}, batch ${config.data.loader.batchSize} x ${config.data.sampling.numFrames} x ${config.augment.cropSize}px, backbone ${config.model.backbone}`);

  // End-to-end first (it decides the worker count the peer then uses).
  const paths = experimentPaths(config.experiment.dir, 'bench');
  const result = await runTraining({ config, name: 'bench', paths, engine, resume: false, force: false, log: (line) => console.log(`  ${line}`), warn: (line) => console.log(`  warning: ${line}`) });
  const records = parseEpochRecords(readFileSync(paths.metrics, 'utf8'), paths.metrics);
  const warm = records.slice(1);
  if (warm.length === 0) throw new Error('bench: needs at least 2 epochs (the first fills the frame cache)');
  const clips = warm.reduce((sum, r) => sum + r.train.clips, 0);
  const seconds = warm.reduce((sum, r) => sum + r.seconds, 0);
  const endToEnd = clips / seconds;
  const wait = warm.reduce((sum, r) => sum + r.dataWaitFraction * r.seconds, 0) / seconds;
  // Steady state: the second half of the warm epochs (the first ones run slower while the replicas warm up), next
  // to the peer, which is measured right after them.
  const steady = warm.slice(Math.floor(warm.length / 2));
  const steadyRate = steady.reduce((sum, r) => sum + r.train.clips, 0) / steady.reduce((sum, r) => sum + r.seconds, 0);

  // The peer: the same replicas on synthetic tensors of the same shape.
  const replicaOptions: ClassifierReplicaOptions = { config: { model: config.model, loss: config.loss, train: config.train }, inputSize: config.augment.cropSize, numFrames: config.data.sampling.numFrames, modelSeed: config.seed };
  const module = classifierReplicaModule();
  const payload = syntheticPayload(config);
  const parallel = result.workers > 1 ? await DataParallelTrainer.start({ workers: result.workers, replica: { module, options: replicaOptions }, backend: engine.backend, collectGarbageEvery: config.train.workerGcEvery }) : await InProcessTrainer.create({ replica: { module, options: replicaOptions } });
  const modelOnly = await timeSteps(parallel, payload, steps);
  await parallel.stop();

  // Tensors leaked per step by the replica itself (in this thread, so tf.memory() sees them).
  const local = await InProcessTrainer.create({ replica: { module, options: replicaOptions } });
  const shards = splitBatch(payload, 1);
  await local.step(shards, { learningRate: 1e-4, context: { rawFrames: true } });
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await local.step(shards, { learningRate: 1e-4, context: { rawFrames: true } });
  const leakedPerStep = (tf.memory().numTensors - before) / 3;
  await local.stop();

  const rss = records.map((r) => r.rssMiB);
  const growth = rss.length > 2 ? (Math.max(...rss.slice(2)) - rss[1]) / rss[1] : 0;
  const secondHalf = rss.slice(Math.floor(rss.length / 2));
  const drift = secondHalf.length > 1 ? (secondHalf[secondHalf.length - 1] - secondHalf[0]) / secondHalf[0] : 0;
  console.log('\n| epoch | clips | seconds | clips/s | data wait | RSS MiB | main-thread tensors |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of records) {
    console.log(`| ${r.epoch}${r.epoch === 1 ? ' (cold cache)' : ''} | ${r.train.clips} | ${r.seconds.toFixed(1)} | ${r.clipsPerSecond.toFixed(2)} | ${(100 * r.dataWaitFraction).toFixed(1)}% | ${r.rssMiB.toFixed(0)} | ${r.tensors} |`);
  }
  console.log(`\n| measure | value | goal |`);
  console.log('|---|---|---|');
  console.log(`| model-only step, synthetic tensors (${result.workers} replica${result.workers > 1 ? 's' : ''}) | ${modelOnly.toFixed(2)} clips/s | peer |`);
  console.log(`| end-to-end, all warm-cache epochs (2-${records.length}) | ${endToEnd.toFixed(2)} clips/s (${(endToEnd / modelOnly).toFixed(3)}x) | |`);
  console.log(`| end-to-end, steady state (epochs ${steady[0].epoch}-${records.length}) | ${steadyRate.toFixed(2)} clips/s | |`);
  console.log(`| end-to-end / model-only, steady state | ${(steadyRate / modelOnly).toFixed(3)}x | >= 0.85x |`);
  console.log(`| data wait share of step time (warm) | ${(100 * wait).toFixed(1)}% | < 10% |`);
  console.log(`| RSS growth after epoch 2 (peak of later epochs vs epoch 2) | ${(100 * growth).toFixed(1)}% | <= 5% |`);
  console.log(`| RSS drift over the second half of the run (last vs first) | ${(100 * drift).toFixed(1)}% | flat |`);
  console.log(`| tensors leaked per step (replica, in-process) | ${leakedPerStep} | 0 |`);
  console.log(`| main-thread tensors across epochs | ${[...new Set(records.map((r) => r.tensors))].join(' -> ')} | constant |`);
}

if (require.main === module) {
  void runCommandLine(BENCH_COMMAND_LINE, () => main(process.argv.slice(2), process.env)).then((code) => process.exit(code));
}
