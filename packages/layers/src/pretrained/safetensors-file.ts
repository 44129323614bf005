/**
 * Reads a safetensors file (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length N,
 * N bytes of JSON naming every tensor's dtype, shape and byte range, then the raw little-endian data. The format
 * is one page long and has no maintained npm reader for Node files, so this module is the whole reader: the
 * header is validated with zod, every byte range is checked against the file before any tensor is made, and the
 * ranges must tile the data part exactly (no overlaps, no holes), as the format requires.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PretrainedImportError } from './pretrained-import-error';

/** The dtypes we turn into numbers (weights are F32; BatchNorm's step counters I64; test images U8). */
const SAFETENSORS_DTYPES = { F32: 4, F64: 8, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 } as const;

/** A safetensors dtype name. */
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPES;

const entrySchema = z.strictObject({
  dtype: z.enum(Object.keys(SAFETENSORS_DTYPES) as [SafetensorsDtype, ...SafetensorsDtype[]]),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});

/** One tensor of the file, its elements in row-major order. */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  /** The elements in row-major order (F32/F16/BF16 become float32; integers and F64 stay exact as float64). */
  values: Float32Array | Float64Array | Uint8Array;
}

/** A parsed safetensors file. */
export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  /** The optional `__metadata__` string map. */
  metadata: Record<string, string>;
}

/** Largest header we accept (the format's own limit is 100 MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

function decode(view: DataView, dtype: SafetensorsDtype, count: number): SafetensorsTensor['values'] {
  switch (dtype) {
    case 'U8':
    case 'BOOL':
      return new Uint8Array(view.buffer, view.byteOffset, count).slice();
    case 'F32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F16':
    case 'BF16': {
      const out = new Float32Array(count);
      const scratch = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < count; i++) {
        const bits = view.getUint16(i * 2, true);
        if (dtype === 'F16') out[i] = halfToFloat(bits);
        else {
          scratch.setUint32(0, bits << 16);
          out[i] = scratch.getFloat32(0);
        }
      }
      return out;
    }
    default: {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        if (dtype === 'F64') out[i] = view.getFloat64(i * 8, true);
        else if (dtype === 'I64') out[i] = Number(view.getBigInt64(i * 8, true));
        else if (dtype === 'I32') out[i] = view.getInt32(i * 4, true);
        else if (dtype === 'I16') out[i] = view.getInt16(i * 2, true);
        else out[i] = view.getInt8(i);
      }
      return out;
    }
  }
}

/** A tensor's byte range in the data part, [begin, end). */
interface TensorRange {
  name: string;
  begin: number;
  end: number;
}

const CONTIGUITY_RULE = 'safetensors tensors must cover the data bytes back to back, without overlaps or holes';

/**
 * The format's rule that "the byte buffer needs to be entirely indexed, and cannot contain holes" (the reference
 * reader sorts the ranges and requires each to start where the previous ended and the last to end at the file's
 * end): a tensor reading another's bytes, or bytes no tensor reads, mark a damaged or doctored file.
 */
function refuseUnindexedOrSharedBytes(ranges: TensorRange[], dataLength: number, fail: (reason: string, tensor?: string) => never): void {
  const sorted = [...ranges].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: TensorRange | undefined;
  for (const range of sorted) {
    const { name, begin, end } = range;
    if (previous !== undefined && begin < cursor) {
      fail(`bytes ${begin}-${end} overlap tensor ${JSON.stringify(previous.name)} (bytes ${previous.begin}-${previous.end}); ${CONTIGUITY_RULE}`, name);
    }
    if (begin > cursor) {
      const where = previous === undefined ? `before tensor ${JSON.stringify(name)}` : `between tensor ${JSON.stringify(previous.name)} and tensor ${JSON.stringify(name)}`;
      fail(`data bytes ${cursor}-${begin} ${where} belong to no tensor; ${CONTIGUITY_RULE}`);
    }
    cursor = end;
    previous = range;
  }
  if (cursor < dataLength) {
    const where = previous === undefined ? 'the header names no tensor' : `after tensor ${JSON.stringify(previous.name)}`;
    fail(`data bytes ${cursor}-${dataLength} (${where}) belong to no tensor; ${CONTIGUITY_RULE}`);
  }
}

/** Parses safetensors bytes; `file` names the source in errors. */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const fail = (reason: string, tensor?: string): never => {
    throw new PretrainedImportError(file, reason, tensor);
  };
  if (bytes.length < 8) fail(`not a safetensors file: ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.length) {
    fail(`not a safetensors file: its header claims ${headerLength} bytes, the file has ${bytes.length - 8} after the length`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    fail(`not a safetensors file: the header is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail('the header must be a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const ranges: (TensorRange & { dtype: SafetensorsDtype; shape: number[]; count: number })[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      const parsed = z.record(z.string(), z.string()).safeParse(raw);
      if (!parsed.success) fail(`__metadata__: expected an object of strings`);
      else metadata = parsed.data;
      continue;
    }
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) return fail(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'entry'}: ${issue.message}`).join('; '), name);
    const { dtype, shape, data_offsets: [begin, end] } = parsed.data;
    const count = shape.reduce((a, b) => a * b, 1);
    const expected = count * SAFETENSORS_DTYPES[dtype];
    if (end < begin || end > dataLength) fail(`bytes ${begin}-${end} lie outside the ${dataLength} data bytes`, name);
    if (end - begin !== expected) fail(`${dtype} [${shape.join(', ')}] needs ${expected} bytes, its range holds ${end - begin}`, name);
    ranges.push({ name, begin, end, dtype, shape, count });
  }
  refuseUnindexedOrSharedBytes(ranges, dataLength, fail);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name, begin, end, dtype, shape, count } of ranges) {
    tensors.set(name, { dtype, shape, values: decode(new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin), dtype, count) });
  }
  return { tensors, metadata };
}

/** Reads and parses the safetensors file at `file`. */
export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new PretrainedImportError(file, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseSafetensors(bytes, file);
}
