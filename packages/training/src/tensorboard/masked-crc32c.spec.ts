import { crc32c, maskedCrc32c } from './masked-crc32c';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('masked CRC-32C', () => {
  it('computes the CRC-32C check value and its TensorFlow mask', () => {
    expect(crc32c(bytes('123456789'))).toBe(0xe3069283);
    expect(maskedCrc32c(bytes('123456789'))).toBe(0xc78ab0e5);
    expect(maskedCrc32c(new Uint8Array(0))).toBe(0xa282ead8);
  });

  it('matches the length checksum that opens every TensorFlow event file (24-byte first record)', () => {
    const length = new Uint8Array([24, 0, 0, 0, 0, 0, 0, 0]);
    expect(maskedCrc32c(length)).toBe(0x224b7fa3);
  });
});
