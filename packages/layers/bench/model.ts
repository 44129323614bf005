/**
 * Model benchmark: `npx nx run layers:bench [--backend=auto] [--batch=8] [--iterations=5] [--warmup=2]
 *   [--peer=cpu|none] [--peer-training] [--out=bench-results/model.json] [--model.backbone=resnet18 ...]`
 *
 * Builds the configured TwoStepModel (default config: tiny backbone, crop 112, 8 frames) on synthetic clips and
 * times, on the backend `initEngine` picks:
 * - forward: sequential inference (`predict`: backbones once, step 2 once), clips/s;
 * - constrained: constrained decoding over the top-k actions, clips/s;
 * - training: one Adam step (both heads' cross-entropy, scheduled conditioning), clips/s.
 * A peer backend (default cpu, when it is not the one measured) is timed in the same run on the same weights and
 * clips, and the ratios are printed; its training step is slow on cpu, so it runs only with `--peer-training`.
 * The fastest iteration is kept: the machine is shared and the best run is the least disturbed one.
 */
import { performance } from 'node:perf_hooks';
import { a2dConfigSchema, loadConfig, parseArgs, Rng, writeJsonAtomic, type EngineBackend } from '@a2d/core';
import { initEngine, type EngineInfo } from '@a2d/engine';
import { TwoStepModel } from '../src/index';
import { benchTrainingStep } from './training-step';

const { overrides, flags } = parseArgs(process.argv.slice(2), { backend: 'engine.backend' });
const config = loadConfig(a2dConfigSchema, { overrides });
const integerFlag = (name: string, fallback: number, minimum: number): number => {
  const value = flags[name] === undefined ? fallback : Number(flags[name]);
  if (!Number.isInteger(value) || value < minimum) throw new RangeError(`--${name}: expected an integer >= ${minimum}, got ${String(flags[name])}`);
  return value;
};
const batch = integerFlag('batch', config.data.loader.batchSize, 1);
const iterations = integerFlag('iterations', 5, 1);
const warmup = integerFlag('warmup', 2, 0);
const peer = String(flags.peer ?? 'cpu') as EngineBackend | 'none';
const outFile = String(flags.out ?? 'bench-results/model.json');
const inputSize = config.augment.cropSize;
const numFrames = config.data.sampling.numFrames;

/** Fastest of `iterations` runs after `warmup` unmeasured ones, in seconds. */
async function fastest(run: () => Promise<void> | void): Promise<{ seconds: number; all: number[] }> {
  for (let i = 0; i < warmup; i++) await run();
  const all: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run();
    all.push((performance.now() - start) / 1000);
  }
  return { seconds: Math.min(...all), all };
}

interface BackendMeasurement {
  engine: EngineInfo;
  forward: { clipsPerSecond: number; secondsPerBatch: number[] };
  constrained: { clipsPerSecond: number; secondsPerBatch: number[]; topK: number };
  training?: { clipsPerSecond: number; secondsPerBatch: number[]; finalLoss: number };
}

async function measure(backend: EngineBackend, weights: Float32Array[] | undefined, withTraining: boolean): Promise<{ result: BackendMeasurement; weights: Float32Array[] }> {
  const engine = await initEngine({ backend });
  // Same weights on every backend, so each one computes the same function.
  const bench = benchTrainingStep(config, batch, weights);
  const { model, clips } = bench;
  const ownWeights = weights ?? model.network.full.getWeights().map((w) => w.dataSync() as Float32Array);
  const forward = await fastest(() => void model.predict(clips));
  const topK = config.model.constrainedDecoding.topK;
  const constrained = await fastest(() => void model.predictConstrained(clips, topK));
  const result: BackendMeasurement = {
    engine,
    forward: { clipsPerSecond: batch / forward.seconds, secondsPerBatch: forward.all },
    constrained: { clipsPerSecond: batch / constrained.seconds, secondsPerBatch: constrained.all, topK },
  };
  if (withTraining) {
    let finalLoss = Number.NaN;
    const training = await fastest(() => {
      finalLoss = bench.step();
    });
    result.training = { clipsPerSecond: batch / training.seconds, secondsPerBatch: training.all, finalLoss };
  }
  bench.dispose();
  return { result, weights: ownWeights };
}

async function main(): Promise<void> {
  const { result: current, weights } = await measure(config.engine.backend, undefined, true);
  const rows: string[][] = [['backend', 'forward clips/s', 'constrained clips/s', 'training clips/s']];
  const row = (m: BackendMeasurement) => [
    m.engine.backend,
    m.forward.clipsPerSecond.toFixed(2),
    m.constrained.clipsPerSecond.toFixed(2),
    m.training ? m.training.clipsPerSecond.toFixed(3) : '-',
  ];
  rows.push(row(current));
  let peerResult: BackendMeasurement | undefined;
  if (peer !== 'none' && peer !== current.engine.backend) {
    peerResult = (await measure(peer, weights, flags['peer-training'] === true)).result;
    rows.push(row(peerResult));
  }
  const ratios = peerResult
    ? {
        forward: current.forward.clipsPerSecond / peerResult.forward.clipsPerSecond,
        constrained: current.constrained.clipsPerSecond / peerResult.constrained.clipsPerSecond,
        training: peerResult.training && current.training ? current.training.clipsPerSecond / peerResult.training.clipsPerSecond : undefined,
      }
    : undefined;
  const probe = TwoStepModel.create({ config: config.model, inputSize, numFrames, rng: new Rng(0) });
  const parameters = probe.countParams();
  probe.dispose();
  console.log(
    `two-step model: backbone ${config.model.backbone}${config.model.sharedBackbone ? ' (shared)' : ' (one per step)'}, ` +
      `${parameters} parameters, clips of ${numFrames} x ${inputSize}x${inputSize}, batch ${batch}, best of ${iterations}`,
  );
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c])).join('  '));
  if (ratios) {
    console.log(
      `${current.engine.backend} / ${peerResult?.engine.backend}: forward x${ratios.forward.toFixed(2)}, constrained x${ratios.constrained.toFixed(2)}` +
        (ratios.training === undefined ? '' : `, training x${ratios.training.toFixed(2)}`),
    );
  }
  await writeJsonAtomic(outFile, {
    date: new Date().toISOString(),
    model: config.model,
    parameters,
    inputSize,
    numFrames,
    batch,
    iterations,
    warmup,
    current,
    peer: peerResult,
    ratios,
  });
  console.log(`saved ${outFile}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
