import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng, runCommandLine, type CommandIo } from '@a2d/core';
import { describeWithTinyFilesystem } from '@a2d/core/testing';
import { toolFixtures, videoFixtures } from '@a2d/ingest/testing';
import { runContactSheetCommand } from './contact-sheet';

// Before decoding anything, augment:contact-sheet checks ffmpeg/ffprobe and its --out path: each problem is one line
// naming the tool or the path, exit code 1, never a line per skipped video or a blame on data.root. A full disk when
// the sheet is written is one line too.

const sizes = ['--data.decode.width=64', '--data.decode.height=48', '--augment.cropSize=40', '--data.valFraction=0', '--clips=1'];
let root: string;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'augment-sheet-checks-'));
  const records = await videoFixtures.writeFixtureDataset(root, [{ videoId: 'Ab_c-01', label: 11, numFrames: 12 }], new Rng(1));
  writeFileSync(path.join(root, 'videoset.csv'), records.map((r) => `${r.videoId},${r.label},0,${r.endTime},320,427,${r.numFrames},5,0`).join('\n') + '\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function contactSheet(argv: string[]): Promise<{ code: number; lines: string[]; printed: string[] }> {
  const lines: string[] = [];
  const printed: string[] = [];
  const io: CommandIo = { error: (line) => lines.push(...line.split('\n')), exit: () => undefined };
  const code = await runCommandLine('augment:contact-sheet', 'usage: augment:contact-sheet', async () => {
    await runContactSheetCommand([`--data.root=${root}`, ...sizes, ...argv], {}, (line) => printed.push(line));
  }, io);
  return { code, lines, printed };
}

describe('augment:contact-sheet checks before decoding', () => {
  it('a broken ffmpeg (refuses -fps_mode) is one line naming it: no skipping lines, no blame on data.root', async () => {
    const fake = toolFixtures.writeFakeFfmpeg(path.join(root, 'tools', 'ffmpeg-broken'), { refuseOptions: ['-fps_mode'] });
    const out = path.join(root, 'never.png');
    const result = await toolFixtures.withEnv({ FFMPEG_PATH: fake }, () => contactSheet([`--out=${out}`]));
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([expect.stringMatching(new RegExp(`^augment:contact-sheet: ffmpeg \\(${fake}\\): version \\S+: refuses the decode options this project uses .*Unrecognized option 'fps_mode'`))]);
    expect(result.printed).toEqual([]);
    expect(readdirSync(root)).not.toContain('never.png');
  });

  it('an ffmpeg that cannot be started is one line naming the binary', async () => {
    const missing = path.join(root, 'tools', 'no-such-ffmpeg');
    const result = await toolFixtures.withEnv({ FFMPEG_PATH: missing }, () => contactSheet([`--out=${path.join(root, 'never.png')}`]));
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([expect.stringMatching(new RegExp(`^augment:contact-sheet: ffmpeg \\(${missing}\\): `))]);
    expect(result.printed).toEqual([]);
  });

  it('--out naming a folder is one line, exit 1', async () => {
    const out = path.join(root, 'sheet-folder.png');
    mkdirSync(out);
    expect(await contactSheet([`--out=${out}`])).toEqual({ code: 1, lines: [`augment:contact-sheet: ${out}: is a folder, expected a file`], printed: [] });
  });

  it('--out under a parent that is a file is one line naming the parent', async () => {
    const out = path.join(root, 'videoset.csv', 'sheet.png');
    const result = await contactSheet([`--out=${out}`]);
    expect(result).toMatchObject({ code: 1, lines: [`augment:contact-sheet: ${path.join(root, 'videoset.csv')}: is a file, expected a folder (a parent of ${out})`] });
  });
});

describeWithTinyFilesystem('augment:contact-sheet on a full disk (a real 256 KiB tmpfs)', 256 * 1024, (disk) => {
  it('is one line naming the folder, the bytes the PNG needs and the bytes free, exit 1, no file left', async () => {
    disk().fill();
    const out = path.join(disk().dir, 'sheet.png');
    const result = await contactSheet([`--out=${out}`]);
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([expect.stringMatching(new RegExp(`^augment:contact-sheet: ${disk().dir}: disk full: sheet\\.png needs \\d+ bytes \\([\\d.]+ KiB\\), 0 bytes free$`))]);
    expect(readdirSync(disk().dir)).toEqual(['.filler']);
  });
});
