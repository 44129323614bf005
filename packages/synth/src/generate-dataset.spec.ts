import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '@a2d/core';
import { ANNOTATIONS_DIR, matAnnotationFolder, readClipAnnotations, readVideoset, type InstanceMask } from '@a2d/ingest';
import {
  CLIPS_DIR,
  generateDataset,
  VIDEOSET_FILE,
  type GenerateProgress,
  type GenerateSummary,
} from './generate-dataset';
import { DIFFICULTY_REVISIONS } from './difficulty';
import { ClipRenderer } from './clip-renderer';
import { GenerationAbortedError, sceneOfClip } from './clip-writer';
import { parseGenerateOptions } from './generate-options';
import { planDataset } from './dataset-plan';
import { readSynthManifest, sameSynth, SYNTH_MANIFEST_FILE } from './synth-manifest';

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

/**
 * What `tiny`, seed 5 generated before annotations existed (easy r2, hard r1), recorded with that code: the CSV, every
 * rendered frame of every clip (what the encoder is fed), and the mp4 bytes with the ffmpeg that recorded them.
 */
const BEFORE_ANNOTATIONS = {
  csv: 'dc4abc9dff78b65c2f8f050f5e0f02da3eebe8a2fd93d5a3e343a732af9e2a7b',
  frames: {
    easy: '63130afa9a261074544b4645391ead7a3b1436e3ee1863a287997308eb6a33c1',
    hard: '71b24eb3dbe8542fa18b361ea919dbf27118afc5807e2f1c001ec3fb62a528c4',
  },
  mp4: { ffmpeg: 'ffmpeg version 5.1.9-0+deb12u1', easy: '643c3168c849dfc9501e5d735d1021eb93d87600c5c12cd5f16209c3888adc88' },
};

/** sha256 of every rendered frame of every clip of a tiny dataset, in plan order. */
function renderedFramesHash(difficulty: 'easy' | 'hard'): string {
  const hash = createHash('sha256');
  for (const clip of planDataset('tiny', SEED, difficulty)) {
    const renderer = new ClipRenderer(sceneOfClip(clip));
    const frame = new Uint8Array(clip.renderWidth * clip.renderHeight * 3);
    for (let i = 0; i < clip.numFrames; i++) hash.update(renderer.renderFrame(i, frame));
  }
  return hash.digest('hex');
}

