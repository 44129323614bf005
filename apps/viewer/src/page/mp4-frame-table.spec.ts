import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { videoFixtures } from '@a2d/ingest/testing';
import { readMp4FrameTable, seekTimeOf, VideoFileError } from './mp4-frame-table';

let dir: string;

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args]);
}

/** ffprobe's frame count (nb_frames) and each decoded frame's presentation time, in output order. */
function probe(file: string): { frames: number; times: number[] } {
  const frames = Number(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=nb_frames', '-of', 'csv=p=0', file]).toString().trim());
  const times = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', file])
    .toString()
    .trim()
    .split('\n')
    .map((line) => line.replace(/,$/, ''))
    .filter((line) => line !== '')
    .map(Number);
  return { frames, times };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-viewer-mp4-'));
});

describe('readMp4FrameTable', () => {
  const encodings: [string, string[]][] = [
    ['libx264 with B-frames (composition offsets, an edit list)', ['-f', 'lavfi', '-i', 'testsrc2=s=96x64:r=25:d=1.6', '-c:v', 'libx264', '-preset', 'medium', '-bf', '3', '-pix_fmt', 'yuv420p']],
    ['libx264 without B-frames', ['-f', 'lavfi', '-i', 'testsrc2=s=96x64:r=25:d=1', '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-pix_fmt', 'yuv420p']],
    ['NTSC 30000/1001 fps', ['-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=30000/1001:d=1.2', '-c:v', 'libx264', '-preset', 'fast', '-pix_fmt', 'yuv420p']],
    ['a start delayed by an empty edit (-itsoffset)', ['-itsoffset', '0.5', '-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=10:d=1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']],
    ['mpeg4 part 2 in MOV', ['-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=12:d=1', '-c:v', 'mpeg4', '-f', 'mov']],
  ];

  it.each(encodings)('gives ffprobe frame count and presentation times: %s', (_, args) => {
    const file = path.join(dir, `${args.join('').replace(/[^a-z0-9]/gi, '').slice(0, 40)}.${args.includes('mov') ? 'mov' : 'mp4'}`);
    ffmpeg([...args, file]);
    const table = readMp4FrameTable(readFileSync(file), file);
    const expected = probe(file);
    expect(table.frameCount).toBe(expected.frames);
    expect(table.frameTimes).toHaveLength(expected.times.length);
    table.frameTimes.forEach((time, i) => expect(Math.abs(time - expected.times[i])).toBeLessThan(1e-5));
    expect(table.width).toBeGreaterThan(0);
    // Seek targets lie strictly inside each frame's display interval.
    table.frameTimes.forEach((time, i) => {
      const seek = seekTimeOf(table, i);
      expect(seek).toBeGreaterThan(time);
      expect(seek).toBeLessThan(i + 1 < table.frameCount ? table.frameTimes[i + 1] : table.duration + 1e-9);
    });
  });

  it('reads the codec and size of the video track of a file with audio, and of a pattern clip', async () => {
    const file = path.join(dir, 'with-audio.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=duration=1', '-f', 'lavfi', '-i', 'testsrc2=s=80x60:r=20:d=1', '-map', '0:a', '-map', '1:v', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', file]);
    const table = readMp4FrameTable(readFileSync(file), file);
    expect([table.codec, table.width, table.height, table.frameCount]).toEqual(['avc1', 80, 60, 20]);
    const pattern = path.join(dir, 'pattern.mp4');
    await videoFixtures.writePatternVideo(pattern, { numFrames: 37 });
    expect(readMp4FrameTable(readFileSync(pattern)).frameCount).toBe(37);
  });

  it('says in words why a file cannot be used', async () => {
    const expectReason = (bytes: Uint8Array, reason: RegExp) => {
      let error: unknown;
      try {
        readMp4FrameTable(bytes, 'clip.mp4');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(VideoFileError);
      expect((error as VideoFileError).message).toMatch(/^clip\.mp4: /);
      expect((error as VideoFileError).message).toMatch(reason);
    };
    expectReason(new TextEncoder().encode('this is a text file, not a video\n'), /not an MP4\/MOV file|past the end/);
    expectReason(new Uint8Array(0), /not an MP4\/MOV file/);

    const audio = path.join(dir, 'audio.mp4');
    await videoFixtures.writeAudioOnlyMp4(audio);
    expectReason(readFileSync(audio), /has no video track/);

    const fragmented = path.join(dir, 'fragmented.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=10:d=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', 'frag_keyframe+empty_moov', fragmented]);
    expectReason(readFileSync(fragmented), /fragmented MP4/);

    const webm = path.join(dir, 'clip.webm');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=10:d=0.5', '-c:v', 'libvpx', webm]);
    expectReason(readFileSync(webm), /not an MP4\/MOV file/);

    // moov at the end (no faststart) and the file cut before it: an unfinished recording.
    const tail = path.join(dir, 'moov-last.mp4');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x48:r=10:d=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', tail]);
    const whole = readFileSync(tail);
    const cut = path.join(dir, 'cut.mp4');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    expectReason(readFileSync(cut), /has no moov box|truncated/);
  });
});
