import { EventFileError } from './event-file-error';
import { maskedCrc32c } from './masked-crc32c';
import { decodeTfRecords, encodeTfRecord, TFRECORD_OVERHEAD } from './tfrecord';

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));

describe('TFRecord framing', () => {
  const a = new Uint8Array([1, 2, 3]);
  const b = new Uint8Array(300).map((_, i) => i % 251);

  it('frames data as length, masked length CRC, data, masked data CRC (little endian)', () => {
    const record = encodeTfRecord(a);
    const view = new DataView(record.buffer);
    expect(record.length).toBe(a.length + TFRECORD_OVERHEAD);
    expect(view.getBigUint64(0, true)).toBe(3n);
    expect(view.getUint32(8, true)).toBe(maskedCrc32c(record.subarray(0, 8)));
    expect([...record.subarray(12, 15)]).toEqual([1, 2, 3]);
    expect(view.getUint32(15, true)).toBe(maskedCrc32c(a));
  });

  it('reads records back with their offsets', () => {
    const records = decodeTfRecords(concat(encodeTfRecord(a), encodeTfRecord(new Uint8Array(0)), encodeTfRecord(b)), 'f');
    expect(records.map((r) => r.offset)).toEqual([0, 19, 35]);
    expect(records.map((r) => [...r.data])).toEqual([[...a], [], [...b]]);
  });

  it('names the file and the offset of a corrupt record, in the header or the data', () => {
    const file = concat(encodeTfRecord(a), encodeTfRecord(b));
    const badData = file.slice();
    badData[19 + 12 + 100] ^= 0x01;
    expect(() => decodeTfRecords(badData, 'run/events')).toThrow(EventFileError);
    expect(() => decodeTfRecords(badData, 'run/events')).toThrow('run/events: byte 19: data checksum mismatch');
    const badLength = file.slice();
    badLength[19] ^= 0x80;
    expect(() => decodeTfRecords(badLength, 'run/events')).toThrow('run/events: byte 19: length checksum mismatch');
    const badCrc = file.slice();
    badCrc[file.length - 1] ^= 0x10;
    expect(() => decodeTfRecords(badCrc, 'x')).toThrow('x: byte 19: data checksum mismatch');
  });

  it('rejects a torn last record unless asked to stop before it, as TensorBoard does', () => {
    const whole = concat(encodeTfRecord(a), encodeTfRecord(b));
    for (const cut of [whole.length - 1, 19 + 13, 19 + 5]) {
      const torn = whole.subarray(0, cut);
      expect(() => decodeTfRecords(torn, 'f')).toThrow(/^f: byte 19: truncated record/);
      expect(decodeTfRecords(torn, 'f', { allowTruncatedTail: true }).map((r) => r.offset)).toEqual([0]);
    }
  });
});
