import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommandLine, type CommandIo } from '@a2d/core';
import { describeWithTinyFilesystem } from '@a2d/core/testing';
import { toolFixtures } from '@a2d/ingest/testing';
import { runGenerateCommand } from './generate';

// synth:generate checks its --out folder and ffmpeg/ffprobe before the first clip: each problem is one line naming
// the path or the tool, exit code 1. A disk that fills up while clips are written is one line naming the clips
// folder and the bytes the rest needs.

const tempDir = (): string => mkdtempSync(path.join(os.tmpdir(), 'a2d-synth-checks-'));

async function generate(argv: string[]): Promise<{ code: number; lines: string[]; printed: string[] }> {
  const lines: string[] = [];
  const printed: string[] = [];
  const io: CommandIo = { error: (line) => lines.push(...line.split('\n')), exit: () => undefined };
  const code = await runCommandLine('synth:generate', 'usage: synth:generate', async () => {
    await runGenerateCommand(['--size=tiny', '--workers=1', ...argv], (line) => printed.push(line));
  }, io);
  return { code, lines, printed };
}

describe('synth:generate checks before the first clip', () => {
  it('--out naming a file: one line, exit 1', async () => {
    const out = path.join(tempDir(), 'dataset');
    writeFileSync(out, 'x');
    expect(await generate([`--out=${out}`])).toEqual({ code: 1, lines: [`synth:generate: ${out}: is a file, expected a folder`], printed: [] });
  });

  it('--out under a parent that is a file: one line naming the parent', async () => {
    const parent = path.join(tempDir(), 'notes.txt');
    writeFileSync(parent, 'x');
    const out = path.join(parent, 'dataset');
    expect(await generate([`--out=${out}`])).toEqual({ code: 1, lines: [`synth:generate: ${parent}: is a file, expected a folder (a parent of ${out})`], printed: [] });
  });

  it('a broken ffmpeg (refuses -fps_mode) is one line naming it, and nothing is written', async () => {
    const dir = tempDir();
    const fake = toolFixtures.writeFakeFfmpeg(path.join(dir, 'ffmpeg-broken'), { refuseOptions: ['-fps_mode'] });
    const out = path.join(dir, 'dataset');
    const result = await toolFixtures.withEnv({ FFMPEG_PATH: fake }, () => generate([`--out=${out}`]));
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([expect.stringMatching(new RegExp(`^synth:generate: ffmpeg \\(${fake}\\): version \\S+: refuses the decode options this project uses `))]);
    expect(result.printed).toEqual([]);
    expect(readdirSync(dir)).toEqual(['ffmpeg-broken']);
  });
});

describeWithTinyFilesystem('synth:generate on a full disk (a real 256 KiB tmpfs)', 256 * 1024, (disk) => {
  it('is one line naming the clips folder and (once clips exist) the bytes the rest of the dataset needs, exit 1, no partial clip', async () => {
    const out = path.join(disk().dir, 'dataset');
    const clipsDir = path.join(out, 'clips320H');
    const result = await generate([`--out=${out}`]);
    expect(result.code).toBe(1);
    // Clips are encoded (and annotated) 8 at a time, so the disk may fill before the first one is complete: then
    // there is nothing to estimate from and the line names the clip being written and the bytes free.
    const written = readdirSync(clipsDir).filter((name) => /^[^.].*\.mp4$/.test(name)).length;
    expect(result.lines).toEqual([
      expect.stringMatching(
        written > 0
          ? new RegExp(`^synth:generate: ${clipsDir}: disk full: the rest of the dataset \\(\\d+ clips, estimated from the ${written} written\\) needs \\d+ bytes \\([\\d.]+ [KM]iB\\), \\d+ bytes( \\([\\d.]+ KiB\\))? free$`)
          : new RegExp(`^synth:generate: ${clipsDir}: disk full while writing clip \\S+ \\(\\d+ bytes \\([\\d.]+ KiB\\) free\\)$`),
      ),
    ]);
    expect(readdirSync(clipsDir).filter((name) => !/^[^.].*\.mp4$/.test(name))).toEqual([]);
  });
});
