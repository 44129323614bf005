import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEpochRecords } from '../epoch-record';
import { MetricsLog } from './metrics-log';
import { contextOf, recordOf } from '../testing/training-context';

describe('MetricsLog', () => {
  it('rewrites metrics.jsonl with the whole history at each epoch end (a resumed history replaces later lines)', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'a2d-metrics-log-')), 'metrics.jsonl');
    const log = new MetricsLog(file);
    await log.onEpochEnd(contextOf({ history: [recordOf(1, 20), recordOf(2, 30), recordOf(3, 25)] }));
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(3);
    await log.onEpochEnd(contextOf({ history: [recordOf(1, 20), recordOf(2, 31)] }));
    const records = parseEpochRecords(readFileSync(file, 'utf8'), file);
    expect(records.map((r) => [r.epoch, r.val?.acc.combined])).toEqual([[1, 20], [2, 31]]);
  });
});
