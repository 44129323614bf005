/** Reads a TensorBoard event file back, verifying every record's checksums (for tests, and for users' scripts). */
import { readFileSync } from 'node:fs';
import { decodeEvent, type TensorBoardEvent } from './event-proto';
import { EventFileError } from './event-file-error';
import { decodeTfRecords, type DecodeTfRecordsOptions } from './tfrecord';

/**
 * Parses every event of the file at `file`, in order. Throws `EventFileError` naming the file and byte offset of
 * the first record with a bad checksum, a truncated record (unless `allowTruncatedTail`) or unparsable data.
 */
export function readEventFile(file: string, options: DecodeTfRecordsOptions = {}): TensorBoardEvent[] {
  return decodeTfRecords(readFileSync(file), file, options).map((record) => {
    try {
      return decodeEvent(record.data);
    } catch (error) {
      throw new EventFileError(file, record.offset, `not an Event message: ${(error as Error).message}`);
    }
  });
}
