import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeWithTinyFilesystem } from './testing';
import { checkOutputPath, formatByteCount, OutputPathError, outputPathError, writingOutput } from './output-path';
import { runCommandLine } from './command-line';
import { writeFileAtomic, writeFileAtomicSync } from './atomic-write';

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'a2d-output-path-'));
}

async function failure(body: () => Promise<unknown> | unknown): Promise<OutputPathError> {
  const error = await Promise.resolve().then(body).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutputPathError);
  expect((error as Error).message.split('\n')).toHaveLength(1);
  return error as OutputPathError;
}

describe('output paths in the way', () => {
  it('names a file where the folder of the output should be (EEXIST from mkdir), and writes nothing', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'results');
    writeFileSync(file, 'not a folder');
    const error = await failure(() => writeFileAtomic(path.join(file, 'metrics.json'), '{}'));
    expect(error.message).toBe(`${file}: is a file, expected a folder (a parent of ${path.join(file, 'metrics.json')})`);
    expect(error.code).toBe('EEXIST');
    expect(readFileSync(file, 'utf8')).toBe('not a folder');
    expect(readdirSync(dir)).toEqual(['results']);
  });

  it('names a file higher up (ENOTDIR), for the sync writer too', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'plain');
    writeFileSync(file, 'x');
    const target = path.join(file, 'a', 'b', 'out.json');
    expect((await failure(() => writeFileAtomic(target, '{}'))).message).toBe(`${file}: is a file, expected a folder (a parent of ${target})`);
    expect((await failure(() => writeFileAtomicSync(target, '{}'))).code).toBe('ENOTDIR');
  });

  it('names a folder where a file should be written (EISDIR from rename), and leaves no temp file', async () => {
    const dir = tempDir();
    const folder = path.join(dir, 'sheet.png');
    mkdirSync(folder);
    const error = await failure(() => writeFileAtomic(folder, 'png'));
    expect(error.message).toBe(`${folder}: is a folder, expected a file`);
    expect(readdirSync(dir)).toEqual(['sheet.png']);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('checkOutputPath says the same before anything is written; a missing path is fine', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'file'), 'x');
    mkdirSync(path.join(dir, 'folder'));
    expect(() => checkOutputPath(path.join(dir, 'file'), 'folder')).toThrow(`${path.join(dir, 'file')}: is a file, expected a folder`);
    expect(() => checkOutputPath(path.join(dir, 'folder'), 'file')).toThrow(`${path.join(dir, 'folder')}: is a folder, expected a file`);
    expect(() => checkOutputPath(path.join(dir, 'file', 'x.png'), 'file')).toThrow(`${path.join(dir, 'file')}: is a file, expected a folder (a parent of`);
    expect(() => checkOutputPath(path.join(dir, 'new', 'deeper', 'x.png'), 'file')).not.toThrow();
    expect(() => checkOutputPath(path.join(dir, 'folder'), 'folder')).not.toThrow();
  });

  it('maps permission and read-only errors to the nearest existing folder; leaves other errors alone', async () => {
    const dir = tempDir();
    const denied = Object.assign(new Error(`EACCES: permission denied, open '${dir}/x/.tmp'`), { code: 'EACCES' });
    expect(outputPathError(denied, { path: path.join(dir, 'x', 'out.csv'), kind: 'file' })?.message).toBe(`${dir}: permission denied, cannot write out.csv`);
    const readOnly = Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
    expect(outputPathError(readOnly, { path: dir, kind: 'folder', what: 'checkpoint last' })?.message).toBe(`${dir}: read-only file system, cannot write checkpoint last`);
    const bug = new TypeError('x is not a function');
    expect(outputPathError(bug, { path: dir, kind: 'folder' })).toBeUndefined();
    await expect(writingOutput({ path: dir, kind: 'folder' }, () => Promise.reject(bug))).rejects.toBe(bug);
  });

  it('formats byte counts exactly, with a readable size from 1 KiB', () => {
    expect(formatByteCount(1)).toBe('1 byte');
    expect(formatByteCount(1000)).toBe('1000 bytes');
    expect(formatByteCount(1048576)).toBe('1048576 bytes (1.0 MiB)');
    expect(formatByteCount(262144)).toBe('262144 bytes (256.0 KiB)');
  });
});

describeWithTinyFilesystem('a full disk (a real 256 KiB tmpfs)', 256 * 1024, (disk) => {
  it('names the folder, the bytes needed and the bytes free; the old file stays and no temp file is left', async () => {
    const target = path.join(disk().dir, 'sheet.png');
    await writeFileAtomic(target, 'old');
    const error = await failure(() => writeFileAtomic(target, new Uint8Array(1024 * 1024)));
    expect(error.code).toBe('ENOSPC');
    // 'old' takes one 4 KiB page of the tmpfs.
    expect(error.message).toBe(`${disk().dir}: disk full: sheet.png needs 1048576 bytes (1.0 MiB), ${formatByteCount(disk().free())} free`);
    expect(disk().free()).toBeGreaterThan(200 * 1024);
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(readdirSync(disk().dir)).toEqual(['sheet.png']);
    expect(() => writeFileAtomicSync(target, new Uint8Array(1024 * 1024))).toThrow(/disk full: sheet\.png needs 1048576 bytes/);
    expect(readdirSync(disk().dir)).toEqual(['sheet.png']);
  });

  it('reaches runCommandLine as one line and exit code 1, not an internal error', async () => {
    disk().fill();
    const lines: string[] = [];
    let exit = -1;
    const code = await runCommandLine('test:write', 'usage: test:write', () => writeFileAtomic(path.join(disk().dir, 'out', 'metrics.json'), '{"a":1}\n'), {
      error: (line) => lines.push(line),
      exit: (c) => (exit = c),
    });
    expect(code).toBe(1);
    expect(exit).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^test:write: ${disk().dir}(/out)?: disk full: metrics\\.json needs 8 bytes, 0 bytes free$`));
  });
});
