/**
 * Throughput of the train transform on typed arrays against the same crop + flip + colour jitter done
 * with @tensorflow/tfjs ops on the tfjs `cpu` backend, measured in the same run on the same clips and
 * the same drawn parameters. Prints clips/s for both and their ratio.
 *
 *   npx nx run augment:bench            (or: cd packages/augment && npx tsx bench/augment.ts [--rounds=N])
 */
import * as tf from '@tensorflow/tfjs';
import { Rng, augmentConfigSchema, createClip, parseArgs, type Clip } from '@a2d/core';
import { adjustClipColor, drawColorJitter, type ColorJitterParams } from '../src/color-jitter';
import { buildTrainTransform } from '../src/clip-pipelines';
import { drawResizedCropBox } from '../src/random-resized-crop';
import { flipClipHorizontally } from '../src/horizontal-flip';
import { resampleRegion, type CropBox } from '../src/resample-region';

const FRAMES = 8;
const HEIGHT = 128;
const WIDTH = 160;
const { flags } = parseArgs(process.argv.slice(2));
/** Rounds of the interleaved measurement; each round runs `OURS_PER_ROUND` typed-array clips and one tfjs clip. */
const ROUNDS = Number(flags.rounds ?? 12);
const OURS_PER_ROUND = 10;

const config = augmentConfigSchema.parse({});
const CROP = config.cropSize;
const jitterOptions = { ...config.colorJitter, prob: 1 };

/** Smooth moving shapes plus noise, so hue and clamping see realistic, varied pixels. */
function syntheticClip(rng: Rng): Clip {
  const clip = createClip(FRAMES, HEIGHT, WIDTH);
  const phase = rng.uniform(0, 6.28);
  let o = 0;
  for (let t = 0; t < FRAMES; t++) {
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) {
        clip.data[o++] = 128 + 100 * Math.sin(x / 17 + phase + t / 5) + rng.int(-20, 20);
        clip.data[o++] = 128 + 100 * Math.cos(y / 13 - phase) + rng.int(-20, 20);
        clip.data[o++] = (x + y + 8 * t) & 0xff;
      }
    }
  }
  return clip;
}

interface DrawnParams {
  box: CropBox;
  jitter: ColorJitterParams;
}

function drawParams(rng: Rng): DrawnParams {
  return {
    box: drawResizedCropBox(rng, { height: HEIGHT, width: WIDTH }, config.randomResizedCrop.scale, config.randomResizedCrop.ratio),
    jitter: drawColorJitter(rng, jitterOptions) as ColorJitterParams,
  };
}

/** Crop + flip + jitter with this package's typed-array kernels (flip always on, as in the peer). */
function typedArrayAugment(clip: Clip, params: DrawnParams): Uint8Array {
  return adjustClipColor(flipClipHorizontally(resampleRegion(clip, params.box, CROP, CROP)), params.jitter).data;
}

const LUMA = [0.2989, 0.587, 0.114];

function tfGrey(x: tf.Tensor4D): tf.Tensor4D {
  return tf.sum(tf.mul(x, tf.tensor1d(LUMA)), -1, true) as tf.Tensor4D;
}

function tfHue(x: tf.Tensor4D, shift: number): tf.Tensor4D {
  const [r, g, b] = tf.split(x, 3, -1);
  const max = tf.maximum(tf.maximum(r, g), b);
  const min = tf.minimum(tf.minimum(r, g), b);
  const chroma = tf.sub(max, min);
  const safe = tf.where(tf.equal(chroma, 0), tf.onesLike(chroma), chroma);
  const hueR = tf.div(tf.sub(g, b), safe);
  const hueG = tf.add(2, tf.div(tf.sub(b, r), safe));
  const hueB = tf.add(4, tf.div(tf.sub(r, g), safe));
  const raw = tf.where(tf.equal(max, r), hueR, tf.where(tf.equal(max, g), hueG, hueB));
  const shifted = tf.add(tf.div(raw, 6), shift + 1);
  const hue6 = tf.mul(tf.sub(shifted, tf.floor(shifted)), 6);
  const channel = (n: number) => {
    const k = tf.mod(tf.add(hue6, n), 6);
    const ramp = tf.clipByValue(tf.minimum(k, tf.sub(4, k)), 0, 1);
    return tf.sub(max, tf.mul(chroma, ramp));
  };
  return tf.concat([channel(5), channel(3), channel(1)], -1) as tf.Tensor4D;
}

