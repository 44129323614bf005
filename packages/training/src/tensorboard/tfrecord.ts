/**
 * TFRecord framing, the container of TensorBoard event files. Each record is
 * `uint64 length | uint32 masked CRC-32C of the length bytes | data | uint32 masked CRC-32C of the data`, little endian.
 */
import { maskedCrc32c } from './masked-crc32c';
import { EventFileError } from './event-file-error';

/** Bytes of framing around each record's data (8 length + 4 length CRC + 4 data CRC). */
export const TFRECORD_OVERHEAD = 16;

/** Frames `data` as one TFRecord, ready to append to a file in a single write. */
export function encodeTfRecord(data: Uint8Array): Uint8Array {
  const record = new Uint8Array(TFRECORD_OVERHEAD + data.length);
  const view = new DataView(record.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(record.subarray(0, 8)), true);
  record.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return record;
}

/** One record's data and the byte offset of its header in the file. */
export interface TfRecord {
  /** Byte offset of the record's length field. */
  offset: number;
  data: Uint8Array;
}

/** How `decodeTfRecords` treats a file whose last record is cut short. */
export interface DecodeTfRecordsOptions {
  /**
   * Stop silently before an incomplete last record (a writer killed mid-append, or a file still being written),
   * as TensorBoard does, instead of throwing. Bad checksums always throw.
   */
  allowTruncatedTail?: boolean;
}

/**
 * Splits `bytes` (the contents of `file`, named in errors) into records, verifying both checksums of each.
 * Throws `EventFileError` naming the file and byte offset on a bad checksum or a truncated record.
 */
export function decodeTfRecords(bytes: Uint8Array, file: string, options: DecodeTfRecordsOptions = {}): TfRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: TfRecord[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const remaining = bytes.length - offset;
    if (remaining < 12) {
      if (options.allowTruncatedTail) break;
      throw new EventFileError(file, offset, `truncated record header (${remaining} of 12 bytes)`);
    }
    const lengthCrc = maskedCrc32c(bytes.subarray(offset, offset + 8));
    if (lengthCrc !== view.getUint32(offset + 8, true)) {
      throw new EventFileError(file, offset, 'length checksum mismatch (corrupt record header)');
    }
    const length = view.getBigUint64(offset, true);
    if (length > BigInt(remaining - TFRECORD_OVERHEAD)) {
      if (options.allowTruncatedTail) break;
      throw new EventFileError(file, offset, `truncated record (${length} data bytes declared, ${Math.max(0, remaining - TFRECORD_OVERHEAD)} present)`);
    }
    const dataStart = offset + 12;
    const dataEnd = dataStart + Number(length);
    const data = bytes.subarray(dataStart, dataEnd);
    if (maskedCrc32c(data) !== view.getUint32(dataEnd, true)) {
      throw new EventFileError(file, offset, 'data checksum mismatch (corrupt record data)');
    }
    records.push({ offset, data });
    offset = dataEnd + 4;
  }
  return records;
}
