/**
 * `npx nx run layers:profile [--mode=train|predict] [--backend=auto|wasm|cpu|...] [--batch=N] [--top=N]
 *   [--out=bench-results/profile-<backend>[-predict].json] [--model.* / --data.* / --augment.* ...]`
 *
 * Where one training step of the configured TwoStepModel goes (the step `layers:bench` times: one Adam step of both
 * heads on synthetic clips, default config: tiny backbone, 8 frames of 112 px, batch 8), or with `--mode=predict`
 * one batch of sequential inference (`predict`, what the evaluator runs): kernel time by kernel (calls, ms, share of
 * the kernel time) and the input shapes of the costliest kernels, printed and written as JSON. One unmeasured run
 * first, so weight packing and first-call set-up are not counted.
 */
import { z } from 'zod';
import { a2dConfigSchema, loadConfig, numberFlag, parseCommandLine, runCommandLine, stringFlag, writeJsonAtomic } from '@a2d/core';
import { initEngine, profileKernels, summarizeKernels, tf, type KernelSummary } from '@a2d/engine';
import { benchTrainingStep } from './training-step';

const COMMAND_LINE = {
  name: 'layers:profile',
  summary: 'where one training step (or, with --mode=predict, one batch of inference) of the configured model goes: kernel time by kernel and the costliest shapes',
  flags: z.object({
    batch: numberFlag().pipe(z.number().int().positive()).optional().describe('clips per batch (default: data.loader.batchSize)'),
    top: numberFlag().pipe(z.number().int().positive()).default(15).describe('kernels listed'),
    mode: z.enum(['train', 'predict']).default('train').describe('profile a training step or a batch of sequential inference'),
    out: stringFlag().optional().describe('the JSON report (default: bench-results/profile-<backend>[-predict].json)').meta({ placeholder: 'file.json' }),
  }),
  aliases: { backend: 'engine.backend' },
};

/** The table as printed: one row per kernel (the `top` costliest), then the costliest shapes of the first few. */
export function formatKernelSummary(summary: KernelSummary, top: number): string {
  const rows = summary.kernels.slice(0, top).map((k) => [k.name, String(k.calls), k.ms.toFixed(1), `${(100 * k.share).toFixed(1)}%`]);
  const rest = summary.kernels.slice(top);
  if (rest.length > 0) {
    const ms = rest.reduce((sum, k) => sum + k.ms, 0);
    rows.push([`(${rest.length} more kernels)`, String(rest.reduce((sum, k) => sum + k.calls, 0)), ms.toFixed(1), `${((100 * ms) / Math.max(summary.totalMs, 1e-9)).toFixed(1)}%`]);
  }
  rows.push(['total', String(summary.totalCalls), summary.totalMs.toFixed(1), '100%']);
  const table = [['kernel', 'calls', 'ms', 'share'], ...rows];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  const lines = table.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
  lines.push('', 'costliest input shapes:');
  for (const kernel of summary.kernels.slice(0, 5)) {
    for (const shape of kernel.topShapes) lines.push(`  ${kernel.name} ${shape.shapes}: ${shape.calls} call${shape.calls === 1 ? '' : 's'}, ${shape.ms.toFixed(1)} ms`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs the profile; `print` receives the report. */
export async function runProfileCommand(argv: readonly string[], env: NodeJS.ProcessEnv, print: (text: string) => void): Promise<void> {
  const { flags, overrides } = parseCommandLine(argv, COMMAND_LINE, { env });
  const config = loadConfig(a2dConfigSchema, { env, overrides });
  const engine = await initEngine({ backend: config.engine.backend, log: () => undefined });
  const batch = flags.batch ?? config.data.loader.batchSize;
  const bench = benchTrainingStep(config, batch);
  try {
    const predict = flags.mode === 'predict';
    const run = predict ? () => void bench.model.predict(bench.clips) : () => void bench.step();
    run(); // unmeasured: first-call set-up, packed weights
    const tensors = tf.memory().numTensors;
    const start = performance.now();
    run();
    const plainMs = performance.now() - start;
    const profile = await profileKernels(run);
    if (tf.memory().numTensors !== tensors) throw new Error(`the ${predict ? 'prediction' : 'training step'} leaked ${tf.memory().numTensors - tensors} tensors`);
    const summary = summarizeKernels(profile.calls, 3);
    const m = config.model;
    print(
      `${predict ? 'one batch of sequential inference (predict)' : 'one training step (Adam, both heads)'} of the two-step model: backbone ${m.backbone}${m.sharedBackbone ? ' (shared)' : ' (one per step)'}, ` +
        `batch ${batch} x ${config.data.sampling.numFrames} frames x ${config.augment.cropSize} px, backend ${engine.backend}\n` +
        `${predict ? 'batch' : 'step'} ${plainMs.toFixed(0)} ms unprofiled, ${profile.wallMs.toFixed(0)} ms profiled; ${summary.totalCalls} kernel calls, ${summary.totalMs.toFixed(0)} ms in kernels\n\n`,
    );
    print(formatKernelSummary(summary, flags.top));
    const out = flags.out ?? `bench-results/profile-${engine.backend}${predict ? '-predict' : ''}.json`;
    await writeJsonAtomic(out, {
      date: new Date().toISOString(),
      engine,
      model: config.model,
      mode: flags.mode,
      batch,
      numFrames: config.data.sampling.numFrames,
      inputSize: config.augment.cropSize,
      stepMs: { unprofiled: plainMs, profiled: profile.wallMs },
      summary,
    });
    print(`saved ${out}\n`);
  } finally {
    bench.dispose();
  }
}

if (require.main === module) {
  void runCommandLine(COMMAND_LINE, () => runProfileCommand(process.argv.slice(2), process.env, (text) => process.stdout.write(text)));
}
