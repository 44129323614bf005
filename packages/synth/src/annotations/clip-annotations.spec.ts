import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { Rng, type ActorName, type VideoActionName } from '@a2d/core';
import { colourAnnotationFile, matAnnotationFile, readClipAnnotations, type InstanceBox } from '@a2d/ingest';
import { tripodCamera } from '../camera';
import { ClipRenderer } from '../clip-renderer';
import { sceneOfClip } from '../clip-writer';
import { planDataset, type PlannedClip } from '../dataset-plan';
import { composeScene, type ClipScene } from '../scene';
import { visibleActors, type PixelBox, type VisibleActor } from './actor-masks';
import { annotatedFrameIndices, annotationSegment } from './annotated-frames';
import { hasClipAnnotations, writeClipAnnotations } from './clip-annotation-writer';
import { labelColour } from './colour-png';

const RENDER = { width: 107, height: 80 };
const OUTPUT = { width: 428, height: 320 };
const ZOOM = OUTPUT.height / RENDER.height;

function scene(actor: ActorName, action: VideoActionName, seed: number, difficulty: 'easy' | 'hard' = 'hard'): ClipScene {
  return composeScene(new Rng(seed), { actor, action, ...RENDER, fps: 24, numFrames: 24, difficulty });
}

/** Bounding box of a row-major mask, computed here from its pixels. */
function boxOfMask(mask: Uint8Array, width: number): PixelBox {
  const box = { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity };
  mask.forEach((value, p) => {
    if (value === 0) return;
    const x = p % width;
    const y = Math.floor(p / width);
    box.x1 = Math.min(box.x1, x);
    box.x2 = Math.max(box.x2, x);
    box.y1 = Math.min(box.y1, y);
    box.y2 = Math.max(box.y2, y);
  });
  return box;
}

function subjectOf(actors: VisibleActor[]): VisibleActor | undefined {
  return actors.find((actor) => actor.isSubject);
}

/** Per frame of `indices`, the render pixels (row-major, render size) that change when the subject is moved out of the world. */
function renderedSubjectPixels(s: ClipScene, indices: readonly number[]): Uint8Array[] {
  const withSubject = new ClipRenderer(s);
  const without = new ClipRenderer({ ...s, subject: { ...s.subject, startX: 1e6 } });
  return indices.map((index) => {
    const a = withSubject.renderFrame(index);
    const b = without.renderFrame(index);
    const changed = new Uint8Array(s.width * s.height);
    for (let p = 0; p < changed.length; p++) {
      if (a[3 * p] !== b[3 * p] || a[3 * p + 1] !== b[3 * p + 1] || a[3 * p + 2] !== b[3 * p + 2]) changed[p] = 1;
    }
    return changed;
  });
}

/** Decodes an 8-bit indexed, non-interlaced PNG with filter type 0 rows (what the writer promises) to RGB pixels. */
function decodeIndexedPng(png: Buffer): { width: number; height: number; rgb: Uint8Array } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0;
  let height = 0;
  let palette: Buffer = Buffer.alloc(0);
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([...data.subarray(8)]).toEqual([8, 3, 0, 0, 0]);
    }
    if (type === 'PLTE') palette = data;
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (1 + width)]).toBe(0);
    for (let x = 0; x < width; x++) rgb.set(palette.subarray(3 * raw[y * (1 + width) + 1 + x], 3 * raw[y * (1 + width) + 1 + x] + 3), 3 * (y * width + x));
  }
  return { width, height, rgb };
}

describe('annotated frames', () => {
  it('spreads numAnnotatedFrames distinct frames over the clip, one per equal segment', () => {
    for (let count = 3; count <= 5; count++) {
      for (let numFrames = count; numFrames <= 80; numFrames++) {
        const frames = annotatedFrameIndices(numFrames, count);
        expect(frames).toHaveLength(count);
        frames.forEach((frame, segment) => {
          const { first, last } = annotationSegment(numFrames, count, segment);
          expect(frame).toBeGreaterThanOrEqual(first);
          expect(frame).toBeLessThanOrEqual(last);
          if (segment > 0) expect(frame).toBeGreaterThan(frames[segment - 1]);
        });
        expect(frames[0]).toBeLessThan(numFrames / count);
        expect(frames[count - 1]).toBeGreaterThanOrEqual(numFrames - numFrames / count - 1);
      }
    }
    expect(annotatedFrameIndices(30, 3)).toEqual([4, 14, 24]);
    expect(() => annotatedFrameIndices(2, 3)).toThrow(RangeError);
  });
});

