import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatasetError } from '@a2d/core';
import { MetricsInputError } from './metrics-input-error';
import {
  PREDICTIONS_CSV_HEADER,
  formatPredictionsCsv,
  parsePredictionsCsv,
  predictionRow,
  readPredictionsCsv,
  writePredictionsCsv,
} from './predictions-csv';
import { PredictionsCsvError } from './predictions-csv-error';
import { splitCsvLine } from './csv-fields';

const FILE = 'runs/x/test_predictions.csv';

function parseError(text: string, maxListed?: number): PredictionsCsvError {
  try {
    parsePredictionsCsv(text, FILE, maxListed);
  } catch (error) {
    expect(error).toBeInstanceOf(PredictionsCsvError);
    expect(error).toBeInstanceOf(DatasetError);
    return error as PredictionsCsvError;
  }
  throw new Error('expected parsePredictionsCsv to throw');
}

describe('parsePredictionsCsv', () => {
  it('reads the reference format (names, True/False) with CRLF, a BOM, blank lines and spaces', () => {
    const text = `\uFEFF${PREDICTIONS_CSV_HEADER}\r\n-4KMQsUaSAQ,climbing,climbing,adult,adult,True,True\r\n\r\n -7EE9T3Z0qk , climbing,walking,baby,baby,False,true\r\n`;
    expect(parsePredictionsCsv(text, FILE)).toEqual([
      { videoId: '-4KMQsUaSAQ', trueAction: 'climbing', predAction: 'climbing', trueActor: 'adult', predActor: 'adult', actionCorrect: true, actorCorrect: true, line: 2 },
      { videoId: '-7EE9T3Z0qk', trueAction: 'climbing', predAction: 'walking', trueActor: 'baby', predActor: 'baby', actionCorrect: false, actorCorrect: true, line: 4 },
    ]);
  });

  it('reports every bad row at once as file:line: field: reason', () => {
    const text = [
      PREDICTIONS_CSV_HEADER,
      'a,climbing,climbing,adult,adult,True,True',
      'b,jumpin,climbing,adult,adult,True,yes',
      'a,climbing,climbing,adult,adult,True,True',
      'c;climbing;climbing',
      'd,eating,eating,ball,ball,True,True',
      'e,climbing,none,adult,adult,False,True',
      '"f,climbing,climbing,adult,adult,True,True',
      ',climbing,climbing,adult,adult,True,True',
    ].join('\n');
    const error = parseError(text);
    expect(error.issues.map((i) => `${i.line}: ${i.field}`)).toEqual([
      '3: true_action',
      '3: actor_correct',
      '4: video_id',
      '5: row',
      '6: row',
      '7: pred_action',
      '8: row',
      '9: video_id',
    ]);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe(`${FILE}:3: true_action: unknown action: expected one of climbing, crawling, eating, flying, jumping, rolling, running, walking, got "jumpin"`);
    expect(lines).toContain(`  ${FILE}:3: actor_correct: expected True or False, got "yes"`);
    expect(lines).toContain(`  ${FILE}:4: video_id: duplicate video id "a", first on line 2`);
    expect(lines).toContain(`  ${FILE}:5: row: expected 7 comma-separated columns, got 1 (separator must be a comma)`);
    expect(lines).toContain(`  ${FILE}:6: row: true label (ball, eating) is not one of the 36 A2D video-level pairs`);
    expect(lines).toContain(`  ${FILE}:8: row: unterminated quoted field`);
    expect(lines).toContain(`  ${FILE}:9: video_id: empty video id, got ""`);
  });

  it('checks the header and still validates the rows', () => {
    const error = parseError('video,true_action\nb,jumpin,climbing,adult,adult,True,True\n');
    expect(error.issues.map((i) => i.field)).toEqual(['header', 'true_action']);
    expect(error.message.split('\n')[0]).toBe(`${FILE}:1: header: expected the header ${PREDICTIONS_CSV_HEADER}, got "video,true_action"`);
  });

  it('summarises long lists', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `v${i},x,climbing,adult,adult,True,True`);
    const error = parseError([PREDICTIONS_CSV_HEADER, ...rows].join('\n'), 5);
    expect(error.issues).toHaveLength(30);
    expect(error.message.split('\n')).toHaveLength(6);
    expect(error.message).toContain('... and 25 more (30 problems in all)');
  });

  it('rejects a file without rows, and a missing file, naming it', async () => {
    expect(() => parsePredictionsCsv(`${PREDICTIONS_CSV_HEADER}\n\n`, FILE)).toThrow(`${FILE}: no prediction rows`);
    await expect(readPredictionsCsv('/nonexistent/p.csv')).rejects.toThrow('/nonexistent/p.csv: cannot read predictions: file not found');
  });
});

describe('writePredictionsCsv', () => {
  it('round-trips rows through an atomic write, flags as True/False', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-predictions-'));
    const file = path.join(dir, 'nested', 'test_predictions.csv');
    const rows = [
      predictionRow({ videoId: 'v1', trueAction: 'climbing', predAction: 'walking', trueActor: 'adult', predActor: 'adult' }),
      predictionRow({ videoId: 'v,2', trueAction: 7, predAction: 7, trueActor: 6, predActor: 5 }),
    ];
    await writePredictionsCsv(file, rows);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(`${PREDICTIONS_CSV_HEADER}\nv1,climbing,walking,adult,adult,False,True\n"v,2",walking,walking,dog,cat,True,False\n`);
    expect(readdirSync(path.dirname(file))).toEqual(['test_predictions.csv']);
    expect((await readPredictionsCsv(file)).map(({ line: _line, ...row }) => row)).toEqual(rows);
  });

  it('refuses rows whose flags contradict their labels (the defect of the reference file)', () => {
    const row = { ...predictionRow({ videoId: 'v', trueAction: 0, predAction: 0, trueActor: 0, predActor: 0 }), actorCorrect: false };
    expect(() => formatPredictionsCsv([row])).toThrow(MetricsInputError);
    expect(() => formatPredictionsCsv([row])).toThrow('rows.0.actorCorrect: false contradicts adult -> adult');
  });

  it('reads what a file written by hand with quotes contains', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-predictions-'));
    const file = path.join(dir, 'p.csv');
    writeFileSync(file, `${PREDICTIONS_CSV_HEADER}\n"a""b",climbing,climbing,adult,adult,True,True\n`);
    return expect(readPredictionsCsv(file)).resolves.toMatchObject([{ videoId: 'a"b' }]);
  });
});

describe('splitCsvLine', () => {
  it('splits quoted fields', () => {
    expect(splitCsvLine('a,"b,c","d ""e""",')).toEqual(['a', 'b,c', 'd "e"', '']);
    expect(splitCsvLine('"open')).toBeUndefined();
  });
});
