/** Reads a PNG's pixel size from its header, so the HTML report and tests need not decode the image. */
import { ReportInputError } from './report-input-error';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** True when the bytes start with the 8-byte PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).equals(PNG_SIGNATURE);
}

/** Width and height from the IHDR chunk; throws `ReportInputError` for anything that is not a PNG. */
export function readPngSize(bytes: Uint8Array, argument = 'png'): { width: number; height: number } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isPng(buffer) || buffer.length < 24 || buffer.toString('latin1', 12, 16) !== 'IHDR') {
    throw new ReportInputError(argument, 'not a PNG image (no PNG signature and IHDR chunk)');
  }
  return { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) };
}
