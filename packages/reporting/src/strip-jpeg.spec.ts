import { renderContactSheet } from '@a2d/augment';
import { ReportInputError } from './report-input-error';
import { pngToJpeg } from './strip-jpeg';

describe('pngToJpeg', () => {
  it('re-encodes a strip as a JPEG of the same size, much smaller for noisy frames', () => {
    // Four 112 px frames of smooth shading plus sensor-like noise of +-8 levels, as the synthetic videos are.
    const [frames, size] = [4, 112];
    const data = Uint8Array.from({ length: frames * size * size * 3 }, (_, i) => {
      const pixel = Math.floor(i / 3);
      const [x, y] = [pixel % size, Math.floor(pixel / size) % size];
      return Math.round(100 + 60 * Math.sin(x / 9) * Math.cos(y / 13) + (((i * 2654435761) % 17) - 8));
    });
    const sheet = renderContactSheet([{ label: 'strip', clip: { data, numFrames: frames, height: size, width: size } }]);
    const jpeg = pngToJpeg(sheet.png, 'strip');
    expect([jpeg[0], jpeg[1], jpeg[2]]).toEqual([0xff, 0xd8, 0xff]);
    // The JPEG's SOF0 segment holds its height and width.
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    expect([jpeg.readUInt16BE(sof + 5), jpeg.readUInt16BE(sof + 7)]).toEqual([sheet.height, sheet.width]);
    expect(jpeg.length).toBeLessThan(sheet.png.length / 2);
  });

  it('names the field of bytes it cannot decode', () => {
    expect(() => pngToJpeg(Buffer.from('not an image'), 'gallery.groups.0.clips.1.png')).toThrow(ReportInputError);
    expect(() => pngToJpeg(Buffer.from('not an image'), 'gallery.groups.0.clips.1.png')).toThrow(/gallery\.groups\.0\.clips\.1\.png: cannot decode the image/);
  });
});
