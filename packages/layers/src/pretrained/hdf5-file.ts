/**
 * Read-only HDF5 access for Keras weight files, the one module that knows the HDF5 library (jsfive: a pure
 * JavaScript reader from NIST, no native build, reads a file from an ArrayBuffer). Swapping the library means
 * rewriting this file only. Paths are HDF5 paths ('model_weights/stem_conv/stem_conv/kernel:0').
 */
import { readFile } from 'node:fs/promises';
import { PretrainedImportError } from './pretrained-import-error';

/** The parts of jsfive's objects we use (it ships no type declarations). */
interface JsfiveNode {
  readonly name: string;
  readonly attrs: Record<string, unknown>;
}
interface JsfiveGroup extends JsfiveNode {
  readonly keys: string[];
  get(path: string): JsfiveGroup | JsfiveDataset | null;
}
interface JsfiveDataset extends JsfiveNode {
  readonly shape: number[];
  readonly dtype: unknown;
  readonly value: ArrayLike<number | bigint>;
}
interface JsfiveModule {
  File: new (buffer: ArrayBuffer, filename: string) => JsfiveGroup;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- jsfive has no types; the interfaces above type what we use
const jsfive = require('jsfive') as JsfiveModule;

/** An HDF5 group. */
export interface Hdf5Group {
  readonly kind: 'group';
  /** Absolute path inside the file ('/' for the root). */
  readonly path: string;
  /** Names of the group's members. */
  keys(): string[];
  /** The group's attributes (strings and numbers as jsfive decodes them). */
  attrs(): Record<string, unknown>;
  /** The member at `relativePath`, or undefined when there is none. */
  get(relativePath: string): Hdf5Group | Hdf5Dataset | undefined;
}

/** An HDF5 dataset of numbers. */
export interface Hdf5Dataset {
  readonly kind: 'dataset';
  readonly path: string;
  readonly shape: number[];
  /** The HDF5 element type as jsfive names it ('<f4', '>f8', '<i8', ...). */
  readonly dtype: string;
  /** The elements in row-major order as float32 (weights are float32; integer counters fit exactly up to 2^24). */
  values(): Float32Array;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function wrap(node: JsfiveGroup | JsfiveDataset, file: string): Hdf5Group | Hdf5Dataset {
  const path = node.name === '' ? '/' : node.name;
  if ('keys' in node && Array.isArray(node.keys)) {
    const group = node as JsfiveGroup;
    return {
      kind: 'group',
      path,
      keys: () => group.keys,
      attrs: () => {
        try {
          return group.attrs;
        } catch (error) {
          throw new PretrainedImportError(file, `${path}: cannot read the attributes (${errorText(error)})`);
        }
      },
      get(relativePath) {
        let child: JsfiveGroup | JsfiveDataset | null;
        try {
          child = group.get(relativePath);
        } catch {
          return undefined; // jsfive throws "<name> not found in group"
        }
        return child === null ? undefined : wrap(child, file);
      },
    };
  }
  const dataset = node as JsfiveDataset;
  const dtype = typeof dataset.dtype === 'string' ? dataset.dtype : JSON.stringify(dataset.dtype);
  return {
    kind: 'dataset',
    path,
    shape: [...dataset.shape],
    dtype,
    values() {
      if (!/^[<>|]?[fiu][1248]$/.test(dtype)) throw new PretrainedImportError(file, `${path}: expected a dataset of numbers, its element type is ${dtype}`);
      let raw: ArrayLike<number | bigint>;
      try {
        raw = dataset.value;
      } catch (error) {
        throw new PretrainedImportError(file, `${path}: cannot read the data (${errorText(error)}; compressed or chunked layouts jsfive does not support?)`);
      }
      const out = new Float32Array(raw.length);
      for (let i = 0; i < raw.length; i++) out[i] = Number(raw[i]);
      return out;
    },
  };
}

/** Parses HDF5 bytes and returns the root group; `file` names the source in errors. */
export function parseHdf5(bytes: Uint8Array, file: string): Hdf5Group {
  if (bytes.length < HDF5_SIGNATURE.length || HDF5_SIGNATURE.some((byte, i) => bytes[i] !== byte)) {
    throw new PretrainedImportError(file, 'not an HDF5 file (no HDF5 signature at its start); Keras weights are .h5 / .weights.h5 files');
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let root: JsfiveGroup;
  try {
    root = new jsfive.File(buffer, file);
  } catch (error) {
    throw new PretrainedImportError(file, `cannot parse the HDF5 structure (${errorText(error)})`);
  }
  return wrap(root, file) as Hdf5Group;
}

/** Reads the HDF5 file at `file` and returns its root group. */
export async function openHdf5(file: string): Promise<Hdf5Group> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new PretrainedImportError(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? errorText(error)}`);
  }
  return parseHdf5(bytes, file);
}