/** The same crop + flip + jitter as tfjs ops (cropAndResize samples with aligned corners; same work). */
function tfjsAugment(clip: Clip, params: DrawnParams): Uint8Array {
  const out = tf.tidy(() => {
    const frames = tf.tensor4d(clip.data, [FRAMES, HEIGHT, WIDTH, 3], 'int32').toFloat();
    const { top, left, height, width } = params.box;
    const box = [top / (HEIGHT - 1), left / (WIDTH - 1), (top + height - 1) / (HEIGHT - 1), (left + width - 1) / (WIDTH - 1)];
    let x = tf.image.cropAndResize(frames, tf.tensor2d(Array.from({ length: FRAMES }, () => box)), tf.range(0, FRAMES, 1, 'int32') as tf.Tensor1D, [CROP, CROP], 'bilinear');
    x = tf.reverse(x, 2);
    const j = params.jitter;
    for (const adjustment of j.order) {
      if (adjustment === 'brightness') x = tf.clipByValue(tf.mul(x, j.brightness), 0, 255) as tf.Tensor4D;
      else if (adjustment === 'contrast') {
        const mean = tf.mean(tfGrey(x), [1, 2, 3], true);
        x = tf.clipByValue(tf.add(tf.mul(x, j.contrast), tf.mul(mean, 1 - j.contrast)), 0, 255) as tf.Tensor4D;
      } else if (adjustment === 'saturation') {
        x = tf.clipByValue(tf.add(tf.mul(x, j.saturation), tf.mul(tfGrey(x), 1 - j.saturation)), 0, 255) as tf.Tensor4D;
      } else x = tfHue(x, j.hue);
    }
    return tf.round(x).toInt();
  });
  const bytes = Uint8Array.from(out.dataSync());
  out.dispose();
  return bytes;
}

/**
 * Clips per second of `runs`, measured in interleaved rounds so that load from other processes on the
 * machine falls on every method alike instead of on whichever ran during a busy moment.
 */
function interleavedClipsPerSecond(
  clips: Clip[],
  params: DrawnParams[],
  runs: { perRound: number; run: (clip: Clip, p: DrawnParams) => unknown }[],
): number[] {
  const elapsed = runs.map(() => 0);
  for (const { run } of runs) run(clips[0], params[0]); // warm-up (JIT, tfjs kernels)
  let next = 0;
  for (let round = 0; round < ROUNDS; round++) {
    runs.forEach(({ perRound, run }, index) => {
      const start = performance.now();
      for (let i = 0; i < perRound; i++, next++) run(clips[next % clips.length], params[next % params.length]);
      elapsed[index] += performance.now() - start;
    });
  }
  return runs.map(({ perRound }, index) => (ROUNDS * perRound * 1000) / elapsed[index]);
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  const rng = new Rng(2024);
  const clips = Array.from({ length: 8 }, () => syntheticClip(rng));
  const params = Array.from({ length: 32 }, () => drawParams(rng));

  let differenceSum = 0;
  let compared = 0;
  for (let i = 0; i < 4; i++) {
    const a = typedArrayAugment(clips[i], params[i]);
    const b = tfjsAugment(clips[i], params[i]);
    for (let k = 0; k < a.length; k++) differenceSum += Math.abs(a[k] - b[k]);
    compared += a.length;
  }
  const difference = differenceSum / compared;

  const train = buildTrainTransform(config);
  const trainRng = new Rng(7);
  const [ours, peer, full] = interleavedClipsPerSecond(clips, params, [
    { perRound: OURS_PER_ROUND, run: typedArrayAugment },
    { perRound: 1, run: tfjsAugment },
    { perRound: OURS_PER_ROUND, run: (clip) => train(clip, trainRng) },
  ]);

  console.log(`clips ${FRAMES}x${HEIGHT}x${WIDTH} -> ${FRAMES}x${CROP}x${CROP}; tfjs ${tf.version_core} backend=${tf.getBackend()}`);
  console.log(`crop+flip+jitter, typed arrays : ${ours.toFixed(1)} clips/s (${ROUNDS * OURS_PER_ROUND} clips)`);
  console.log(`crop+flip+jitter, tfjs cpu ops : ${peer.toFixed(1)} clips/s (${ROUNDS} clips, interleaved with the above)`);
  console.log(`ratio typed arrays / tfjs      : ${(ours / peer).toFixed(2)}x`);
  console.log(`default train transform        : ${full.toFixed(1)} clips/s (${ROUNDS * OURS_PER_ROUND} clips; config defaults: p(jitter)=${config.colorJitter.prob}, p(erase)=${config.randomErasing.prob})`);
  console.log(`mean |typed - tfjs| per byte   : ${difference.toFixed(2)} (crop sampling conventions differ: half-pixel vs aligned corners)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
