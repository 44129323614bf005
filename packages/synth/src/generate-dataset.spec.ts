import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '@a2d/core';
import { readVideoset } from '@a2d/ingest';
import {
  CLIPS_DIR,
  DIFFICULTY_REVISIONS,
  generateDataset,
  GenerationAbortedError,
  parseGenerateOptions,
  planDataset,
  readSynthManifest,
  SYNTH_MANIFEST_FILE,
  VIDEOSET_FILE,
  type GenerateProgress,
  type GenerateSummary,
} from './index';

const run = promisify(execFile);
const SEED = 5;

interface StreamInfo {
  codec_name: string;
  width: number;
  height: number;
  r_frame_rate: string;
  nb_frames: string;
}

async function probe(file: string): Promise<StreamInfo> {
  const { stdout } = await run('ffprobe', [
    '-v', 'error',
    '-select_streams', 'v:0',
    '-show_entries', 'stream=codec_name,width,height,r_frame_rate,nb_frames',
    '-of', 'json',
    file,
  ]);
  return (JSON.parse(stdout) as { streams: StreamInfo[] }).streams[0];
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

describe('generateDataset (tiny, end to end)', () => {
  let out: string;
  let first: GenerateSummary;
  const progress: GenerateProgress[] = [];

  beforeAll(async () => {
    out = mkdtempSync(path.join(os.tmpdir(), 'a2d-synth-'));
    first = await generateDataset({ size: 'tiny', out, seed: SEED, workers: 2 }, { onProgress: (p) => progress.push(p) });
  });

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes the A2D layout: videoset.csv and one H.264 clip per row, nothing else', async () => {
    expect(first).toMatchObject({ clips: 36, generated: 36, skipped: 0 });
    expect(readdirSync(out).sort()).toEqual([CLIPS_DIR, SYNTH_MANIFEST_FILE, VIDEOSET_FILE].sort());
    const records = await readVideoset(path.join(out, VIDEOSET_FILE));
    expect(records).toHaveLength(36);
    expect(new Set(records.map((r) => r.label)).size).toBe(36);
    expect(readdirSync(path.join(out, CLIPS_DIR)).sort()).toEqual(records.map((r) => `${r.videoId}.mp4`).sort());
    expect(first.clipBytes).toBeGreaterThan(0);
  });

  it('encodes clips at height 320 with the frame count, fps and width of their CSV rows', async () => {
    const records = await readVideoset(path.join(out, VIDEOSET_FILE));
    // Every third clip, three probes at a time: each ffprobe start costs a noticeable slice of two cores.
    const sample = records.filter((_r, i) => i % 3 === 0);
    expect(new Set(sample.map((r) => r.width)).size).toBe(2);
    const infos: StreamInfo[] = [];
    for (let i = 0; i < sample.length; i += 3) {
      const batch = sample.slice(i, i + 3).map((r) => probe(path.join(out, CLIPS_DIR, `${r.videoId}.mp4`)));
      infos.push(...(await Promise.all(batch)));
    }
    sample.forEach((record, i) => {
      const info = infos[i];
      expect(info.codec_name).toBe('h264');
      expect(info.height).toBe(320);
      expect(info.width).toBe(record.width);
      expect(Number(info.nb_frames)).toBe(record.numFrames);
      const [num, den] = info.r_frame_rate.split('/').map(Number);
      expect(record.numFrames / (num / den)).toBeCloseTo(record.endTime, 2);
    });
  });

  it('reports progress once per clip', () => {
    expect(progress).toHaveLength(36);
    expect(progress[progress.length - 1]).toMatchObject({ done: 36, total: 36, generated: 36 });
  });

  it('resumes: reruns only missing clips, byte-identical, and leaves finished ones alone', async () => {
    const clipsDir = path.join(out, CLIPS_DIR);
    const csv = readFileSync(path.join(out, VIDEOSET_FILE), 'utf8');
    const [a, b, ...rest] = planDataset('tiny', SEED, 'easy').map((clip) => path.join(clipsDir, `${clip.videoId}.mp4`));
    const hashes = new Map([a, b].map((file) => [file, sha256(file)]));
    const untouched = rest[0];
    const untouchedTime = statSync(untouched).mtimeMs;
    rmSync(a);
    rmSync(b);
    rmSync(path.join(out, VIDEOSET_FILE));

    const second = await generateDataset({ size: 'tiny', out, seed: SEED, workers: 2 });
    expect(second).toMatchObject({ clips: 36, generated: 2, skipped: 34 });
    expect(readFileSync(path.join(out, VIDEOSET_FILE), 'utf8')).toBe(csv);
    for (const [file, hash] of hashes) expect(sha256(file)).toBe(hash);
    expect(statSync(untouched).mtimeMs).toBe(untouchedTime);
    expect(readdirSync(clipsDir).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('records what the folder holds in synth.json and refuses to add clips of other options to it', async () => {
    expect(JSON.parse(readFileSync(path.join(out, SYNTH_MANIFEST_FILE), 'utf8'))).toEqual({
      format: 'a2d-synth',
      size: 'tiny',
      difficulty: 'easy',
      revision: DIFFICULTY_REVISIONS.easy,
      seed: SEED,
      clips: 36,
    });
    await expect(readSynthManifest(out)).resolves.toMatchObject({ size: 'tiny', difficulty: 'easy' });
    await expect(generateDataset({ size: 'tiny', difficulty: 'hard', out, seed: SEED })).rejects.toThrow(
      /synth\.json: this folder holds the synthetic dataset tiny\/easy r2\/seed 5, not tiny\/hard\/seed 5/,
    );
    await expect(generateDataset({ size: 'tiny', out, seed: SEED + 1 })).rejects.toThrow(/not tiny\/easy r2\/seed 6/);
  });

  it('refuses a folder holding a videoset.csv without synth.json, and names a broken synth.json', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-synth-foreign-'));
    try {
      writeFileSync(path.join(dir, VIDEOSET_FILE), 'id,label\n');
      await expect(generateDataset({ size: 'tiny', out: dir })).rejects.toThrow(/videoset\.csv: this folder already holds a dataset without synth\.json/);
      writeFileSync(path.join(dir, SYNTH_MANIFEST_FILE), JSON.stringify({ format: 'a2d-synth', size: 'tiny', difficulty: 'medium', seed: 0, clips: 36 }));
      await expect(readSynthManifest(dir)).rejects.toThrow(/synth\.json: difficulty: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops on abort without writing a CSV or leaving partial clips', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-synth-abort-'));
    try {
      const controller = new AbortController();
      const pending = generateDataset(
        { size: 'tiny', out: dir, seed: SEED, workers: 2 },
        { signal: controller.signal, onProgress: () => controller.abort() },
      );
      await expect(pending).rejects.toThrow(GenerationAbortedError);
      expect(readdirSync(dir).sort()).toEqual([CLIPS_DIR, SYNTH_MANIFEST_FILE]);
      const left = readdirSync(path.join(dir, CLIPS_DIR));
      expect(left.every((name) => name.endsWith('.mp4') && !name.startsWith('.'))).toBe(true);
      expect(left.length).toBeLessThan(36);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('generate options', () => {
  it('fills defaults and accepts the documented sizes', () => {
    expect(parseGenerateOptions({})).toEqual({ size: 'medium', difficulty: 'easy', out: 'data/a2d-synth', seed: 0, workers: 2 });
    expect(parseGenerateOptions({ difficulty: 'hard' })).toMatchObject({ difficulty: 'hard' });
    expect(parseGenerateOptions({ size: 'full', seed: 3, workers: 4, out: 'x' })).toMatchObject({ size: 'full', workers: 4 });
  });

  it.each([
    [{ size: 'huge' }, /size: .*got "huge"/],
    [{ difficulty: 'medium' }, /difficulty: .*got "medium"/],
    [{ seed: -1 }, /seed: .*got -1/],
    [{ seed: 1.5 }, /seed: .*got 1\.5/],
    [{ workers: 0 }, /workers: .*got 0/],
    [{ out: '' }, /out: expected a folder path/],
    [{ sizes: 'tiny' }, /sizes/],
  ])('rejects %j naming the option', (raw, message) => {
    expect(() => parseGenerateOptions(raw)).toThrow(ConfigError);
    expect(() => parseGenerateOptions(raw)).toThrow(message);
  });

  it('fails before touching the disk when an option is bad', async () => {
    const dir = path.join(os.tmpdir(), `a2d-synth-never-${process.pid}`);
    await expect(generateDataset({ size: 'tiny', out: dir, workers: -2 })).rejects.toThrow(/workers/);
    expect(() => statSync(dir)).toThrow();
  });

  it('the CLI prints the bad option and exits non-zero', () => {
    const root = path.resolve(__dirname, '../../..');
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['packages/synth/src/cli/generate.ts', '--size=huge', '--out=/tmp/never'], {
        cwd: root,
        stdio: 'pipe',
      });
    } catch (error) {
      failure = { status: (error as { status: number }).status, stderr: String((error as { stderr: Buffer }).stderr) };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toMatch(/size: .*got "huge"/);
  });
});