describe('visibleActors (the ground truth drawn again as silhouettes)', () => {
  it('marks pixels the renderer really drew for the subject, boxed by the mask at the output size', () => {
    for (const [actor, action, seed] of [['adult', 'walking', 1], ['dog', 'running', 2], ['ball', 'rolling', 3], ['bird', 'flying', 4], ['car', 'jumping', 5]] as const) {
      const s = scene(actor, action, seed);
      const indices = [0, 11, 23];
      const rendered = renderedSubjectPixels(s, indices);
      for (const [k, index] of indices.entries()) {
        const subject = subjectOf(visibleActors(s, index, OUTPUT));
        if (!subject) throw new Error(`${actor} ${action}: subject invisible in frame ${index}`);
        expect(subject.box).toEqual(boxOfMask(subject.mask, OUTPUT.width));
        expect(subject.area).toBe(subject.mask.reduce((sum, v) => sum + v, 0));
        const drawn = rendered[k];
        let inside = 0;
        for (let y = 0, p = 0; y < OUTPUT.height; y++) {
          for (let x = 0; x < OUTPUT.width; x++, p++) {
            if (subject.mask[p] && drawn[((y / ZOOM) | 0) * RENDER.width + ((x / ZOOM) | 0)]) inside++;
          }
        }
        // Sub-pixel edges aside, every masked pixel is one the subject changed in the rendered frame.
        expect(inside / subject.area).toBeGreaterThan(0.95);
      }
    }
  });

  it('boxes everything the renderer drew for a climber (no shadow), to within one render pixel', () => {
    for (const [actor, seed] of [['adult', 6], ['cat', 7], ['baby', 8]] as const) {
      const base = scene(actor, 'climbing', seed);
      const s: ClipScene = { ...base, distractors: [], foreground: [], camera: tripodCamera(base.camera.x0, base.camera.y0) };
      const indices = [0, 12, 23];
      const rendered = renderedSubjectPixels(s, indices);
      for (const [k, index] of indices.entries()) {
        const subject = subjectOf(visibleActors(s, index, OUTPUT));
        if (!subject) throw new Error(`${actor}: subject invisible in frame ${index}`);
        const drawn = rendered[k];
        drawn.forEach((value, p) => {
          if (!value) return;
          const x = (p % RENDER.width) * ZOOM;
          const y = Math.floor(p / RENDER.width) * ZOOM;
          expect(x + ZOOM - 1).toBeGreaterThanOrEqual(subject.box.x1 - ZOOM);
          expect(x).toBeLessThanOrEqual(subject.box.x2 + ZOOM);
          expect(y + ZOOM - 1).toBeGreaterThanOrEqual(subject.box.y1 - ZOOM);
          expect(y).toBeLessThanOrEqual(subject.box.y2 + ZOOM);
        });
      }
    }
  });

  it.each([
    ['a foreground occluder', (s: ClipScene) => s.foreground.length > 0, (s: ClipScene): ClipScene => ({ ...s, foreground: [] })],
    ['an actor in front', (s: ClipScene) => s.distractors.some((d) => d.groundY > 0), (s: ClipScene): ClipScene => ({ ...s, distractors: s.distractors.filter((d) => d.groundY <= 0) })],
  ])('leaves out what %s hides', (_what, covers, uncover) => {
    let hidden = 0;
    let seen = 0;
    for (let seed = 0; seed < 60 && seen < 2; seed++) {
      const s = scene('adult', 'walking', seed);
      if (!covers(s)) continue;
      seen++;
      const open = uncover(s);
      for (const index of [0, 6, 12, 18, 23]) {
        const covered = subjectOf(visibleActors(s, index, OUTPUT));
        const whole = subjectOf(visibleActors(open, index, OUTPUT));
        if (!whole) continue;
        const coveredMask = covered?.mask ?? new Uint8Array(whole.mask.length);
        let outside = 0;
        for (let p = 0; p < coveredMask.length; p++) if (coveredMask[p] && !whole.mask[p]) outside++;
        expect(outside).toBe(0);
        hidden += whole.area - (covered?.area ?? 0);
      }
    }
    expect(seen).toBe(2);
    expect(hidden).toBeGreaterThan(0);
  });

  it('refuses a size that does not scale the render uniformly', () => {
    expect(() => visibleActors(scene('cat', 'walking', 1), 0, { width: 400, height: 320 })).toThrow(/does not scale/);
    expect(() => visibleActors(scene('cat', 'walking', 1), 24, OUTPUT)).toThrow(/outside 0\.\.23/);
  });
});

