/**
 * Where the time of a tfjs computation goes, kernel by kernel: `profileKernels(fn)` runs `fn` under `tf.profile`
 * (each kernel timed by the backend's own timer) and `summarizeKernels` turns the kernel list into a table: per
 * kernel name the calls, total milliseconds and share of the kernel time, and for the costliest names the input
 * shapes that cost the most. It is how a speed change is justified (`layers:profile`).
 */
import * as tf from '@tensorflow/tfjs';

/** One kernel call as the profile saw it. */
export interface KernelCall {
  name: string;
  /** Milliseconds the backend's timer measured (0 where it reported none). */
  ms: number;
  inputShapes: number[][];
  outputShapes: number[][];
}

/** The calls of one input-shape signature of a kernel. */
export interface ShapeCost {
  /** `[802816,3] + [802816,3] -> [802816,6]`. */
  shapes: string;
  calls: number;
  ms: number;
}

/** The calls of one kernel name. */
export interface KernelCost {
  name: string;
  calls: number;
  ms: number;
  /** Of the total kernel time, 0-1. */
  share: number;
  /** The costliest input-shape signatures, most expensive first. */
  topShapes: ShapeCost[];
}

/** A profile's table (see the file comment). */
export interface KernelSummary {
  kernels: KernelCost[];
  totalCalls: number;
  totalMs: number;
}

function shapeText(shape: readonly number[] | null | undefined): string {
  return `[${(shape ?? []).join(',')}]`;
}

/** `[a] + [b] -> [c]`: the signature a kernel call is grouped by. */
export function shapeSignature(call: Pick<KernelCall, 'inputShapes' | 'outputShapes'>): string {
  return `${call.inputShapes.map(shapeText).join(' + ')} -> ${call.outputShapes.map(shapeText).join(', ')}`;
}

/** Groups kernel calls by name (most expensive first), each with its `topShapes` costliest signatures. */
export function summarizeKernels(calls: readonly KernelCall[], topShapes = 3): KernelSummary {
  const totalMs = calls.reduce((sum, call) => sum + call.ms, 0);
  const byName = new Map<string, { calls: number; ms: number; shapes: Map<string, ShapeCost> }>();
  for (const call of calls) {
    const entry = byName.get(call.name) ?? { calls: 0, ms: 0, shapes: new Map<string, ShapeCost>() };
    entry.calls += 1;
    entry.ms += call.ms;
    const signature = shapeSignature(call);
    const shape = entry.shapes.get(signature) ?? { shapes: signature, calls: 0, ms: 0 };
    shape.calls += 1;
    shape.ms += call.ms;
    entry.shapes.set(signature, shape);
    byName.set(call.name, entry);
  }
  const kernels = [...byName].map(([name, entry]) => ({
    name,
    calls: entry.calls,
    ms: entry.ms,
    share: totalMs > 0 ? entry.ms / totalMs : 0,
    topShapes: [...entry.shapes.values()].sort((a, b) => b.ms - a.ms || b.calls - a.calls).slice(0, topShapes),
  }));
  kernels.sort((a, b) => b.ms - a.ms || b.calls - a.calls || a.name.localeCompare(b.name));
  return { kernels, totalCalls: calls.length, totalMs };
}

/** What `profileKernels` measured. */
export interface KernelProfile<T> {
  result: T;
  calls: KernelCall[];
  /** Wall time of the profiled run (profiling adds a timer per kernel). */
  wallMs: number;
  /** Tensors `fn` left behind (its result included). */
  newTensors: number;
  peakBytes: number;
}

/**
 * Runs `fn` under `tf.profile` on the current backend and returns every kernel call with its time. Checking
 * outputs for NaN (tfjs's `CHECK_COMPUTATION_FOR_ERRORS`, which reads every output back) is off while it runs.
 */
export async function profileKernels<T>(fn: () => T): Promise<KernelProfile<T>> {
  const check = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  try {
    let result: T | undefined;
    const start = performance.now();
    const info = await tf.profile(() => {
      result = fn();
      return [];
    });
    const wallMs = performance.now() - start;
    const calls = info.kernels.map((kernel) => ({
      name: kernel.name,
      ms: typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0,
      inputShapes: kernel.inputShapes.map((shape) => [...(shape ?? [])]),
      outputShapes: kernel.outputShapes.map((shape) => [...(shape ?? [])]),
    }));
    return { result: result as T, calls, wallMs, newTensors: info.newTensors, peakBytes: info.peakBytes };
  } finally {
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', check);
  }
}
