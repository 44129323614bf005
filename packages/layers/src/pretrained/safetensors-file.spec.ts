import { PretrainedImportError } from './pretrained-import-error';
import { parseSafetensors } from './safetensors-file';

/** A safetensors file from a header object and the data bytes (the layout of the format's documentation). */
function file(header: unknown, data: Uint8Array, headerText = JSON.stringify(header)): Uint8Array {
  const text = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

function bytesOf(array: Float32Array | BigInt64Array | Uint8Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

describe('parseSafetensors', () => {
  it('reads F32, I64, U8 and F16 tensors with their shapes and the metadata', () => {
    const f32 = bytesOf(new Float32Array([1.5, -2, 3.25, 0, 1e-8, 7]));
    const i64 = bytesOf(new BigInt64Array([BigInt(12345678901), BigInt(-3)]));
    const u8 = Uint8Array.from([0, 255, 7]);
    const f16 = Uint8Array.from([0x00, 0x3c, 0x00, 0xc0]); // 1.0, -2.0
    const data = new Uint8Array([...f32, ...i64, ...u8, ...f16]);
    const o1 = f32.length;
    const o2 = o1 + i64.length;
    const o3 = o2 + u8.length;
    const parsed = parseSafetensors(
      file(
        {
          __metadata__: { source: 'torchvision', model: 'resnet18' },
          'conv1.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [0, o1] },
          'bn1.num_batches_tracked': { dtype: 'I64', shape: [2], data_offsets: [o1, o2] },
          images: { dtype: 'U8', shape: [1, 3], data_offsets: [o2, o3] },
          half: { dtype: 'F16', shape: [2], data_offsets: [o3, o3 + 4] },
        },
        data,
      ),
      'w.safetensors',
    );
    expect(parsed.metadata).toEqual({ source: 'torchvision', model: 'resnet18' });
    expect(parsed.tensors.get('conv1.weight')).toEqual({ dtype: 'F32', shape: [2, 3], values: new Float32Array([1.5, -2, 3.25, 0, 1e-8, 7]) });
    expect(Array.from(parsed.tensors.get('bn1.num_batches_tracked')?.values ?? [])).toEqual([12345678901, -3]);
    expect(Array.from(parsed.tensors.get('images')?.values ?? [])).toEqual([0, 255, 7]);
    expect(Array.from(parsed.tensors.get('half')?.values ?? [])).toEqual([1, -2]);
  });

  it('names the file and the tensor for every malformed input', () => {
    const four = bytesOf(new Float32Array([1]));
    expect(() => parseSafetensors(Uint8Array.from([1, 2, 3]), 'a.st')).toThrow('a.st: not a safetensors file: 3 bytes, shorter than the 8-byte header length');
    expect(() => parseSafetensors(file({}, four, '{"x": '), 'a.st')).toThrow(/a\.st: not a safetensors file: the header is not UTF-8 JSON/);
    const huge = file({}, four);
    new DataView(huge.buffer).setBigUint64(0, BigInt(1e6), true);
    expect(() => parseSafetensors(huge, 'a.st')).toThrow(/its header claims 1000000 bytes, the file has \d+ after the length/);
    expect(() => parseSafetensors(file({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, four), 'a.st')).toThrow(
      'a.st: tensor "w": F32 [2] needs 8 bytes, its range holds 4',
    );
    expect(() => parseSafetensors(file({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, four), 'a.st')).toThrow('a.st: tensor "w": bytes 4-8 lie outside the 4 data bytes');
    expect(() => parseSafetensors(file({ w: { dtype: 'Q4', shape: [1], data_offsets: [0, 4] } }, four), 'a.st')).toThrow(/a\.st: tensor "w": dtype: /);
    expect(() => parseSafetensors(file({ __metadata__: { n: 3 } }, four), 'a.st')).toThrow('a.st: __metadata__: expected an object of strings');
    expect(() => parseSafetensors(file([1, 2], four), 'a.st')).toThrow('a.st: the header must be a JSON object');
  });

  it('refuses byte ranges that overlap or leave bytes to no tensor (the format: "entirely indexed, no holes"); header order is free', () => {
    const eight = bytesOf(new Float32Array([1, 2]));
    const f32 = (begin: number) => ({ dtype: 'F32', shape: [1], data_offsets: [begin, begin + 4] });
    const rule = 'safetensors tensors must cover the data bytes back to back, without overlaps or holes';
    // Tiling in any header order, with an empty tensor on a boundary, is fine.
    const tiled = parseSafetensors(file({ b: f32(4), empty: { dtype: 'F32', shape: [0], data_offsets: [4, 4] }, a: f32(0) }, eight), 'a.st');
    expect(Array.from(tiled.tensors.get('b')?.values ?? [])).toEqual([2]);
    expect(tiled.tensors.get('empty')?.values).toHaveLength(0);
    const overlap = (() => {
      try {
        return parseSafetensors(file({ a: f32(0), b: f32(0), c: f32(4) }, eight), 'a.st');
      } catch (error) {
        return error;
      }
    })();
    expect(overlap).toBeInstanceOf(PretrainedImportError);
    expect(overlap).toMatchObject({ tensor: 'b', message: `a.st: tensor "b": bytes 0-4 overlap tensor "a" (bytes 0-4); ${rule}` });
    expect(() => parseSafetensors(file({ a: f32(0), b: { dtype: 'F32', shape: [0], data_offsets: [2, 2] } }, eight), 'a.st')).toThrow(
      `a.st: tensor "b": bytes 2-2 overlap tensor "a" (bytes 0-4); ${rule}`,
    );
    expect(() => parseSafetensors(file({ a: f32(4) }, eight), 'a.st')).toThrow(`a.st: data bytes 0-4 before tensor "a" belong to no tensor; ${rule}`);
    expect(() => parseSafetensors(file({ a: f32(0), b: f32(8) }, bytesOf(new Float32Array(3))), 'a.st')).toThrow(
      `a.st: data bytes 4-8 between tensor "a" and tensor "b" belong to no tensor; ${rule}`,
    );
    expect(() => parseSafetensors(file({ a: f32(0) }, eight), 'a.st')).toThrow(`a.st: data bytes 4-8 (after tensor "a") belong to no tensor; ${rule}`);
    expect(() => parseSafetensors(file({ __metadata__: { x: 'y' } }, eight), 'a.st')).toThrow(`a.st: data bytes 0-8 (the header names no tensor) belong to no tensor; ${rule}`);
  });
});