/** Bounding box of a mask (0-based, inclusive), computed here from its pixels. */
function maskBox(mask: InstanceMask): { x1: number; y1: number; x2: number; y2: number } {
  const box = { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity };
  for (let p = 0; p < mask.data.length; p++) {
    if (!mask.data[p]) continue;
    const x = p % mask.width;
    const y = (p - x) / mask.width;
    box.x1 = Math.min(box.x1, x);
    box.x2 = Math.max(box.x2, x);
    box.y1 = Math.min(box.y1, y);
    box.y2 = Math.max(box.y2, y);
  }
  return box;
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

  it('writes the A2D layout: videoset.csv, one H.264 clip per row and the annotations, nothing else', async () => {
    expect(first).toMatchObject({ clips: 36, generated: 36, skipped: 0 });
    expect(readdirSync(out).sort()).toEqual([ANNOTATIONS_DIR, CLIPS_DIR, SYNTH_MANIFEST_FILE, VIDEOSET_FILE].sort());
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

  it('keeps the clips of the revision before annotations: same videoset.csv, frames and (same ffmpeg) mp4 bytes', () => {
    expect(sha256(path.join(out, VIDEOSET_FILE))).toBe(BEFORE_ANNOTATIONS.csv);
    expect(renderedFramesHash('easy')).toBe(BEFORE_ANNOTATIONS.frames.easy);
    expect(renderedFramesHash('hard')).toBe(BEFORE_ANNOTATIONS.frames.hard);
    const ffmpeg = execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0];
    const clipHashes = planDataset('tiny', SEED, 'easy').map((clip) => `${sha256(path.join(out, CLIPS_DIR, `${clip.videoId}.mp4`))}\n`);
    const mp4 = createHash('sha256').update(clipHashes.join('')).digest('hex');
    // x264's bytes depend on its build: other ffmpeg builds are held to the frames they encode (above).
    if (ffmpeg.startsWith(BEFORE_ANNOTATIONS.mp4.ffmpeg)) expect(mp4).toBe(BEFORE_ANNOTATIONS.mp4.easy);
    else console.warn(`mp4 bytes not compared: recorded with ${BEFORE_ANNOTATIONS.mp4.ffmpeg}, this is ${ffmpeg}`);
  });

  it("annotates numAnnotatedFrames frames of every clip, the clip's actor first, boxes inside the frame around the masks", async () => {
    const records = await readVideoset(path.join(out, VIDEOSET_FILE));
    for (const [i, record] of records.entries()) {
      // Masks of every fourth clip: decoding all 36 clips' masks would only repeat the check.
      const frames = await readClipAnnotations(out, record.videoId, { masks: i % 4 === 0 });
      expect(frames).toHaveLength(record.numAnnotatedFrames);
      for (const frame of frames) {
        expect(frame.frameIndex).toBeLessThan(record.numFrames);
        expect(frame.instances[0]).toMatchObject({ id: record.label, actor: record.actor, action: record.action });
        for (const { box, mask } of frame.instances) {
          expect(box.x1).toBeGreaterThanOrEqual(0);
          expect(box.y1).toBeGreaterThanOrEqual(0);
          expect(box.x2).toBeLessThan(record.width);
          expect(box.y2).toBeLessThan(record.height);
          if (mask) {
            expect(mask).toMatchObject({ width: record.width, height: record.height });
            expect(maskBox(mask)).toEqual(box);
          }
        }
      }
      // Spread over the clip: the first annotated frame in its first part, the last in its last part.
      expect(frames[0].frameIndex).toBeLessThan(record.numFrames / record.numAnnotatedFrames);
      expect(frames[frames.length - 1].frameIndex).toBeGreaterThanOrEqual(record.numFrames - record.numFrames / record.numAnnotatedFrames - 1);
    }
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
      annotations: true,
    });
    await expect(readSynthManifest(out)).resolves.toMatchObject({ size: 'tiny', difficulty: 'easy' });
    await expect(generateDataset({ size: 'tiny', difficulty: 'hard', out, seed: SEED })).rejects.toThrow(
      /synth\.json: this folder holds the synthetic dataset tiny\/easy r2\/seed 5, not tiny\/hard\/seed 5/,
    );
    await expect(generateDataset({ size: 'tiny', out, seed: SEED + 1 })).rejects.toThrow(/not tiny\/easy r2\/seed 6/);
  });

  it('accepts a folder of the previous revision (same clips, no annotations) and completes it without touching its clips', async () => {
    const manifestFile = path.join(out, SYNTH_MANIFEST_FILE);
    const current = readFileSync(manifestFile, 'utf8');
    rmSync(path.join(out, ANNOTATIONS_DIR), { recursive: true });
    // What the generator wrote before annotations existed.
    writeFileSync(manifestFile, JSON.stringify({ format: 'a2d-synth', size: 'tiny', difficulty: 'easy', revision: 2, seed: SEED, clips: 36 }));
    const older = await readSynthManifest(out);
    expect(older).toMatchObject({ revision: 2, annotations: false });
    expect(older && sameSynth(older, { size: 'tiny', difficulty: 'easy', seed: SEED })).toBe(true);
    expect(older && sameSynth({ ...older, revision: 1 }, { size: 'tiny', difficulty: 'easy', seed: SEED })).toBe(false);
    const [planned] = planDataset('tiny', SEED, 'easy');
    await expect(readClipAnnotations(out, planned.videoId)).resolves.toEqual([]);

    const clip = path.join(out, CLIPS_DIR, `${planned.videoId}.mp4`);
    const clipTime = statSync(clip).mtimeMs;
    const upgrade = await generateDataset({ size: 'tiny', out, seed: SEED, workers: 2 });
    expect(upgrade).toMatchObject({ clips: 36, generated: 0, skipped: 36 });
    expect(statSync(clip).mtimeMs).toBe(clipTime);
    expect(readFileSync(manifestFile, 'utf8')).toBe(current);
    for (const each of planDataset('tiny', SEED, 'easy')) {
      expect(readdirSync(matAnnotationFolder(out, each.videoId))).toHaveLength(each.numAnnotatedFrames);
    }
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
      expect(readdirSync(dir).filter((name) => name !== ANNOTATIONS_DIR).sort()).toEqual([CLIPS_DIR, SYNTH_MANIFEST_FILE]);
      expect(JSON.parse(readFileSync(path.join(dir, SYNTH_MANIFEST_FILE), 'utf8'))).toMatchObject({ annotations: false });
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
