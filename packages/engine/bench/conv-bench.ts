/**
 * `npx nx run engine:conv-bench`: the `native` backend (wasm with oneDNN convolutions) against `wasm`, in one
 * process on the same tensors. Part 1 times the ResNet-18-style reference network (bench/reference-network.ts) on
 * one clip of `--frames` frames: forward (eval) and forward+backward (gradients of every parameter), on wasm, on
 * native with every core and on native with one thread. Part 2 times each distinct convolution of that stack alone
 * (forward, input gradient, filter gradient) on wasm and on native under each layout policy (`NativeConvLayout`),
 * naming oneDNN's implementation. Prints tables and writes JSON (`--out`, default bench-results/engine-conv.json).
 *
 * Flags: --frames (8) --size (112) --steps (3) --warmup (1) --skip-layers --skip-network
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs, Rng, writeJsonAtomic } from '@a2d/core';
import { initEngine, loadNativeAddon, tf, type NativeAddon } from '../src/index';
import { convParams, nativeConvLayout, setNativeConvLayout, type NativeConvLayout } from '../src/native/conv-params';
import { createParameters, forward, headClasses, resnet18, trainingLoss } from './reference-network';
import { positive } from './bench-flags';

interface NetworkRow {
  engine: string;
  threads: number;
  forwardSeconds: number;
  trainSeconds: number;
  /** wasm's seconds divided by this row's (above 1: faster than wasm). */
  forwardSpeedup: number;
  trainSpeedup: number;
}

interface ConvShape {
  label: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
}

interface LayerRow {
  layer: string;
  pass: 'forward' | 'input gradient' | 'filter gradient';
  wasmMs: number;
  nativeMs: Record<NativeConvLayout, number>;
  implementation: Record<NativeConvLayout, string>;
}

const workspaceRoot = path.resolve(__dirname, '..', '..', '..');
const layouts: NativeConvLayout[] = ['plain', 'blocked-weights', 'blocked'];


/** Mean seconds of `fn` over `steps` runs after `warmup` runs. */
function seconds(fn: () => void, steps: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const start = performance.now();
  for (let i = 0; i < steps; i++) fn();
  return (performance.now() - start) / 1000 / steps;
}

/** Every distinct convolution of the ResNet-18 stack on `frames` frames of `size` x `size`. */
function stackConvolutions(frames: number, size: number): ConvShape[] {
  const shapes: ConvShape[] = [{ label: 'stem 7x7 3->64 /2', x: [frames, size, size, 3], filter: [7, 7, 3, resnet18.stemWidth], stride: 2 }];
  let side = Math.ceil(Math.ceil(size / 2) / 2);
  let cin: number = resnet18.stemWidth;
  const seen = new Set<string>();
  resnet18.widths.forEach((width, stage) => {
    for (let block = 0; block < resnet18.blocks[stage]; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const candidates: ConvShape[] = [
        { label: `3x3 ${cin}->${width} /${stride} at ${side}`, x: [frames, side, side, cin], filter: [3, 3, cin, width], stride },
        { label: `3x3 ${width}->${width} /1 at ${Math.ceil(side / stride)}`, x: [frames, Math.ceil(side / stride), Math.ceil(side / stride), width], filter: [3, 3, width, width], stride: 1 },
      ];
      if (stride !== 1 || cin !== width) candidates.push({ label: `1x1 ${cin}->${width} /${stride} at ${side}`, x: [frames, side, side, cin], filter: [1, 1, cin, width], stride });
      for (const c of candidates) {
        if (!seen.has(c.label)) shapes.push(c);
        seen.add(c.label);
      }
      side = Math.ceil(side / stride);
      cin = width;
    }
  });
  return shapes;
}

