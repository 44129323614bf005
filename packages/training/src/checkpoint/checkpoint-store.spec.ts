import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointError } from './checkpoint-error';
import { CheckpointStore, readCheckpointDir } from './checkpoint-store';

const fresh = () => new CheckpointStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'a2d-ckpt-')), 'checkpoints'));

describe('CheckpointStore', () => {
  it('writes a folder with a manifest and reads it back verified', async () => {
    const store = fresh();
    await store.write('epoch-1', { 'a.json': '{"x":1}', 'model/weights.bin': new Uint8Array([1, 2, 3]) }, 7);
    const { manifest, files } = await store.read('epoch-1');
    expect(manifest.globalStep).toBe(7);
    expect(Object.keys(manifest.files).sort()).toEqual(['a.json', 'model/weights.bin']);
    expect([...files.get('model/weights.bin')!]).toEqual([1, 2, 3]);
    expect(await store.tags()).toEqual(['epoch-1']);
  });

  it('names the file that fails its checksum, is truncated, missing or unlisted', async () => {
    const store = fresh();
    const dir = await store.write('last', { 'state.json': 'abcdef', 'w.bin': new Uint8Array([9, 9]) }, 1);
    writeFileSync(path.join(dir, 'state.json'), 'abcdeX');
    await expect(store.read('last')).rejects.toThrow(/state\.json: fails its SHA-256 checksum/);
    writeFileSync(path.join(dir, 'state.json'), 'abc');
    await expect(store.read('last')).rejects.toThrow(/state\.json: size 3 bytes, manifest says 6/);
    writeFileSync(path.join(dir, 'state.json'), 'abcdef');
    writeFileSync(path.join(dir, 'extra.bin'), 'x');
    await expect(store.read('last')).rejects.toThrow(/files not in the manifest: extra\.bin/);
    await expect(readCheckpointDir(path.join(store.dir, 'nope'))).rejects.toBeInstanceOf(CheckpointError);
  });

  it('replaces a tag atomically and falls back to the previous intact checkpoint', async () => {
    const store = fresh();
    await store.write('epoch-1', { 's.json': 'one' }, 4);
    await store.write('last', { 's.json': 'first' }, 4);
    await store.write('last', { 's.json': 'second' }, 8);
    expect(readFileSync(path.join(store.pathOf('last'), 's.json'), 'utf8')).toBe('second');
    const warnings: string[] = [];
    expect((await store.latestIntact((w) => warnings.push(w)))?.tag).toBe('last');
    writeFileSync(path.join(store.pathOf('last'), 's.json'), 'SECOND');
    const found = await store.latestIntact((w) => warnings.push(w));
    expect(found?.tag).toBe('epoch-1');
    expect(warnings[0]).toMatch(/checkpoints\/last: s\.json: fails its SHA-256 checksum .*trying the previous checkpoint/);
  });

  it('cleans up after writers killed before or between their renames', async () => {
    const store = fresh();
    await store.write('best', { 's.json': 'kept' }, 2);
    // Killed while writing: a temp folder without manifest. Killed between the renames: only `.old-last-*`.
    mkdirSync(path.join(store.dir, '.tmp-epoch-3-123-0'), { recursive: true });
    writeFileSync(path.join(store.dir, '.tmp-epoch-3-123-0', 'half.bin'), 'x');
    const oldLast = path.join(store.dir, '.old-last-123-1');
    mkdirSync(oldLast);
    writeFileSync(path.join(oldLast, 's.json'), 'x');
    writeFileSync(path.join(oldLast, 'manifest.json'), '{}');
    const oldBest = path.join(store.dir, '.old-best-123-2');
    mkdirSync(oldBest);
    const notes = await store.recover((pid) => pid !== 123);
    expect(notes.join('\n')).toMatch(/removed the unfinished checkpoint/);
    expect(notes.join('\n')).toMatch(/restored checkpoint last/);
    expect(existsSync(path.join(store.dir, '.tmp-epoch-3-123-0'))).toBe(false);
    expect(existsSync(store.pathOf('last'))).toBe(true);
    expect(existsSync(oldBest)).toBe(false);
    expect(readFileSync(path.join(store.pathOf('best'), 's.json'), 'utf8')).toBe('kept');
  });

  it('leaves the temp folders of a writer that still runs (another process) alone, and cleans its own', async () => {
    const store = fresh();
    await store.write('last', { 's.json': 'kept' }, 1);
    // A real live process other than this one: its checkpoint being written must survive our start-up.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      const live = path.join(store.dir, `.tmp-last-${other.pid}-0`);
      const own = path.join(store.dir, `.tmp-last-${process.pid}-7`);
      mkdirSync(live);
      mkdirSync(own);
      const notes = await store.recover();
      expect(existsSync(live)).toBe(true);
      expect(existsSync(own)).toBe(false);
      expect(notes.join('\n')).toContain(`left ${live} in place: its writer (pid ${other.pid}) is still running`);
      other.kill('SIGKILL');
      await new Promise((resolve) => other.once('exit', resolve));
      expect((await store.recover()).join('\n')).toContain(`removed the unfinished checkpoint ${live}`);
      expect(existsSync(live)).toBe(false);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('keeps the newest epoch checkpoints and refuses odd tags and file names', async () => {
    const store = fresh();
    for (const epoch of [1, 2, 10, 3]) await store.write(`epoch-${epoch}`, { 'x': String(epoch) }, epoch);
    expect(await store.prune(2)).toEqual(['epoch-1', 'epoch-2']);
    expect(await store.epochTags()).toEqual(['epoch-3', 'epoch-10']);
    await expect(store.write('../evil', { x: '1' }, 0)).rejects.toThrow(/plain folder name/);
    await expect(store.write('ok', { '../x': '1' }, 0)).rejects.toThrow(/not allowed/);
    expect(await store.tags()).not.toContain('ok');
  });
});
