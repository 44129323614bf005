/**
 * Writes MATLAB v7.3 MAT-files: HDF5 (through h5wasm, the HDF5 C library compiled to WebAssembly) behind the 512-byte
 * header MATLAB puts in HDF5's user block, each variable a dataset tagged with its MATLAB class, so h5py, MATLAB-less
 * v7.3 readers and jsfive all read them as they read A2D's. Callers give HDF5 shapes (MATLAB's reversed) and data in
 * HDF5 order (MATLAB's column-major order).
 *
 * h5wasm ships its Node build as an ES module that this CommonJS project (and jest) cannot load, so its
 * self-contained bundle is evaluated once in a context of its own, whose clock reads 1970: HDF5 stamps every object
 * with the time it was written, and a fixed clock keeps a rerun's files byte-identical.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import vm from 'node:vm';
import { A2dError } from '@a2d/core';

/** The parts of h5wasm's API used here (typed here so nothing depends on its ES-module type declarations). */
interface H5Dataset {
  create_attribute(name: string, data: string | Int32Array, shape: number[] | null, dtype: string): void;
}
interface H5File {
  create_dataset(args: {
    name: string;
    data: Float64Array | Uint8Array;
    shape: number[];
    dtype: string;
    chunks?: number[];
    compression?: 'gzip';
    compression_opts?: number;
  }): H5Dataset;
  close(): number;
}
interface H5wasm {
  ready: Promise<{ FS: { readFile(file: string): Uint8Array; unlink(file: string): void } }>;
  File: new (file: string, mode: 'w') => H5File;
}

/** One MATLAB variable to write. */
export interface MatVariable {
  name: string;
  /** HDF5 shape: MATLAB's dimensions reversed (a MATLAB `N x 4` array is `[4, N]`). */
  shape: number[];
  /** Elements in HDF5 (row-major) order over `shape`. */
  data: Float64Array | Uint8Array;
  /** `double` for Float64Array data, `logical` for 0/1 bytes. */
  matlabClass: 'double' | 'logical';
  /** Chunk shape for gzip compression (masks are mostly zeros); omitted: stored plainly. */
  chunks?: number[];
}

/** MATLAB's user block: a text line, the subsystem offset, version 0x0200 (v7.3), and `IM` (little-endian). */
function matlabHeader(): Uint8Array {
  const header = Buffer.alloc(512, 0);
  header.write('MATLAB 7.3 MAT-file, Platform: a2d-synth, Created by: @a2d/synth HDF5 schema 1.00 .'.padEnd(116, ' '), 0, 'latin1');
  header.write(' '.repeat(8), 116, 'latin1');
  header.writeUInt16LE(0x0200, 124);
  header.write('IM', 126, 'latin1');
  return header;
}

function bundleFile(): string {
  // The package's exports name only its ES modules, so the bundle is found by Node's own search path for it.
  for (const folder of require.resolve.paths('h5wasm') ?? []) {
    const file = path.join(folder, 'h5wasm', 'dist', 'iife', 'h5wasm.js');
    if (existsSync(file)) return file;
  }
  throw new A2dError('h5wasm is not installed (it writes the annotation .mat files): run npm install');
}

/** A `Date` whose now is 1970-01-01, for the isolated h5wasm context. */
class EpochDate extends Date {
  constructor(...args: [] | [number | string | Date]) {
    if (args.length === 0) super(0);
    else super(args[0]);
  }

  static override now(): number {
    return 0;
  }
}

let loaded: Promise<H5wasm> | undefined;

async function loadH5wasm(): Promise<H5wasm> {
  const file = bundleFile();
  const code = await readFile(file, 'utf8');
  const context = vm.createContext({
    console,
    Date: EpochDate,
    performance: { now: () => 0 },
    queueMicrotask,
    setTimeout,
    clearTimeout,
    TextDecoder,
    TextEncoder,
    URL,
  });
  const h5wasm = vm.runInContext(`${code}\n;h5wasm`, context, { filename: file }) as H5wasm;
  await h5wasm.ready;
  return h5wasm;
}

let nextName = 0;

/** The bytes of a MAT-file holding `variables` (h5wasm is loaded on first use, about half a second). */
export async function encodeMatFile(variables: readonly MatVariable[]): Promise<Uint8Array> {
  loaded ??= loadH5wasm().catch((error: unknown) => {
    loaded = undefined;
    throw error;
  });
  const h5wasm = await loaded;
  const { FS } = await h5wasm.ready;
  // Synchronous from here on: no other call can interleave with this file in h5wasm's in-memory file system.
  const name = `/annotation-${nextName++}.mat`;
  const file = new h5wasm.File(name, 'w');
  try {
    for (const variable of variables) {
      // h5wasm's type codes are struct's, not numpy's: `d` is float64 (its `f8` would be float32), `B` uint8.
      const dtype = variable.matlabClass === 'double' ? '<d' : '<B';
      const dataset = file.create_dataset({
        name: variable.name,
        data: variable.data,
        shape: variable.shape,
        dtype,
        ...(variable.chunks ? { chunks: variable.chunks, compression: 'gzip' as const, compression_opts: 4 } : {}),
      });
      dataset.create_attribute('MATLAB_class', variable.matlabClass, null, `A${variable.matlabClass.length}`);
      if (variable.matlabClass === 'logical') dataset.create_attribute('MATLAB_int_decode', new Int32Array([1]), [], '<i');
    }
  } finally {
    file.close();
  }
  const hdf5 = FS.readFile(name);
  FS.unlink(name);
  const out = new Uint8Array(512 + hdf5.length);
  out.set(matlabHeader(), 0);
  out.set(hdf5, 512);
  return out;
}
