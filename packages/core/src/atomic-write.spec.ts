import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic, writeFileAtomicSync, writeJsonAtomic } from './atomic-write';

describe('atomic writes', () => {
  it('replaces the target whole and leaves no temp files', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-atomic-'));
    const target = path.join(dir, 'nested', 'out.json');
    await writeJsonAtomic(target, { a: 1 });
    await Promise.all(Array.from({ length: 8 }, (_, i) => writeFileAtomic(target, `${i}`.repeat(10000))));
    const text = readFileSync(target, 'utf8');
    expect(text).toMatch(/^(\d)\1{9999}$/);
    writeFileAtomicSync(target, 'sync');
    expect(readFileSync(target, 'utf8')).toBe('sync');
    expect(readdirSync(path.dirname(target))).toEqual(['out.json']);
  });
});
