/**
 * Spec support: the same computation on the cpu backend (the reference) and on wasm with our kernels,
 * plus the leak check every kernel test runs (tfjs tensors, wasm backend data ids, heap allocations).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@a2d/core';
import { registerWasmTrainingKernels } from '../wasm/training-kernels';
import { useInstalledWasmBinaries } from '../wasm/wasm-binaries';
import type { WasmBackend } from '../wasm/wasm-backend';

/** Starts both backends and registers our wasm kernels; call once per spec file (in `beforeAll`). */
export async function startCpuAndWasm(): Promise<void> {
  tf.env().set('IS_TEST', true);
  useInstalledWasmBinaries();
  registerWasmTrainingKernels();
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to start');
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to start');
}

/** Runs `fn` with `backend` active and returns the float data of the tensors it returns (all disposed). */
export async function valuesOn(backend: 'cpu' | 'wasm', fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const result = tf.tidy(fn);
  const list = Array.isArray(result) ? result : [result];
  const values = list.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(list);
  return values;
}

/** max |actual - expected| / max |expected| (norm-wise relative error; 0 when both are zero). */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  if (!Number.isFinite(diff)) return Infinity;
  return scale === 0 ? diff : diff / scale;
}

/** Standard-normal values from a seeded generator (the same on every backend and run). */
export function normalValues(rng: Rng, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.normal();
  return out;
}

/** What a wasm computation left behind: tensors, backend data ids and heap blocks still allocated. */
export interface WasmLeaks {
  tensors: number;
  dataIds: number;
  heapBlocks: number;
}

/**
 * Runs `fn` on wasm inside `tidy` (reading its results, then disposing them) and reports what it leaked.
 * Heap blocks are counted by wrapping the module's malloc/free for the duration of the call.
 */
export async function wasmLeaksOf(fn: () => tf.Tensor | tf.Tensor[]): Promise<WasmLeaks> {
  await tf.setBackend('wasm');
  const backend = tf.backend() as unknown as WasmBackend;
  const wasm = backend.wasm;
  const malloc = wasm._malloc;
  const free = wasm._free;
  const live = new Set<number>();
  wasm._malloc = (bytes: number) => {
    const pointer = malloc.call(wasm, bytes);
    live.add(pointer);
    return pointer;
  };
  wasm._free = (pointer: number) => {
    live.delete(pointer);
    free.call(wasm, pointer);
  };
  const tensorsBefore = tf.memory().numTensors;
  const idsBefore = backend.numDataIds();
  try {
    const result = tf.tidy(fn);
    const list = Array.isArray(result) ? result : [result];
    list.forEach((t) => t.dataSync());
    tf.dispose(list);
  } finally {
    wasm._malloc = malloc;
    wasm._free = free;
  }
  return { tensors: tf.memory().numTensors - tensorsBefore, dataIds: backend.numDataIds() - idsBefore, heapBlocks: live.size };
}
