import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommandLine, type CommandIo } from '@a2d/core';
import { describeWithTinyFilesystem } from '@a2d/core/testing';
import { runStatsCommand } from './stats';

// ingest:stats --json=<file>: a folder in its place, a parent that is a file, or a full disk is one line, exit 1.

const row = (id: string, label: number, usage: 0 | 1): string => `${id},${label},0,2,240,320,48,3,${usage}`;

function dataset(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'a2d-stats-out-'));
  writeFileSync(path.join(root, 'videoset.csv'), `${[row('a', 11, 0), row('b', 11, 0), row('c', 78, 1)].join('\n')}\n`);
  mkdirSync(path.join(root, 'clips320H'));
  return root;
}

async function statsCommand(argv: string[]): Promise<{ code: number; lines: string[]; printed: string }> {
  const lines: string[] = [];
  let printed = '';
  const io: CommandIo = { error: (line) => lines.push(...line.split('\n')), exit: () => undefined };
  const code = await runCommandLine('ingest:stats', 'usage: ingest:stats', () => runStatsCommand(argv, {}, (text) => (printed += text)), io);
  return { code, lines, printed };
}

describe('ingest:stats --json', () => {
  it('naming a folder: one line before the report, exit 1', async () => {
    const root = dataset();
    const json = path.join(root, 'stats.json');
    mkdirSync(json);
    expect(await statsCommand([`--root=${root}`, `--json=${json}`])).toEqual({ code: 1, lines: [`ingest:stats: ${json}: is a folder, expected a file`], printed: '' });
  });

  it('under a parent that is a file: one line naming the parent', async () => {
    const root = dataset();
    const json = path.join(root, 'videoset.csv', 'stats.json');
    const result = await statsCommand([`--root=${root}`, `--json=${json}`]);
    expect(result).toMatchObject({ code: 1, lines: [`ingest:stats: ${path.join(root, 'videoset.csv')}: is a file, expected a folder (a parent of ${json})`] });
  });
});

describeWithTinyFilesystem('ingest:stats --json on a full disk (a real 256 KiB tmpfs)', 256 * 1024, (disk) => {
  it('is one line naming the folder, the bytes needed and the bytes free, exit 1', async () => {
    const root = dataset();
    disk().fill();
    const json = path.join(disk().dir, 'stats.json');
    const result = await statsCommand([`--root=${root}`, `--json=${json}`]);
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([expect.stringMatching(new RegExp(`^ingest:stats: ${disk().dir}: disk full: stats\\.json needs \\d+ bytes \\([\\d.]+ KiB\\), 0 bytes free$`))]);
  });
});