describe('writeClipAnnotations (A2D layout, read back with @a2d/ingest)', () => {
  const clips = planDataset('tiny', 5, 'easy');
  // A clip with a distractor, so a frame holds two instances ([N, W, H] masks).
  const clip = clips.find((c) => sceneOfClip(c).distractors.length > 0) as PlannedClip;
  let root: string;
  let again: string;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'a2d-synth-annotations-'));
    again = mkdtempSync(path.join(os.tmpdir(), 'a2d-synth-annotations-again-'));
    expect(await hasClipAnnotations(clip, root)).toBe(false);
    await writeClipAnnotations(clip, root);
    await writeClipAnnotations(clip, again);
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(again, { recursive: true, force: true });
  });

  it("writes numAnnotatedFrames frames, each read back with the clip's label first and the exact masks and boxes", async () => {
    const scene = sceneOfClip(clip);
    const frames = await readClipAnnotations(root, clip.videoId);
    expect(frames).toHaveLength(clip.numAnnotatedFrames);
    expect(frames.map((f) => f.frameIndex)).toEqual(annotatedFrameIndices(clip.numFrames, clip.numAnnotatedFrames));
    for (const frame of frames) {
      expect(frame).toMatchObject({ width: clip.width, height: 320, frame: frame.frameIndex + 1 });
      const expected = visibleActors(scene, frame.frameIndex, { width: clip.width, height: 320 });
      expect(frame.instances.map((i) => i.id)).toEqual(expected.map((v) => (v.isSubject ? clip.label : 10 * (['adult', 'baby', 'ball', 'bird', 'car', 'cat', 'dog'].indexOf(v.actor.appearance.kind) + 1) + 9)));
      expect(frame.instances[0]).toMatchObject({ id: clip.label, actor: clip.actor, action: clip.action });
      frame.instances.forEach((instance, i) => {
        const box: InstanceBox = instance.box;
        expect(box).toEqual(expected[i].box);
        // Buffer equality: jest's deep equality walks a 137k-pixel mask element by element.
        expect(Buffer.from(instance.mask?.data ?? []).equals(expected[i].mask)).toBe(true);
        expect(box.x1).toBeGreaterThanOrEqual(0);
        expect(box.y1).toBeGreaterThanOrEqual(0);
        expect(box.x2).toBeLessThan(clip.width);
        expect(box.y2).toBeLessThan(320);
      });
    }
    expect(frames.some((f) => f.instances.length === 2 && f.instances[1].action === 'none')).toBe(true);
    expect(await hasClipAnnotations(clip, root)).toBe(true);
  });

  it('paints each instance in its label colour on black in the colour PNG', async () => {
    for (const frame of await readClipAnnotations(root, clip.videoId)) {
      const png = decodeIndexedPng(readFileSync(colourAnnotationFile(root, clip.videoId, frame.frame)));
      expect(png).toMatchObject({ width: clip.width, height: 320 });
      const owners = new Int16Array(png.width * png.height).fill(-1);
      frame.instances.forEach((instance, i) => {
        const data = instance.mask?.data ?? new Uint8Array(0);
        for (let p = 0; p < data.length; p++) if (data[p]) owners[p] = i;
      });
      const colours = frame.instances.map((instance) => labelColour(instance.id));
      for (let p = 0; p < png.width * png.height; p++) {
        const expected = owners[p] < 0 ? [0, 0, 0] : colours[owners[p]];
        if (png.rgb[3 * p] !== expected[0] || png.rgb[3 * p + 1] !== expected[1] || png.rgb[3 * p + 2] !== expected[2]) {
          throw new Error(`pixel ${p} of frame ${frame.frame} is ${[...png.rgb.subarray(3 * p, 3 * p + 3)]}, expected ${expected}`);
        }
      }
    }
  });

  it('writes the same bytes on a rerun (the HDF5 clock is fixed) and notices a missing file', async () => {
    for (const frame of await readClipAnnotations(root, clip.videoId, { masks: false })) {
      expect(readFileSync(matAnnotationFile(again, clip.videoId, frame.frame))).toEqual(readFileSync(frame.file));
      expect(readFileSync(colourAnnotationFile(again, clip.videoId, frame.frame))).toEqual(readFileSync(colourAnnotationFile(root, clip.videoId, frame.frame)));
    }
    const [first] = await readClipAnnotations(again, clip.videoId, { masks: false });
    rmSync(colourAnnotationFile(again, clip.videoId, first.frame));
    expect(await hasClipAnnotations(clip, again)).toBe(false);
  });

  describeWithPython('h5py reads the .mat files with A2D names, shapes and MATLAB classes', ['h5py', 'numpy'], (python) => {
    it('as a MATLAB v7.3 file: 512-byte header, id [1, N], reBBox [4, N] 1-based, reMask [W, H] or [N, W, H]', async () => {
      const folder = path.dirname(matAnnotationFile(root, clip.videoId, 1));
      const script = [
        'import h5py, json, sys, numpy as np',
        'out = []',
        'for name in sys.argv[1:]:',
        '    f = h5py.File(name, "r")',
        '    header = open(name, "rb").read(128)',
        '    masks = f["reMask"][()]',
        '    masks = masks[np.newaxis] if masks.ndim == 2 else masks',
        '    boxes = []',
        '    for m in masks:',
        '        cols, rows = np.nonzero(m)  # HDF5 [W, H]: first axis is x',
        '        boxes.append([int(cols.min()) + 1, int(rows.min()) + 1, int(cols.max()) + 1, int(rows.max()) + 1])',
        '    out.append({"keys": sorted(f.keys()), "userblock": f.userblock_size, "header": header[:19].decode("latin1"),',
        '        "version": header[124:128].hex(), "shapes": {k: list(f[k].shape) for k in f}, "dtypes": {k: f[k].dtype.str for k in f},',
        '        "classes": {k: f[k].attrs["MATLAB_class"].decode() for k in f}, "ids": f["id"][0].tolist(),',
        '        "reBBox": f["reBBox"][()].T.tolist(), "maskBoxes": boxes})',
        'print(json.dumps(out))',
      ].join('\n');
      const files = readdirSync(folder).sort().map((name) => path.join(folder, name));
      const result = spawnSync(python, ['-c', script, ...files], { encoding: 'utf8', timeout: 60_000 });
      expect(result.stderr).toBe('');
      const read = JSON.parse(result.stdout) as {
        keys: string[]; userblock: number; header: string; version: string; shapes: Record<string, number[]>; dtypes: Record<string, string>;
        classes: Record<string, string>; ids: number[]; reBBox: number[][]; maskBoxes: number[][];
      }[];
      expect(read).toHaveLength(clip.numAnnotatedFrames);
      for (const frame of read) {
        const n = frame.ids.length;
        expect(frame).toMatchObject({ keys: ['id', 'reBBox', 'reMask'], userblock: 512, header: 'MATLAB 7.3 MAT-file', version: '0002494d' });
        expect(frame.shapes).toEqual({ id: [1, n], reBBox: [4, n], reMask: n === 1 ? [clip.width, 320] : [n, clip.width, 320] });
        expect(frame.dtypes).toEqual({ id: '<f8', reBBox: '<f8', reMask: '|u1' });
        expect(frame.classes).toEqual({ id: 'double', reBBox: 'double', reMask: 'logical' });
        expect(frame.ids[0]).toBe(clip.label);
        // reBBox (1-based, inclusive) is the bounding box of each mask as h5py sees them.
        expect(frame.reBBox).toEqual(frame.maskBoxes);
      }
      expect(read.some((frame) => frame.ids.length === 2)).toBe(true);
    });
  });

  describeWithPython('PIL reads the colour PNGs', ['PIL', 'numpy'], (python) => {
    it('as images of the clip size, black exactly where no instance is', async () => {
      const frames = await readClipAnnotations(root, clip.videoId);
      const script = [
        'import json, sys, numpy as np',
        'from PIL import Image',
        'out = []',
        'for name in sys.argv[1:]:',
        '    image = Image.open(name)',
        '    rgb = np.asarray(image.convert("RGB"))',
        '    out.append({"size": list(image.size), "mode": image.mode, "painted": int((rgb.sum(axis=2) > 0).sum()), "first": rgb[rgb.sum(axis=2) > 0][0].tolist()})',
        'print(json.dumps(out))',
      ].join('\n');
      const files = frames.map((frame) => colourAnnotationFile(root, clip.videoId, frame.frame));
      const result = spawnSync(python, ['-c', script, ...files], { encoding: 'utf8', timeout: 60_000 });
      expect(result.stderr).toBe('');
      const read = JSON.parse(result.stdout) as { size: number[]; mode: string; painted: number; first: number[] }[];
      read.forEach((png, i) => {
        const union = new Uint8Array(clip.width * 320);
        for (const instance of frames[i].instances) {
          const data = instance.mask?.data ?? new Uint8Array(0);
          for (let p = 0; p < data.length; p++) union[p] |= data[p];
        }
        expect(png).toMatchObject({ size: [clip.width, 320], mode: 'P', painted: union.reduce((sum, v) => sum + v, 0) });
        expect(frames[i].instances.map((instance) => [...labelColour(instance.id)])).toContainEqual(png.first);
      });
    });
  });
});

/** `describe` where a Python importing `modules` exists (A2D_TEST_PYTHON, /usr/bin/python3, python3), else skipped saying why. */
function describeWithPython(name: string, modules: string[], body: (python: string) => void): void {
  const tried: string[] = [];
  for (const python of [process.env.A2D_TEST_PYTHON, '/usr/bin/python3', 'python3']) {
    if (!python) continue;
    const probe = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8', timeout: 60_000 });
    if (probe.status === 0) return describe(name, () => body(python));
    tried.push(`${python}: ${(probe.stderr || String(probe.error ?? 'failed')).trim().split('\n').pop()}`);
  }
  console.warn(`skipping "${name}": no Python with ${modules.join(', ')} (${tried.join('; ')}); install python3-h5py python3-numpy python3-pil`);
  describe.skip(name, () => body('python3'));
}