async function networkRows(addon: NativeAddon | undefined, frames: number, size: number, steps: number, warmup: number): Promise<NetworkRow[]> {
  await initEngine({ backend: 'wasm', log: () => undefined });
  const rng = new Rng('conv-bench');
  const params = createParameters(rng.fork('parameters'));
  const clipValues = Float32Array.from({ length: frames * size * size * 3 }, () => rng.uniform(-1, 1));
  const clips = tf.tensor5d(clipValues, [1, frames, size, size, 3]);
  const actions = tf.tensor1d([rng.int(0, headClasses.actions - 1)], 'int32');
  const actors = tf.tensor1d([rng.int(0, headClasses.actors - 1)], 'int32');
  const varList = [...params.values()];
  const runForward = () => {
    const logits = tf.tidy(() => tf.concat([forward(params, clips, false).actions, forward(params, clips, false).actors], 1));
    logits.dataSync();
    logits.dispose();
  };
  const runTrain = () => {
    const { value, grads } = tf.variableGrads(() => trainingLoss(params, clips, actions, actors), varList);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
  const configs: { engine: 'wasm' | 'native'; threads: number }[] = [{ engine: 'wasm', threads: 1 }];
  if (addon) {
    configs.push({ engine: 'native', threads: os.availableParallelism() });
    if (os.availableParallelism() > 1) configs.push({ engine: 'native', threads: 1 });
  }
  const rows: NetworkRow[] = [];
  for (const config of configs) {
    await initEngine({ backend: config.engine, threads: config.threads, log: (line) => console.error(line) });
    const forwardSeconds = seconds(runForward, steps, warmup);
    const trainSeconds = seconds(runTrain, steps, warmup);
    const base = rows[0] ?? { forwardSeconds, trainSeconds };
    rows.push({ ...config, forwardSeconds, trainSeconds, forwardSpeedup: base.forwardSeconds / forwardSeconds, trainSpeedup: base.trainSeconds / trainSeconds });
    console.error(`network ${config.engine} x${config.threads}: forward ${forwardSeconds.toFixed(3)} s, forward+backward ${trainSeconds.toFixed(3)} s`);
  }
  tf.dispose([clips, actions, actors, ...varList]);
  await initEngine({ backend: 'wasm', log: () => undefined });
  return rows;
}

async function layerRows(addon: NativeAddon, frames: number, size: number, steps: number, warmup: number): Promise<LayerRow[]> {
  const rows: LayerRow[] = [];
  const rng = new Rng('conv-bench-layers');
  for (const shape of stackConvolutions(frames, size)) {
    const info = tf.backend_util.computeConv2DInfo(shape.x, shape.filter, shape.stride, 1, 'same');
    const x = tf.tensor4d(Float32Array.from({ length: tf.util.sizeFromShape(shape.x) }, () => rng.uniform(-1, 1)), shape.x);
    const filter = tf.tensor4d(Float32Array.from({ length: tf.util.sizeFromShape(shape.filter) }, () => rng.normal(0, 0.05)), shape.filter);
    const dy = tf.tensor4d(Float32Array.from({ length: tf.util.sizeFromShape(info.outShape) }, () => rng.normal()), info.outShape);
    const attrs = { strides: shape.stride, pad: 'same', dataFormat: 'NHWC', dilations: 1 } as const;
    const passes = {
      forward: () => tf.engine().runKernel('Conv2D', { x, filter }, attrs) as tf.Tensor,
      'input gradient': () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: shape.x }) as tf.Tensor,
      'filter gradient': () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: shape.filter }) as tf.Tensor,
    } as const;
    const kinds = { forward: 'forward', 'input gradient': 'backwardData', 'filter gradient': 'backwardWeights' } as const;
    for (const pass of Object.keys(passes) as (keyof typeof passes)[]) {
      const time = () => 1000 * seconds(() => {
        const out = passes[pass]();
        out.dataSync();
        out.dispose();
      }, steps, warmup);
      await initEngine({ backend: 'wasm', log: () => undefined });
      const wasmMs = time();
      await initEngine({ backend: 'native', log: () => undefined });
      const before = nativeConvLayout();
      const nativeMs = {} as Record<NativeConvLayout, number>;
      const implementation = {} as Record<NativeConvLayout, string>;
      for (const layout of layouts) {
        setNativeConvLayout(layout);
        nativeMs[layout] = time();
        const params = convParams(info, { groups: 1 });
        implementation[layout] = params ? addon.convImplementation(kinds[pass], params) : 'wasm fallback';
      }
      setNativeConvLayout(before);
      rows.push({ layer: shape.label, pass, wasmMs, nativeMs, implementation });
      console.error(`${shape.label} ${pass}: wasm ${wasmMs.toFixed(2)} ms, ${layouts.map((l) => `${l} ${nativeMs[l].toFixed(2)} ms (${implementation[l]})`).join(', ')}`);
    }
    tf.dispose([x, filter, dy]);
  }
  await initEngine({ backend: 'wasm', log: () => undefined });
  return rows;
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2));
  const frames = positive(flags, 'frames', 8);
  const size = positive(flags, 'size', 112);
  const steps = positive(flags, 'steps', 3);
  const warmup = positive(flags, 'warmup', 1, true);
  const out = path.resolve(workspaceRoot, String(flags.out ?? 'bench-results/engine-conv.json'));
  tf.env().set('IS_TEST', true); // no "install tfjs-node" banner
  const load = loadNativeAddon();
  if (!load.addon) console.error(`conv-bench: native is not available (${load.reason}); timing wasm only`);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const info = load.addon?.info();
  console.error(`conv-bench: ${cpu}, ${os.availableParallelism()} cores; ${info ? `oneDNN ${info.dnnlVersion} ${info.cpuRuntime} ${info.isa}` : 'no oneDNN'}; OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY ?? '(unset)'}`);

  const network = flags['skip-network'] ? [] : await networkRows(load.addon, frames, size, steps, warmup);
  const layers = flags['skip-layers'] || !load.addon ? [] : await layerRows(load.addon, frames, size, steps, warmup);

  if (network.length) {
    console.log(`\nResNet-18-style network, 1 clip x ${frames} frames x ${size}x${size} (seconds per clip; speedup = wasm / row)`);
    console.log('engine  threads  forward s  fwd+bwd s  forward speedup  fwd+bwd speedup');
    for (const r of network) {
      console.log(`${r.engine.padEnd(7)} ${String(r.threads).padStart(7)}  ${r.forwardSeconds.toFixed(3).padStart(9)}  ${r.trainSeconds.toFixed(3).padStart(9)}  ${r.forwardSpeedup.toFixed(2).padStart(15)}  ${r.trainSpeedup.toFixed(2).padStart(15)}`);
    }
  }
  if (layers.length) {
    console.log(`\nEach convolution of the stack (${frames} frames, ms per call; speedup = wasm / native blocked-weights, the default)`);
    console.log(`${'layer'.padEnd(26)} ${'pass'.padEnd(16)} ${'wasm'.padStart(8)} ${layouts.map((l) => l.padStart(16)).join('')}  speedup`);
    for (const r of layers) {
      console.log(`${r.layer.padEnd(26)} ${r.pass.padEnd(16)} ${r.wasmMs.toFixed(2).padStart(8)} ${layouts.map((l) => r.nativeMs[l].toFixed(2).padStart(16)).join('')}  ${(r.wasmMs / r.nativeMs['blocked-weights']).toFixed(2).padStart(7)}`);
    }
    const total = (pick: (r: LayerRow) => number) => layers.reduce((sum, r) => sum + pick(r), 0);
    console.log(`${'sum'.padEnd(43)} ${total((r) => r.wasmMs).toFixed(1).padStart(8)} ${layouts.map((l) => total((r) => r.nativeMs[l]).toFixed(1).padStart(16)).join('')}`);
  }
  writeJsonAtomic(out, { cpu, cores: os.availableParallelism(), dnnl: info ?? null, ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? null, frames, size, steps, network, layers });
  console.log(`\nwritten: ${path.relative(workspaceRoot, out)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
