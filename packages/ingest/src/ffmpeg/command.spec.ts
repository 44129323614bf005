import { ffmpegArguments, type FfmpegCommandDescription } from './command';

describe('ffmpegArguments (the list fluent-ffmpeg builds)', () => {
  it('writes global options, each input with its options, -y for file outputs, then each output with its options', () => {
    const args = ffmpegArguments({
      globalOptions: ['-nostdin', '-loglevel', 'error'],
      inputs: [
        { source: 'pipe:3', options: ['-f', 'rawvideo', '-s', '8x8'] },
        { source: '/clips/b.mp4', options: ['-ss', '2'] },
      ],
      outputs: [
        { target: '/out/a.mp4', options: ['-map', '0:v:0', '-an'] },
        { target: '/out/b.mp4', options: ['-map', '1:v:0'] },
      ],
    });
    expect(args).toEqual([
      ...['-nostdin', '-loglevel', 'error', '-f', 'rawvideo', '-s', '8x8', '-i', 'pipe:3'],
      ...['-ss', '2', '-i', '/clips/b.mp4'],
      '-y',
      ...['-map', '0:v:0', '-an', '/out/a.mp4'],
      ...['-map', '1:v:0', '/out/b.mp4'],
    ]);
  });

  it('adds no -y when no output is a file, and takes inputs and outputs without options', () => {
    expect(ffmpegArguments({ inputs: [{ source: 'pipe:0' }], outputs: [{ target: 'pipe:1', options: ['-f', 'rawvideo'] }] })).toEqual([
      '-i',
      'pipe:0',
      '-f',
      'rawvideo',
      'pipe:1',
    ]);
    expect(ffmpegArguments({ globalOptions: ['-nostdin'], inputs: [{ source: 'in.mp4' }], outputs: [{ target: 'out.mp4' }] })).toEqual([
      '-nostdin',
      '-i',
      'in.mp4',
      '-y',
      'out.mp4',
    ]);
  });

  it('keeps every string one argument, spaces included, and refuses the lone option fluent-ffmpeg would split', () => {
    const args = ffmpegArguments({
      inputs: [{ source: '/my clips/a b.mp4', options: ['-f', 'mp4'] }],
      outputs: [{ target: '/my out/c d.mp4', options: ['-vf', 'drawtext=text=a b'] }],
    });
    expect(args).toEqual(['-f', 'mp4', '-i', '/my clips/a b.mp4', '-y', '-vf', 'drawtext=text=a b', '/my out/c d.mp4']);
    expect(ffmpegArguments({ inputs: [{ source: 'a.mp4' }], outputs: [{ target: 'b.mp4', options: ['-an'] }] })).toEqual(['-i', 'a.mp4', '-y', '-an', 'b.mp4']);
    expect(() => ffmpegArguments({ inputs: [{ source: 'a.mp4' }], outputs: [{ target: 'b.mp4', options: ['-an -sn'] }] })).toThrow(
      new RangeError('ffmpeg option "-an -sn" alone would be split at its space by fluent-ffmpeg; give it as two strings'),
    );
  });

  it('refuses a command without an input or an output (what the types already rule out)', () => {
    const noOutput = { inputs: [{ source: 'a.mp4' }], outputs: [] } as unknown as FfmpegCommandDescription;
    expect(() => ffmpegArguments(noOutput)).toThrow(new RangeError('an ffmpeg command needs at least one input and one output, got 1 and 0'));
  });
});
