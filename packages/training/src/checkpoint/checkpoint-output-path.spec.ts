import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatByteCount, OutputPathError } from '@a2d/core';
import { describeWithTinyFilesystem } from '@a2d/core/testing';
import { CheckpointStore } from './checkpoint-store';

// A checkpoint that cannot be written is one line naming the checkpoints folder (and, for a full disk, the bytes the
// checkpoint needs and the bytes free), and the previous checkpoint of that tag stays readable.

async function writeFailure(store: CheckpointStore, tag: string, files: Record<string, Uint8Array | string>): Promise<OutputPathError> {
  const error = await store.write(tag, files, 2).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(OutputPathError);
  expect((error as Error).message.split('\n')).toHaveLength(1);
  return error as OutputPathError;
}

describeWithTinyFilesystem('CheckpointStore.write on a full disk (a real 256 KiB tmpfs)', 256 * 1024, (disk) => {
  it('names the checkpoints folder and the bytes needed; the previous checkpoint stays intact, no temp folder is left', async () => {
    const store = new CheckpointStore(path.join(disk().dir, 'checkpoints'));
    await store.write('last', { 'state.json': '{"epoch":1}', 'model/weights.bin': new Uint8Array(16 * 1024).fill(1) }, 1);
    const error = await writeFailure(store, 'last', { 'state.json': '{"epoch":2}', 'model/weights.bin': new Uint8Array(600 * 1024).fill(2) });
    expect(error.code).toBe('ENOSPC');
    expect(error.message).toBe(`${store.dir}: disk full: checkpoint last needs ${formatByteCount(600 * 1024 + 11)}, ${formatByteCount(disk().free())} free`);
    const { manifest, files } = await store.read('last');
    expect(manifest.globalStep).toBe(1);
    expect(files.get('state.json')?.toString()).toBe('{"epoch":1}');
    expect(readdirSync(store.dir)).toEqual(['last']);
  });

  it('fails the same way when the disk is full before the first checkpoint', async () => {
    const store = new CheckpointStore(path.join(disk().dir, 'checkpoints'));
    disk().fill();
    const error = await writeFailure(store, 'epoch-1', { 'state.json': '{"epoch":1}', 'w.bin': new Uint8Array(8192) });
    expect(error.message).toMatch(new RegExp(`^${store.dir}: disk full: checkpoint epoch-1 needs 8203 bytes \\(8\\.0 KiB\\), 0 bytes free$`));
    expect(readdirSync(store.dir)).toEqual([]);
  });
});

describe('CheckpointStore.write with a file in the way', () => {
  it('names the checkpoints path that is a file, or its parent that is', async () => {
    const base = mkdtempSync(path.join(os.tmpdir(), 'a2d-ckpt-path-'));
    writeFileSync(path.join(base, 'checkpoints'), 'a file');
    let error = await writeFailure(new CheckpointStore(path.join(base, 'checkpoints')), 'last', { 'a.json': '{}' });
    expect(error.message).toBe(`${path.join(base, 'checkpoints')}: is a file, expected a folder`);
    error = await writeFailure(new CheckpointStore(path.join(base, 'checkpoints', 'inner')), 'last', { 'a.json': '{}' });
    expect(error.message).toBe(`${path.join(base, 'checkpoints')}: is a file, expected a folder (a parent of ${path.join(base, 'checkpoints', 'inner')})`);
  });
});
