import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatasetError } from '@a2d/core';
import { parseVideoset, readVideoset, VideosetError } from './index';

const FILE = 'data/a2d/videoset.csv';
const good = (id: string, label = 11, usage = 0): string => `${id},${label},0,3.5,240,320,100,5,${usage}`;

function parseError(text: string, maxListedIssues?: number): DatasetError {
  try {
    parseVideoset(text, FILE, { maxListedIssues });
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error('expected parseVideoset to throw');
}

describe('parseVideoset', () => {
  it('parses valid rows with CRLF, a BOM, blank lines, surrounding whitespace and none rows', () => {
    const text = `\uFEFF${good('-4KMQsUaSAQ')}\r\n  Ab_c-9 , 79 , 1.25 ,4,180 , 320,64,3 , 1 \r\n\r\n${good('x.y', 45)}\r\n`;
    const records = parseVideoset(text, FILE);
    expect(records).toHaveLength(3);
    expect(records[0]).toEqual({
      videoId: '-4KMQsUaSAQ',
      label: 11,
      actorId: 1,
      actionId: 1,
      actor: 'adult',
      action: 'climbing',
      startTime: 0,
      endTime: 3.5,
      height: 240,
      width: 320,
      numFrames: 100,
      numAnnotatedFrames: 5,
      usage: 'train',
      line: 1,
    });
    expect(records[1]).toMatchObject({ videoId: 'Ab_c-9', label: 79, actor: 'dog', action: 'none', startTime: 1.25, usage: 'test', line: 2 });
    expect(records[2]).toMatchObject({ videoId: 'x.y', actor: 'bird', action: 'jumping', line: 4 });
  });

  const ok = good('ok1');
  const cases: { name: string; text: string; line: number; field: string; reason: RegExp }[] = [
    { name: 'too few columns', text: `${ok}\nabc,11,0,3.5,240,320,100,5`, line: 2, field: 'row', reason: /expected 9 .*columns.*got 8/ },
    { name: 'too many columns', text: `${ok}\n${good('abc')},7`, line: 2, field: 'row', reason: /got 10/ },
    { name: 'semicolon separator', text: 'abc;11;0;3.5;240;320;100;5;0', line: 1, field: 'row', reason: /separator must be a comma/ },
    { name: 'non-numeric label', text: `${ok}\nabc,eleven,0,3.5,240,320,100,5,0`, line: 2, field: 'label', reason: /expected a number, got "eleven"/ },
    { name: 'header row', text: `id,label,start,end,h,w,n,a,usage\n${ok}`, line: 1, field: 'label', reason: /got "label" \(videoset.csv has no header row\)/ },
    { name: 'non-numeric start time', text: `${ok}\nabc,11,soon,3.5,240,320,100,5,0`, line: 2, field: 'startTime', reason: /expected a number, got "soon"/ },
    { name: 'empty numeric field', text: `${ok}\n${good('ok2')}\nabc,11,0,3.5,,320,100,5,0`, line: 3, field: 'height', reason: /expected a number, got ""/ },
    { name: 'fractional frame count', text: 'abc,11,0,3.5,240,320,100.5,5,0', line: 1, field: 'numFrames', reason: /expected an integer/ },
    { name: 'negative start time', text: 'abc,11,-1,3.5,240,320,100,5,0', line: 1, field: 'startTime', reason: />= 0, got "-1"/ },
    { name: 'zero height', text: 'abc,11,0,3.5,0,320,100,5,0', line: 1, field: 'height', reason: /positive integer.*got "0"/ },
    { name: 'negative width', text: 'abc,11,0,3.5,240,-320,100,5,0', line: 1, field: 'width', reason: /positive integer.*got "-320"/ },
    { name: 'zero frames', text: 'abc,11,0,3.5,240,320,0,0,0', line: 1, field: 'numFrames', reason: /positive integer/ },
    { name: 'negative annotated frames', text: 'abc,11,0,3.5,240,320,100,-2,0', line: 1, field: 'numAnnotatedFrames', reason: />= 0, got "-2"/ },
    { name: 'more annotated frames than frames', text: 'abc,11,0,3.5,240,320,10,12,0', line: 1, field: 'numAnnotatedFrames', reason: /12 annotated frames but the video has only 10/ },
    { name: 'end before start', text: `${ok}\nabc,11,5,3.5,240,320,100,5,0`, line: 2, field: 'endTime', reason: /end time 3.5 is before start time 5/ },
    { name: 'usage 2', text: 'abc,11,0,3.5,240,320,100,5,2', line: 1, field: 'usage', reason: /expected 0 \(train\) or 1 \(test\), got "2"/ },
    { name: 'usage text', text: 'abc,11,0,3.5,240,320,100,5,train', line: 1, field: 'usage', reason: /got "train"/ },
    { name: 'unknown label 14', text: 'abc,14,0,3.5,240,320,100,5,0', line: 1, field: 'label', reason: /unknown label code.*got "14"/ },
    { name: 'label 10 (no action)', text: 'abc,10,0,3.5,240,320,100,5,0', line: 1, field: 'label', reason: /unknown label code/ },
    { name: 'label 80 (no actor)', text: 'abc,80,0,3.5,240,320,100,5,0', line: 1, field: 'label', reason: /unknown label code/ },
    { name: 'empty id', text: `${ok}\n ,11,0,3.5,240,320,100,5,0`, line: 2, field: 'videoId', reason: /empty video id/ },
    { name: 'id with a slash', text: good('../etc/passwd'), line: 1, field: 'videoId', reason: /file names.*got "\.\.\/etc\/passwd"/ },
    { name: 'id with a backslash', text: good('a\\b'), line: 1, field: 'videoId', reason: /invalid video id/ },
    { name: 'id of dots', text: good('..'), line: 1, field: 'videoId', reason: /invalid video id/ },
    { name: 'hidden-file id', text: good('.abc'), line: 1, field: 'videoId', reason: /invalid video id/ },
    { name: 'id with a space', text: good('a b'), line: 1, field: 'videoId', reason: /invalid video id/ },
  ];

  it.each(cases)('rejects $name with file:line: field', ({ text, line, field, reason }) => {
    const error = parseError(text);
    expect(error).toBeInstanceOf(VideosetError);
    expect(error.file).toBe(FILE);
    expect(error.line).toBe(line);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${FILE}:${line}: ${field}: `)).toBe(true);
    expect(error.reason).toMatch(reason);
  });

  it('names both lines of a duplicate id', () => {
    const error = parseError([good('dup'), good('other'), good('dup', 12, 1)].join('\n'));
    expect(error.message).toMatch(new RegExp(`^${FILE}:3: videoId: duplicate video id "dup", first on line 1`));
  });

  it('rejects an empty or blank file, naming it', () => {
    for (const text of ['', '\n', ' \r\n  \n']) {
      const error = parseError(text);
      expect(error.file).toBe(FILE);
      expect(error.message).toMatch(new RegExp(`^${FILE}: empty file`));
    }
  });

  it('reports every bad row at once, first problem first, and caps the listing', () => {
    const lines = [good('a'), 'b,14,0,1,240,320,10,1,0', good('c'), 'd,11,0,1,240,320,10,1,5', 'e,11', good('a')];
    const error = parseError(lines.join('\n')) as VideosetError;
    expect(error.issues.map((issue) => [issue.line, issue.field])).toEqual([
      [2, 'label'],
      [4, 'usage'],
      [5, 'row'],
      [6, 'videoId'],
    ]);
    const message = error.message.split('\n');
    expect(message[0]).toMatch(new RegExp(`^${FILE}:2: label: `));
    expect(message.slice(1).map((line) => line.trim().split(': ')[0])).toEqual([`${FILE}:4`, `${FILE}:5`, `${FILE}:6`]);

    const capped = parseError(lines.join('\n'), 2).message.split('\n');
    expect(capped).toHaveLength(3);
    expect(capped[2]).toMatch(/and 2 more \(4 problems in all\)/);
  });
});

describe('readVideoset', () => {
  it('reads a file and names an unreadable one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-videoset-'));
    const file = path.join(dir, 'videoset.csv');
    writeFileSync(file, `${good('a')}\n${good('b', 19, 1)}\n`);
    const records = await readVideoset(file);
    expect(records.map((record) => record.videoId)).toEqual(['a', 'b']);
    const missing = path.join(dir, 'missing.csv');
    await expect(readVideoset(missing)).rejects.toThrow(new DatasetError(missing, 'cannot read videoset: file not found'));
    await expect(readVideoset(dir)).rejects.toThrow(new RegExp(`^${dir}: cannot read videoset`));
  });
});
