/**
 * Times `tf.matMul` on wasm with tfjs's own BatchMatMul and then with ours (registered in the same
 * process), per case: plain, each transpose combination, batched and broadcast. Prints GFLOP/s of both
 * and their ratio; a speed check, not a test.
 *
 * Usage: tsx packages/engine/bench/matmul-bench.ts [--seconds=0.3]
 */
import { parseArgs, Rng } from '@a2d/core';
import { registerWasmTrainingKernels, tf } from '../src/index';
import { useInstalledWasmBinaries } from '../src/wasm/wasm-binaries';

interface MatMulCase {
  label: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

const cases: readonly MatMulCase[] = [
  { label: 'plain', a: [64, 256], b: [256, 256], transposeA: false, transposeB: false },
  { label: 'transposeA', a: [256, 64], b: [256, 256], transposeA: true, transposeB: false },
  { label: 'transposeB', a: [64, 256], b: [256, 256], transposeA: false, transposeB: true },
  { label: 'transposeA+B', a: [256, 64], b: [256, 256], transposeA: true, transposeB: true },
  { label: 'dense dW = x^T dy', a: [512, 256], b: [512, 128], transposeA: true, transposeB: false },
  { label: 'dense dx = dy W^T', a: [512, 128], b: [256, 128], transposeA: false, transposeB: true },
  { label: 'batched 8', a: [8, 64, 64], b: [8, 64, 64], transposeA: false, transposeB: false },
  { label: 'batched 8 transposeB', a: [8, 64, 64], b: [8, 64, 64], transposeA: false, transposeB: true },
  { label: 'batched 8 transposeA', a: [8, 64, 64], b: [8, 64, 64], transposeA: true, transposeB: false },
  { label: 'broadcast [8,64,256]x[256,256]', a: [8, 64, 256], b: [256, 256], transposeA: false, transposeB: false },
];

function flops(c: MatMulCase): number {
  const m = c.transposeA ? c.a[c.a.length - 1] : c.a[c.a.length - 2];
  const k = c.transposeA ? c.a[c.a.length - 2] : c.a[c.a.length - 1];
  const n = c.transposeB ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
  const batch = Math.max(tf.util.sizeFromShape(c.a.slice(0, -2)), tf.util.sizeFromShape(c.b.slice(0, -2)));
  return 2 * batch * m * k * n;
}

/** GFLOP/s of `c` on the active backend: one warm-up, then repeats until `seconds` have passed. */
function measure(c: MatMulCase, seconds: number): number {
  const rng = new Rng(`matmul-bench/${c.label}`);
  const values = (shape: number[]) => Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => rng.uniform(-1, 1));
  const a = tf.tensor(values(c.a), c.a);
  const b = tf.tensor(values(c.b), c.b);
  const once = () => tf.matMul(a, b, c.transposeA, c.transposeB).dispose();
  once();
  let runs = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    once();
    runs++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  tf.dispose([a, b]);
  return (flops(c) * runs) / elapsed / 1e9;
}

async function main(): Promise<void> {
  const flags = parseArgs(process.argv.slice(2)).flags;
  const seconds = flags.seconds === undefined ? 0.3 : Number(flags.seconds);
  if (!(seconds > 0)) throw new Error(`--seconds: expected a positive number, got ${String(flags.seconds)}`);
  useInstalledWasmBinaries();
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to start');
  const before = cases.map((c) => measure(c, seconds));
  const changed = registerWasmTrainingKernels();
  const after = cases.map((c) => measure(c, seconds));
  console.log(`wasm matMul, GFLOP/s (tfjs's BatchMatMul, then ours; registered: ${changed.includes('BatchMatMul') ? 'BatchMatMul' : 'no BatchMatMul override'})`);
  console.log(`${'case'.padEnd(34)} ${'shapes'.padEnd(24)} ${'tfjs'.padStart(8)} ${'ours'.padStart(8)} ${'ratio'.padStart(7)}`);
  cases.forEach((c, i) => {
    const shapes = `${c.a.join('x')} . ${c.b.join('x')}`;
    console.log(`${c.label.padEnd(34)} ${shapes.padEnd(24)} ${before[i].toFixed(2).padStart(8)} ${after[i].toFixed(2).padStart(8)} ${(after[i] / before[i]).toFixed(2).padStart(7)}`);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
