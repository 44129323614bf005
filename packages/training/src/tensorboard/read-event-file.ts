/** Reads TensorBoard event files back, verifying every record's checksums (for tests, and for users' scripts). */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
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

/**
 * The events of one TensorBoard run: every file directly in `logDir` whose name contains `tfevents`, read in
 * file-name order and concatenated, as TensorBoard loads a run (subfolders are other runs). Pass
 * `allowTruncatedTail` to read a log dir that holds the torn file of a killed process.
 */
export function readEventDir(logDir: string, options: DecodeTfRecordsOptions = {}): TensorBoardEvent[] {
  return readdirSync(logDir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.includes('tfevents'))
    .map((entry) => entry.name)
    // Code-unit order, as TensorBoard's `sorted` (Python) and byte-wise `cmp` (Rust) do, not locale order.
    .sort()
    .flatMap((name) => readEventFile(path.join(logDir, name), options));
}
