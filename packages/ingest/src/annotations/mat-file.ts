/**
 * Read-only access to MATLAB v7.3 MAT-files, which are HDF5 files behind a 512-byte MATLAB header (the HDF5 "user
 * block"). jsfive (a pure JavaScript HDF5 reader, no native build) only looks for HDF5's signature at byte 0, so the
 * HDF5 part is found at 0, 512, 1024, ... as the HDF5 format places it, and handed to jsfive on its own (HDF5
 * addresses count from the signature). MATLAB writes arrays column-major, so a MATLAB `H x W` array is an HDF5
 * dataset of shape `[W, H]`: shapes here are HDF5's, as h5py shows them.
 */
import { DatasetError } from '@a2d/core';

/** The parts of jsfive's objects read here (it ships no type declarations). */
interface JsfiveDataset {
  readonly shape: number[];
  readonly dtype: unknown;
  readonly attrs: Record<string, unknown>;
  readonly value: ArrayLike<number | bigint>;
}
interface JsfiveRoot {
  readonly keys: string[];
  get(path: string): JsfiveDataset | { keys: string[] } | null;
}
interface JsfiveModule {
  File: new (buffer: ArrayBuffer, filename: string) => JsfiveRoot;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- jsfive has no types; the interfaces above type what we use
const jsfive = require('jsfive') as JsfiveModule;

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** One numeric array of a MAT-file. */
export interface MatArray {
  /** The variable's name (`reBBox`). */
  name: string;
  /** HDF5 shape: MATLAB's dimensions reversed (a MATLAB `4 x 1` vector is `[1, 4]`). */
  shape: number[];
  /** The element type as jsfive names it (`<f8`, `<u1`, ...). */
  dtype: string;
  /** The MATLAB class the file records (`double`, `logical`, ...), when it records one. */
  matlabClass?: string;
  /** The elements in HDF5 (row-major) order, that is MATLAB's column-major order. */
  values: Float64Array;
}

/** A parsed MAT-file. */
export interface MatFile {
  /** Path of the file, for messages. */
  file: string;
  /** Names of its top-level variables. */
  names: string[];
  /** The numeric array `name`, or undefined when the file has no such variable; `DatasetError` when it is not numeric. */
  array(name: string): MatArray | undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Offset of the HDF5 signature (0, 512, 1024, ... as the HDF5 format allows), or -1. */
function hdf5Offset(bytes: Uint8Array): number {
  for (let offset = 0; offset + HDF5_SIGNATURE.length <= bytes.length; offset = offset === 0 ? 512 : offset * 2) {
    if (HDF5_SIGNATURE.every((byte, i) => bytes[offset + i] === byte)) return offset;
  }
  return -1;
}

function notHdf5Reason(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.subarray(0, 116)).toString('latin1');
  if (/^MATLAB 5\.0 MAT-file/.test(head)) {
    return 'a MATLAB v5/v7 MAT-file, not v7.3 (HDF5): resave it with save(..., "-v7.3")';
  }
  return bytes.length === 0 ? 'empty file, expected a MATLAB v7.3 MAT-file (HDF5)' : 'not a MATLAB v7.3 MAT-file: no HDF5 signature at byte 0, 512, 1024, ...';
}

/** Parses MAT-file bytes; `file` names the source in errors (`DatasetError`, naming what is wrong). */
export function parseMatFile(bytes: Uint8Array, file: string): MatFile {
  const offset = hdf5Offset(bytes);
  if (offset < 0) throw new DatasetError(file, notHdf5Reason(bytes));
  const buffer = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let root: JsfiveRoot;
  let names: string[];
  try {
    root = new jsfive.File(buffer, file);
    names = [...root.keys];
  } catch (error) {
    throw new DatasetError(file, `cannot parse the HDF5 structure (${errorText(error)}): the file is damaged or truncated`);
  }
  return {
    file,
    names,
    array(name) {
      if (!names.includes(name)) return undefined;
      let node: JsfiveDataset | { keys: string[] } | null;
      try {
        node = root.get(name);
      } catch (error) {
        throw new DatasetError(file, `cannot read it (${errorText(error)})`, undefined, name);
      }
      if (node === null || !('shape' in node)) throw new DatasetError(file, 'expected a numeric array, found a group (a MATLAB struct or cell?)', undefined, name);
      const dtype = typeof node.dtype === 'string' ? node.dtype : JSON.stringify(node.dtype);
      if (!/^[<>|]?[fiub][1248]?$/.test(dtype)) throw new DatasetError(file, `expected a numeric array, its element type is ${dtype}`, undefined, name);
      let raw: ArrayLike<number | bigint>;
      let attrs: Record<string, unknown>;
      try {
        raw = node.value;
        attrs = node.attrs;
      } catch (error) {
        throw new DatasetError(file, `cannot read the data (${errorText(error)}): the file is damaged or truncated`, undefined, name);
      }
      const values = new Float64Array(raw.length);
      for (let i = 0; i < raw.length; i++) values[i] = Number(raw[i]);
      const matlabClass = attrs.MATLAB_class;
      return {
        name,
        shape: [...node.shape],
        dtype,
        ...(typeof matlabClass === 'string' ? { matlabClass } : {}),
        values,
      };
    },
  };
}
