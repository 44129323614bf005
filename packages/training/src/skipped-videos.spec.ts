import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatasetError } from '@a2d/core';
import type { SkippedVideo } from '@a2d/ingest';
import { experimentPaths } from './experiment';
import { readSkippedVideos, writeSkippedVideos } from './skipped-videos';

const tempDir = (): string => mkdtempSync(path.join(os.tmpdir(), 'a2d-skipped-'));

/** What `DataLoader.skipped` holds after two clips failed to load. */
const SKIPPED: SkippedVideo[] = [
  { videoId: 'EQ1rV1BRa7M', file: '/data/clips320H/EQ1rV1BRa7M.mp4', reason: 'moov atom not found' },
  { videoId: '-0M_mBGH9Ms', file: '/data/clips320H/-0M_mBGH9Ms.mp4', reason: 'empty file (0 bytes)' },
];

async function failure(file: string): Promise<DatasetError> {
  const error = await readSkippedVideos(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DatasetError)) throw new Error(`expected a DatasetError, got ${String(error)}`);
  return error;
}

describe('skipped-videos.json', () => {
  it('reads back what the writer wrote, in order, as a JSON array of { videoId, file, reason }, with no temp file left', async () => {
    const { root, skippedVideos: file } = experimentPaths(tempDir(), 'run');
    await writeSkippedVideos(file, SKIPPED);
    expect(await readSkippedVideos(file)).toEqual(SKIPPED);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(SKIPPED);
    expect(readdirSync(root)).toEqual(['skipped-videos.json']);
    await writeSkippedVideos(file, []);
    expect(await readSkippedVideos(file)).toEqual([]);
  });

  it('is an empty list while the file does not exist yet', async () => {
    expect(await readSkippedVideos(path.join(tempDir(), 'skipped-videos.json'))).toEqual([]);
  });

  it('names the file and the field of a bad entry', async () => {
    const file = path.join(tempDir(), 'skipped-videos.json');
    writeFileSync(file, JSON.stringify([SKIPPED[0], { videoId: 'x', file: 'clips320H/x.mp4' }]));
    const error = await failure(file);
    expect(error.file).toBe(file);
    expect(error.field).toBe('1.reason');
    expect(error.message.startsWith(`${file}: 1.reason: `)).toBe(true);

    writeFileSync(file, JSON.stringify([{ videoId: 'y', reason: 'moov atom not found' }]));
    expect((await failure(file)).field).toBe('0.file');
  });

  it('names the file when it is not a list or not JSON at all', async () => {
    const file = path.join(tempDir(), 'skipped-videos.json');
    writeFileSync(file, '{"videoId": "x"}');
    const notList = (await failure(file)).message;
    expect(notList.startsWith(`${file}: `)).toBe(true);
    expect(notList).toContain('expected array');
    writeFileSync(file, '[{"videoId": "x",');
    expect((await failure(file)).message.startsWith(`${file}: not valid JSON`)).toBe(true);
  });

  it('refuses to write an entry without a video id, and leaves no file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'skipped-videos.json');
    const written = writeSkippedVideos(file, [{ videoId: '', file: 'clips320H/.mp4', reason: 'no id' }]);
    await expect(written).rejects.toBeInstanceOf(DatasetError);
    await expect(written).rejects.toThrow(`${file}: 0.videoId: refusing to write an invalid skipped-videos list: `);
    expect(readdirSync(dir)).toEqual([]);
  });
});
