/**
 * One benchmark measurement in its own process (so peak RSS belongs to one configuration): starts the
 * backend, then times forward passes (eval mode) and Adam training steps of the reference network on
 * synthetic clips, on the main thread or on `--workers` data-parallel worker threads, and prints one
 * JSON line.
 *
 * Usage: tsx packages/engine/bench/measure-tfjs.ts --backend=wasm --workers=1 --batch=8 --frames=8 --size=112 --steps=3 --warmup=1
 */
import path from 'node:path';
import { parseArgs, Rng, type EngineBackend } from '@a2d/core';
import { DataParallelTrainer, initEngine, splitBatch, tf, type BatchPayload } from '../src/index';
import { createParameters, forward, forwardFlopsPerFrame, headClasses, trainingLoss } from './reference-network';
import { positive } from './bench-flags';

/** What one measurement reports. */
export interface TfjsMeasurement {
  runner: 'tfjs';
  backend: string;
  threads: number;
  batch: number;
  frames: number;
  size: number;
  steps: number;
  forwardSecondsPerBatch: number;
  trainSecondsPerBatch: number;
  /** Process CPU time (every thread) per training step: with free cores, wall time approaches it divided by the threads used. */
  trainCpuSecondsPerBatch: number;
  forwardClipsPerSecond: number;
  trainClipsPerSecond: number;
  forwardGflops: number;
  peakRssMiB: number;
  finalLoss: number;
}

interface Runner {
  backend: string;
  forward(): Promise<void>;
  train(): Promise<number>;
  stop(): Promise<void>;
}


function syntheticBatch(batch: number, frames: number, size: number): BatchPayload {
  const rng = new Rng('engine-bench').fork('clips');
  const clips = new Float32Array(batch * frames * size * size * 3);
  for (let i = 0; i < clips.length; i++) clips[i] = rng.uniform(-1, 1);
  return {
    clips: { values: clips, shape: [batch, frames, size, size, 3], dtype: 'float32' },
    actions: { values: Int32Array.from({ length: batch }, () => rng.int(0, headClasses.actions - 1)), shape: [batch], dtype: 'int32' },
    actors: { values: Int32Array.from({ length: batch }, () => rng.int(0, headClasses.actors - 1)), shape: [batch], dtype: 'int32' },
  };
}

async function mainThreadRunner(backend: EngineBackend, data: BatchPayload, threads: number | undefined): Promise<Runner> {
  const info = await initEngine({ backend, log: (line) => console.error(line), threads });
  const params = createParameters(new Rng('engine-bench').fork('parameters'));
  const clips = tf.tensor5d(data.clips.values, data.clips.shape as [number, number, number, number, number]);
  const actions = tf.tensor1d(data.actions.values as Int32Array, 'int32');
  const actors = tf.tensor1d(data.actors.values as Int32Array, 'int32');
  const optimizer = tf.train.adam(1e-3);
  const varList = [...params.values()];
  return {
    backend: info.backend,
    forward: async () => {
      const logits = tf.tidy(() => {
        const out = forward(params, clips, false);
        return tf.concat([out.actions, out.actors], 1);
      });
      logits.dataSync();
      logits.dispose();
    },
    train: async () => {
      const loss = optimizer.minimize(() => trainingLoss(params, clips, actions, actors), true, varList);
      if (!loss) throw new Error('optimizer returned no loss');
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    },
    stop: async () => undefined,
  };
}

async function dataParallelRunner(backend: EngineBackend, workers: number, data: BatchPayload): Promise<Runner> {
  const trainer = await DataParallelTrainer.start({
    workers,
    backend,
    replica: { module: path.join(__dirname, 'reference-replica.ts'), options: { seed: 'engine-bench' } },
  });
  const shards = splitBatch(data, workers);
  return {
    backend: trainer.backend,
    forward: async () => {
      await trainer.predict(shards, {});
    },
    train: async () => (await trainer.step(shards, { learningRate: 1e-3 })).loss,
    stop: () => trainer.stop(),
  };
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const backend = String(flags.backend ?? 'wasm') as EngineBackend;
  const workers = positive(flags, 'workers', 1);
  // native only: oneDNN threads of the main-thread run (default: every core); workers get cores / workers each.
  const oneDnnThreads = flags.threads === undefined ? undefined : positive(flags, 'threads', 1);
  const batch = positive(flags, 'batch', 8);
  const frames = positive(flags, 'frames', 8);
  const size = positive(flags, 'size', 112);
  const steps = positive(flags, 'steps', 3);
  const warmup = positive(flags, 'warmup', 1, true);
  const data = syntheticBatch(batch, frames, size);
  const runner = workers > 1 ? await dataParallelRunner(backend, workers, data) : await mainThreadRunner(backend, data, oneDnnThreads);
  try {
    for (let i = 0; i < warmup; i++) await runner.forward();
    let start = performance.now();
    for (let i = 0; i < steps; i++) await runner.forward();
    const forwardSeconds = (performance.now() - start) / 1000 / steps;

    let loss = NaN;
    for (let i = 0; i < warmup; i++) loss = await runner.train();
    start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < steps; i++) loss = await runner.train();
    const trainSeconds = (performance.now() - start) / 1000 / steps;
    const cpu = process.cpuUsage(cpuStart);
    const trainCpuSeconds = (cpu.user + cpu.system) / 1e6 / steps;

    const result: TfjsMeasurement = {
      runner: 'tfjs',
      backend: runner.backend,
      threads: Math.max(workers, oneDnnThreads ?? 1),
      batch,
      frames,
      size,
      steps,
      forwardSecondsPerBatch: forwardSeconds,
      trainSecondsPerBatch: trainSeconds,
      trainCpuSecondsPerBatch: trainCpuSeconds,
      forwardClipsPerSecond: batch / forwardSeconds,
      trainClipsPerSecond: batch / trainSeconds,
      forwardGflops: (forwardFlopsPerFrame(size) * batch * frames) / forwardSeconds / 1e9,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      finalLoss: loss,
    };
    console.log(JSON.stringify(result));
  } finally {
    await runner.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
