import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatasetError } from '@a2d/core';
import { annotationFrameName, matAnnotationFile, matAnnotationFolder, parseAnnotationFrameName } from './annotation-layout';
import { readClipAnnotations } from './clip-annotations';
import { readFrameAnnotation, type InstanceMask } from './frame-annotation';

// Written by fixtures/make-fixtures.py the way MATLAB's save -v7.3 writes (512-byte header, column-major arrays).
const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (name: string) => path.join(FIXTURES, name);

/** Bounding box of a mask, 0-based inclusive, computed here from the pixels. */
function maskBox(mask: InstanceMask): { x1: number; y1: number; x2: number; y2: number } {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[y * mask.width + x] === 0) continue;
      x1 = Math.min(x1, x);
      x2 = Math.max(x2, x);
      y1 = Math.min(y1, y);
      y2 = Math.max(y2, y);
    }
  }
  return { x1, y1, x2, y2 };
}

function count(mask: InstanceMask): number {
  return mask.data.reduce((sum, value) => sum + value, 0);
}

describe('readFrameAnnotation (MATLAB v7.3 files as A2D ships them)', () => {
  it('reads one instance: id, actor, action, the 0-based box and the row-major mask behind the 512-byte header', async () => {
    const annotation = await readFrameAnnotation(fixture('single.mat'));
    expect(annotation).toMatchObject({ width: 12, height: 8 });
    expect(annotation.instances).toHaveLength(1);
    const [adult] = annotation.instances;
    expect(adult).toMatchObject({ id: 11, actor: 'adult', action: 'climbing', box: { x1: 2, y1: 1, x2: 5, y2: 6 } });
    // The script painted columns 2..5 of rows 1..6: a column-major mistake would swap them (and not fit 12 x 8).
    expect(adult.mask && maskBox(adult.mask)).toEqual(adult.box);
    expect(adult.mask && count(adult.mask)).toBe(4 * 6);
    expect(adult.mask?.data[1 * 12 + 2]).toBe(1);
    expect(adult.mask?.data[0 * 12 + 2]).toBe(0);
  });

  it('reads several instances from [4, N] boxes and [N, W, H] masks, none-action actors included', async () => {
    const { instances } = await readFrameAnnotation(fixture('two-instances.mat'));
    expect(instances.map(({ id, actor, action }) => ({ id, actor, action }))).toEqual([
      { id: 44, actor: 'bird', action: 'flying' },
      { id: 79, actor: 'dog', action: 'none' },
    ]);
    expect(instances[0].box).toEqual({ x1: 7, y1: 0, x2: 10, y2: 2 });
    expect(instances[1].box).toEqual({ x1: 1, y1: 5, x2: 9, y2: 7 });
    for (const instance of instances) expect(instance.mask && maskBox(instance.mask)).toEqual(instance.box);
  });

  it('leaves the masks out when asked to', async () => {
    const annotation = await readFrameAnnotation(fixture('two-instances.mat'), { masks: false });
    expect(annotation.instances.every((instance) => instance.mask === undefined)).toBe(true);
    expect(annotation.width).toBeUndefined();
    expect(annotation.instances[1].box).toEqual({ x1: 1, y1: 5, x2: 9, y2: 7 });
  });

  it.each([
    ['missing-bbox.mat', 'reBBox', /reBBox: missing: an A2D annotation file holds the instances' boxes in "reBBox" \(this file holds id, reMask\)/],
    ['transposed-bbox.mat', 'reBBox', /reBBox: expected shape \[4, 2\] .*found \[2, 4\]/],
    ['bad-id.mat', 'id', /id: id\[0\] is 42, not an A2D actor-action code/],
  ])('rejects %s naming the file and the variable %s', async (name, field, message) => {
    const attempt = readFrameAnnotation(fixture(name));
    await expect(attempt).rejects.toThrow(DatasetError);
    await expect(readFrameAnnotation(fixture(name))).rejects.toMatchObject({ file: fixture(name), field });
    await expect(readFrameAnnotation(fixture(name))).rejects.toThrow(message);
  });

  describe('damaged files', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-mat-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('names a file that is not HDF5, a v5 MAT-file and an empty one', async () => {
      const garbage = path.join(dir, 'garbage.mat');
      writeFileSync(garbage, Buffer.alloc(2048, 7));
      await expect(readFrameAnnotation(garbage)).rejects.toThrow(`${garbage}: not a MATLAB v7.3 MAT-file: no HDF5 signature at byte 0, 512, 1024, ...`);
      const v5 = path.join(dir, 'v5.mat');
      writeFileSync(v5, Buffer.concat([Buffer.from('MATLAB 5.0 MAT-file, Platform: GLNXA64'.padEnd(116, ' ')), Buffer.alloc(400)]));
      await expect(readFrameAnnotation(v5)).rejects.toThrow(/v5\.mat: a MATLAB v5\/v7 MAT-file, not v7\.3 \(HDF5\): resave it/);
      const empty = path.join(dir, 'empty.mat');
      writeFileSync(empty, '');
      await expect(readFrameAnnotation(empty)).rejects.toThrow(DatasetError);
    });

    it('names a truncated file', async () => {
      const truncated = path.join(dir, 'truncated.mat');
      const bytes = readFileSync(fixture('two-instances.mat'));
      writeFileSync(truncated, bytes.subarray(0, 1200));
      const attempt = readFrameAnnotation(truncated);
      await expect(attempt).rejects.toThrow(DatasetError);
      await expect(readFrameAnnotation(truncated)).rejects.toThrow(new RegExp(`^${truncated.replace(/[.]/g, '\\.')}: .*(damaged or truncated)`));
    });

    it('names a file that does not exist', async () => {
      const missing = path.join(dir, 'nowhere.mat');
      await expect(readFrameAnnotation(missing)).rejects.toThrow(`${missing}: cannot read the annotation file: ENOENT`);
    });
  });
});

