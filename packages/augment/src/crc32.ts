/**
 * CRC-32 (ISO 3309 / ITU-T V.42), the checksum of every PNG chunk. Node's zlib computes it (the frame cache in
 * @a2d/ingest uses the same function); this only chains it over several byte arrays.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

/** CRC-32 of the concatenated byte arrays, as an unsigned 32-bit integer. */
export function crc32(...parts: readonly Uint8Array[]): number {
  let crc = 0;
  for (const bytes of parts) crc = zlibCrc32(bytes, crc);
  return crc >>> 0;
}
