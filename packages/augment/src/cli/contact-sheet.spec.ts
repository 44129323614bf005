import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, DatasetError, Rng } from '@a2d/core';
import { videoFixtures } from '@a2d/ingest/testing';
import { runContactSheetCommand } from './contact-sheet';

describe('augment:contact-sheet', () => {
  let root: string;
  const lines: string[] = [];
  const print = (line: string) => lines.push(line);
  // Small decode and crop sizes keep the test fast; the layout logic is the same at full size.
  const sizes = ['--data.decode.width=64', '--data.decode.height=48', '--augment.cropSize=40', '--data.valFraction=0'];

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'augment-sheet-'));
    const clips = [
      { videoId: 'Ab_c-01', label: 11, numFrames: 20 },
      { videoId: 'Xy9-zz2', label: 76, numFrames: 16 },
      { videoId: 'Broken1', label: 43, numFrames: 10, kind: 'corrupt' as const },
    ];
    const records = await videoFixtures.writeFixtureDataset(root, clips, new Rng(1));
    writeFileSync(
      path.join(root, 'videoset.csv'),
      records.map((r) => `${r.videoId},${r.label},0,${r.endTime},320,427,${r.numFrames},5,0`).join('\n') + '\n',
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('writes a PNG with a decoded and an augmented row per train clip, skipping undecodable videos', async () => {
    const out = path.join(root, 'sheet.png');
    const summary = await runContactSheetCommand([`--data.root=${root}`, `--out=${out}`, '--clips=5', ...sizes], {}, print);
    expect([...summary.videoIds].sort()).toEqual(['Ab_c-01', 'Xy9-zz2']);
    expect(summary.skipped.map((s) => s.videoId)).toEqual(['Broken1']);
    // At least 8 frames of 64 px + 7 separators + padding (a long caption may widen it);
    // per clip: two caption bands (14 + 8), 48 + 40 px of frames, padding; separators between the 4 rows.
    expect(summary.width).toBeGreaterThanOrEqual(4 + 8 * 64 + 7 * 2 + 4);
    expect(summary.height).toBe(2 * (2 * (14 + 8) + 48 + 40 + 2 * 4) + 3 * 2);
    const decoded = execFileSync('ffmpeg', ['-v', 'error', '-i', out, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
    expect(decoded.length).toBe(summary.width * summary.height * 3);
    expect(lines.some((line) => line.startsWith(`wrote ${out}`))).toBe(true);
  });

  it('draws the same sheet for the same seed', async () => {
    const a = path.join(root, 'a.png');
    const b = path.join(root, 'b.png');
    await runContactSheetCommand([`--root=${root}`, `--out=${a}`, '--clips=1', '--seed=3', ...sizes], {}, print);
    await runContactSheetCommand([`--root=${root}`, `--out=${b}`, '--clips=1', '--seed=3', ...sizes], {}, print);
    expect(execFileSync('cmp', [a, b]).length).toBe(0);
  });

  it('fails with typed errors naming the bad flag or the missing videoset', async () => {
    await expect(runContactSheetCommand([`--root=${root}`, '--clips=0'], {}, print)).rejects.toThrow(ConfigError);
    await expect(runContactSheetCommand([`--root=${root}`, '--clips=0'], {}, print)).rejects.toThrow(/clips/);
    await expect(runContactSheetCommand([`--root=${root}`, '--bogus=1'], {}, print)).rejects.toThrow(/bogus/);
    await expect(runContactSheetCommand([`--root=${root}`, '--clips=1.5'], {}, print)).rejects.toThrow('--clips: expected a whole number');
    await expect(runContactSheetCommand([`--root=${root}`, '--clip=3'], {}, print)).rejects.toThrow(
      '--clip: unknown option (did you mean --clips?)',
    );
    await expect(runContactSheetCommand([`--root=${root}`, '--out'], {}, print)).rejects.toThrow('--out: expected a value');
    await expect(runContactSheetCommand([`--root=${path.join(root, 'nowhere')}`], {}, print)).rejects.toThrow(DatasetError);
  });
});