describe('readClipAnnotations', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'a2d-annotations-'));
    const folder = matAnnotationFolder(root, 'clipA000001');
    mkdirSync(folder, { recursive: true });
    copyFileSync(fixture('two-instances.mat'), matAnnotationFile(root, 'clipA000001', 25));
    copyFileSync(fixture('single.mat'), matAnnotationFile(root, 'clipA000001', 3));
    writeFileSync(path.join(folder, 'notes.txt'), 'not an annotation');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lists the annotated frames in frame order with 1-based numbers and 0-based indices', async () => {
    const frames = await readClipAnnotations(root, 'clipA000001');
    expect(frames.map(({ frame, frameIndex, instances }) => ({ frame, frameIndex, ids: instances.map((i) => i.id) }))).toEqual([
      { frame: 3, frameIndex: 2, ids: [11] },
      { frame: 25, frameIndex: 24, ids: [44, 79] },
    ]);
    expect(frames[1].file).toBe(path.join(root, 'Annotations', 'mat', 'clipA000001', '00025.mat'));
  });

  it('gives an empty list for a clip, or a whole dataset, without annotations', async () => {
    await expect(readClipAnnotations(root, 'noSuchClip1')).resolves.toEqual([]);
    const bare = mkdtempSync(path.join(os.tmpdir(), 'a2d-no-annotations-'));
    try {
      await expect(readClipAnnotations(bare, 'clipA000001')).resolves.toEqual([]);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('passes a broken file on as the typed error naming it', async () => {
    const broken = mkdtempSync(path.join(os.tmpdir(), 'a2d-broken-annotations-'));
    try {
      mkdirSync(matAnnotationFolder(broken, 'clipA000001'), { recursive: true });
      const file = matAnnotationFile(broken, 'clipA000001', 7);
      copyFileSync(fixture('bad-id.mat'), file);
      await expect(readClipAnnotations(broken, 'clipA000001')).rejects.toMatchObject({ file, field: 'id' });
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});

describe('annotation file names', () => {
  it('are 5-digit 1-based frame numbers', () => {
    expect(annotationFrameName(25)).toBe('00025');
    expect(annotationFrameName(12345)).toBe('12345');
    expect(() => annotationFrameName(0)).toThrow(RangeError);
    expect(() => annotationFrameName(2.5)).toThrow(RangeError);
    expect(parseAnnotationFrameName('00025.mat', '.mat')).toBe(25);
    expect(parseAnnotationFrameName('00025.png', '.mat')).toBeUndefined();
    expect(parseAnnotationFrameName('25.mat', '.mat')).toBeUndefined();
    expect(parseAnnotationFrameName('00000.mat', '.mat')).toBeUndefined();
  });
});
