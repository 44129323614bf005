import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@a2d/core';
import { datasetStatisticsSchema, VideosetError } from '../index';
import { runStatsCommand } from './stats';

const WORKSPACE = path.resolve(__dirname, '../../../..');
const row = (id: string, label: number, usage: 0 | 1): string => `${id},${label},0,2,240,320,48,3,${usage}`;

function dataset(rows: string[], clips: string[]): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'a2d-stats-'));
  writeFileSync(path.join(root, 'videoset.csv'), `${rows.join('\r\n')}\r\n`);
  mkdirSync(path.join(root, 'clips320H'));
  for (const id of clips) writeFileSync(path.join(root, 'clips320H', `${id}.mp4`), '');
  return root;
}

async function run(argv: string[]): Promise<string> {
  let output = '';
  await runStatsCommand(argv, {}, (text) => (output += text));
  return output;
}

describe('ingest:stats', () => {
  const ids = Array.from({ length: 20 }, (_, i) => `v${i}`);
  const rows = [...ids.map((id, i) => row(id, i < 14 ? 11 : 78, i < 16 ? 0 : 1)), row('n0', 19, 0)];

  it('prints the split table, reports missing clips and writes the JSON form', async () => {
    const root = dataset(rows, ids.slice(0, 12));
    const jsonOut = path.join(root, 'out', 'stats.json');
    const output = await run([`--root=${root}`, '--data.valFraction=0.25', '--data.splitSeed', '7', `--json=${jsonOut}`]);
    expect(output).toContain(`${path.join(root, 'videoset.csv')}: 21 rows (valFraction 0.25, splitSeed 7, includeNone false)`);
    expect(output).toContain('20 videos: train 12, val 4, test 4; 1 rows with action none excluded');
    expect(output).toContain(`clips: 9 of 21 missing in ${path.join(root, 'clips320H')} (v12, v13, v14, v15, v16, ...)`);

    const written = JSON.parse(readFileSync(jsonOut, 'utf8')) as { statistics: unknown; clips: { missingIds: string[] } };
    const statistics = datasetStatisticsSchema.parse(written.statistics);
    expect(statistics.totals).toEqual({ train: 12, val: 4, test: 4, total: 20 });
    expect(written.clips.missingIds).toEqual([...ids.slice(12), 'n0']);
  });

  it('takes settings from a config file, overridden by the command line', async () => {
    const root = dataset(rows, [...ids, 'n0']);
    const config = path.join(root, 'config.json');
    writeFileSync(config, JSON.stringify({ data: { root: '/nowhere', valFraction: 0.4, includeNone: true } }));
    const output = await run([`--config=${config}`, `--data.root=${root}`]);
    expect(output).toContain('21 videos: train 10, val 7, test 4');
    expect(output).toContain('clips: all 21 present');
  });

  it('fails with typed errors for bad arguments and bad rows', async () => {
    await expect(run(['--nonsense'])).rejects.toThrow(ConfigError);
    await expect(run(['--jsn=out.json'])).rejects.toThrow('--jsn: unknown option (did you mean --json?)');
    await expect(run(['--json'])).rejects.toThrow('--json: expected a value');
    await expect(run(['stray'])).rejects.toThrow('stray: unexpected argument');
    await expect(run(['--data.valFraction=2'])).rejects.toThrow(/data\.valFraction/);
    const root = dataset([row('a', 11, 0), row('b', 14, 0)], []);
    await expect(run([`--root=${root}`])).rejects.toThrow(VideosetError);
  });

  it('exits 1 with the message and no stack trace when run as a command', () => {
    const root = dataset([row('a', 11, 0), 'b,11,0,2,240,320,48,3,9'], []);
    const result = spawnSync('npx', ['tsx', 'packages/ingest/src/cli/stats.ts', `--root=${root}`], {
      cwd: WORKSPACE,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      `ingest:stats: ${path.join(root, 'videoset.csv')}:2: usage: expected 0 (train) or 1 (test), got "9"`,
    );
  });

  it('prints a command-line mistake with the usage and exits 1', () => {
    const result = spawnSync('npx', ['tsx', 'packages/ingest/src/cli/stats.ts', '--rot=/x'], {
      cwd: WORKSPACE,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'ingest:stats: invalid configuration (command line):',
      '  --rot: unknown option (did you mean --root?)',
      expect.stringMatching(/^usage: npx nx run ingest:stats \[options\] /),
    ]);
  });
});
