import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Rng, augmentConfigSchema, createClip, type AugmentConfig, type Clip } from '@a2d/core';
import { buildTestTransform, buildTrainTransform } from './clip-pipelines';
import { centerCropBox } from './center-crop';
import { resampleRegion } from './resample-region';

/** Decodes 8 frames at 160x128 from a real H.264 test-pattern mp4 made with ffmpeg. */
function decodedTestClip(): Clip {
  const folder = mkdtempSync(path.join(tmpdir(), 'augment-pipeline-'));
  try {
    const video = path.join(folder, 'testsrc.mp4');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=8', '-t', '1', '-pix_fmt', 'yuv420p', video]);
    const raw = execFileSync('ffmpeg', ['-v', 'error', '-i', video, '-vf', 'scale=160:128', '-frames:v', '8', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
      maxBuffer: 1 << 24,
    });
    const clip = createClip(8, 128, 160);
    clip.data.set(raw);
    return clip;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const config = (overrides: object = {}): AugmentConfig =>
  augmentConfigSchema.parse({ randomErasing: { prob: 1 }, colorJitter: { prob: 1 }, ...overrides });

describe('train and test pipelines', () => {
  const clip = decodedTestClip();
  const original = clip.data.slice();

  it('produce cropSize x cropSize frames and leave the input untouched', () => {
    const train = buildTrainTransform(config())(clip, new Rng(0));
    const test = buildTestTransform(config())(clip, new Rng(0));
    for (const out of [train, test]) expect([out.numFrames, out.height, out.width, out.data.length]).toEqual([8, 112, 112, 8 * 112 * 112 * 3]);
    expect(sameBytes(clip.data, original)).toBe(true);
  });

  it('are deterministic for a seed and differ across seeds', () => {
    const train = buildTrainTransform(config());
    const a = train(clip, new Rng(42)).data;
    const b = train(clip, new Rng(42)).data;
    const c = train(clip, new Rng(43)).data;
    expect(sameBytes(a, b)).toBe(true);
    expect(sameBytes(a, c)).toBe(false);
  });

  it('give a different augmentation to each clip when one generator is shared across clips', () => {
    const train = buildTrainTransform(config());
    const rng = new Rng(5);
    expect(sameBytes(train(clip, rng).data, train(clip, rng).data)).toBe(false);
  });

  it('apply the same spatial and colour draw to every frame', () => {
    const still = createClip(6, 128, 160);
    for (let t = 0; t < 6; t++) still.data.set(clip.data.subarray(0, 128 * 160 * 3), t * 128 * 160 * 3);
    const train = buildTrainTransform(config({ multiScaleCrop: { enabled: true } }));
    for (const seed of [1, 2, 3]) {
      const out = train(still, new Rng(seed));
      const frame = 112 * 112 * 3;
      for (let t = 1; t < 6; t++) expect(sameBytes(out.data.subarray(t * frame, (t + 1) * frame), out.data.subarray(0, frame))).toBe(true);
    }
  });

  it('test view is the centre crop after resizing the short side to cropSize * testResizeRatio', () => {
    const settings = config({ cropSize: 64, testResizeRatio: 1.25 });
    const expected = resampleRegion(clip, centerCropBox(clip, 64, 80), 64, 64);
    expect(sameBytes(buildTestTransform(settings)(clip, new Rng(7)).data, expected.data)).toBe(true);
  });

  it('with every random step disabled the train pipeline equals the test view', () => {
    const settings = config({
      randomResizedCrop: { enabled: false },
      flipProb: 0,
      colorJitter: { prob: 0 },
      randomErasing: { prob: 0 },
    });
    expect(sameBytes(buildTrainTransform(settings)(clip, new Rng(1)).data, buildTestTransform(settings)(clip, new Rng(2)).data)).toBe(true);
  });
});
