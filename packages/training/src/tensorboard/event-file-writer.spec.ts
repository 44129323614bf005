import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventFileError } from './event-file-error';
import { EVENT_FILE_VERSION } from './event-proto';
import { eventFileName, EventFileWriter } from './event-file-writer';
import { readEventFile } from './read-event-file';

const f32 = (value: number) => Math.fround(value);

describe('EventFileWriter', () => {
  let logDir: string;
  beforeEach(() => {
    logDir = mkdtempSync(path.join(os.tmpdir(), 'a2d-tfevents-'));
  });
  afterEach(() => rmSync(logDir, { recursive: true, force: true }));

  it('names the file events.out.tfevents.<seconds>.<host>.<pid>.<n>, in a log dir it creates', () => {
    expect(eventFileName(1700000000.75, 'box', 42, 3)).toBe('events.out.tfevents.1700000000.box.42.3');
    const nested = path.join(logDir, 'runs', 'a');
    const writer = new EventFileWriter(nested, { clock: () => 1700000000.5, hostname: 'box', pid: 42 });
    const other = new EventFileWriter(nested, { clock: () => 1700000000.5, hostname: 'box', pid: 42 });
    writer.close();
    other.close();
    expect(path.dirname(writer.path)).toBe(nested);
    expect(path.basename(writer.path)).toMatch(/^events\.out\.tfevents\.1700000000\.box\.42\.\d+$/);
    expect(other.path).not.toBe(writer.path);
    expect(readdirSync(nested)).toHaveLength(2);
  });

  it('writes a file_version event first, then scalars that read back with steps, float32 values and wall times', () => {
    let now = 1700000000.25;
    const writer = new EventFileWriter(logDir, { clock: () => now });
    writer.addScalar('train/loss', 2.302585092994046, 0);
    now += 1.5;
    writer.addScalar('train/loss', 0, 1);
    writer.addScalars({ 'val/acc': 0.1, 'val/combined': 1 / 3 }, 2 ** 40);
    writer.addScalar('lr', 1e-4, 7, 123.5);
    writer.addScalars({}, 8);
    writer.flush();
    writer.close();

    const events = readEventFile(writer.path);
    expect(events[0]).toEqual({ wallTime: 1700000000.25, step: 0, fileVersion: EVENT_FILE_VERSION });
    expect(events.slice(1)).toEqual([
      { wallTime: 1700000000.25, step: 0, summary: { value: [{ tag: 'train/loss', simpleValue: f32(2.302585092994046) }] } },
      // A zero keeps its value field (oneof presence), so TensorBoard plots it.
      { wallTime: 1700000001.75, step: 1, summary: { value: [{ tag: 'train/loss', simpleValue: 0 }] } },
      {
        wallTime: 1700000001.75,
        step: 2 ** 40,
        summary: { value: [{ tag: 'val/acc', simpleValue: f32(0.1) }, { tag: 'val/combined', simpleValue: f32(1 / 3) }] },
      },
      { wallTime: 123.5, step: 7, summary: { value: [{ tag: 'lr', simpleValue: f32(1e-4) }] } },
    ]);
    expect(f32(0.1)).not.toBe(0.1);
  });

  it('starts with the 12 header bytes every TensorFlow event file starts with', () => {
    const writer = new EventFileWriter(logDir);
    writer.close();
    expect([...readFileSync(writer.path).subarray(0, 12)]).toEqual([0x18, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22]);
  });

  it('keeps NaN and infinite values (a diverging loss must be visible)', () => {
    const writer = new EventFileWriter(logDir);
    writer.addScalars({ nan: Number.NaN, inf: Number.POSITIVE_INFINITY }, 3);
    writer.close();
    const values = readEventFile(writer.path)[1].summary?.value.map((value) => value.simpleValue);
    expect(values).toEqual([Number.NaN, Number.POSITIVE_INFINITY]);
  });

  it('detects a corrupted byte anywhere in the file, naming the file and record offset', () => {
    const writer = new EventFileWriter(logDir);
    writer.addScalar('a', 1, 1);
    writer.addScalar('b', 2, 2);
    writer.close();
    const bytes = readFileSync(writer.path);
    expect(readEventFile(writer.path)).toHaveLength(3);
    const offsets: number[] = [];
    for (let offset = 0; offset < bytes.length; offset += 16 + bytes.readUInt32LE(offset)) offsets.push(offset);
    expect(offsets).toHaveLength(3);
    for (let index = 0; index < bytes.length; index += 5) {
      const corrupt = Buffer.from(bytes);
      corrupt[index] ^= 0x04;
      writeFileSync(writer.path, corrupt);
      let error: unknown;
      try {
        readEventFile(writer.path);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(EventFileError);
      expect((error as EventFileError).file).toBe(writer.path);
      const offset = offsets.filter((start) => start <= index).pop();
      expect((error as Error).message).toMatch(new RegExp(`^.*: byte ${offset}: (length|data) checksum mismatch`));
    }
  });

  it('rejects bad arguments and adds after close', () => {
    const writer = new EventFileWriter(logDir);
    expect(() => writer.addScalar('x', 1, 1.5)).toThrow(RangeError);
    expect(() => writer.addScalar('', 1, 1)).toThrow(RangeError);
    writer.close();
    writer.close();
    expect(() => writer.addScalar('x', 1, 2)).toThrow(/closed/);
    expect(readEventFile(writer.path)).toHaveLength(1);
  });

  it('leaves every complete record readable when the process is killed mid-run', () => {
    const script = `
      const { EventFileWriter } = require(${JSON.stringify(path.join(__dirname, 'event-file-writer.ts'))});
      const writer = new EventFileWriter(${JSON.stringify(logDir)});
      for (let step = 0; step < 5; step++) writer.addScalar('loss', step / 10, step);
      process.kill(process.pid, 'SIGKILL');
    `;
    const tsx = path.resolve(__dirname, '../../../../node_modules/.bin/tsx');
    const result = spawnSync(tsx, ['-e', script], { encoding: 'utf8' });
    // tsx relays its child's SIGKILL as exit status 137.
    expect(result.signal === 'SIGKILL' || result.status === 137).toBe(true);
    const file = path.join(logDir, readdirSync(logDir)[0]);
    expect(readEventFile(file).map((event) => event.step)).toEqual([0, 0, 1, 2, 3, 4]);

    // A record torn by a kill mid-write: an error by default, skipped on request.
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 3));
    expect(() => readEventFile(file)).toThrow(/truncated record/);
    expect(readEventFile(file, { allowTruncatedTail: true }).map((event) => event.step)).toEqual([0, 0, 1, 2, 3]);
  });
});
