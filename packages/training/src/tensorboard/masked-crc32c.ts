/**
 * CRC-32C (Castagnoli) and the "masked" form TFRecord files store: a checksum of data that itself contains
 * checksums must not be the plain CRC, so TensorFlow rotates it and adds a constant.
 */
import { buf as crc32cOfBytes } from 'crc-32/crc32c';

const MASK_DELTA = 0xa282ead8;

/** The CRC-32C of `bytes` as an unsigned 32-bit number (`crc32c("123456789") === 0xe3069283`). */
export function crc32c(bytes: Uint8Array): number {
  return crc32cOfBytes(bytes) >>> 0;
}

/** TensorFlow's masked CRC-32C: `((crc >>> 15) | (crc << 17)) + 0xa282ead8`, as an unsigned 32-bit number. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}
