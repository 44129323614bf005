import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventFileError } from './event-file-error';
import { encodeEvent, EVENT_FILE_VERSION, SessionStatus } from './event-proto';
import { eventFileName, EventFileWriter } from './event-file-writer';
import { readEventDir, readEventFile } from './read-event-file';
import { tensorBoardScalars, type ScalarPoint } from './tensorboard-scalars';
import { encodeTfRecord } from './tfrecord';

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

  it('writes a SessionLog.START that reads back with its step and wall time', () => {
    const writer = new EventFileWriter(logDir, { clock: () => 1700000000 });
    writer.addSessionStart(16);
    writer.addSessionStart(17, 1700000005.5);
    expect(() => writer.addSessionStart(1.5)).toThrow(RangeError);
    writer.close();
    expect(() => writer.addSessionStart(18)).toThrow(/closed/);
    expect(readEventFile(writer.path).slice(1)).toEqual([
      { wallTime: 1700000000, step: 16, sessionLog: { status: SessionStatus.START } },
      { wallTime: 1700000005.5, step: 17, sessionLog: { status: SessionStatus.START } },
    ]);
  });

  describe('after a kill at step 20 and a resume from step 16', () => {
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);
    const crashedLoss = (step: number) => 1 / step;
    const resumedLoss = (step: number) => 2 / step;

    /** Run 1 logs steps 1..20 and dies mid-record; run 2 resumes at 16 and logs 16..25. `val/acc` every 5 steps. */
    function crashAndResume(options: { startMarkers: boolean }): void {
      const crashed = new EventFileWriter(logDir, { clock: () => 1700000000, hostname: 'box', pid: 7 });
      if (options.startMarkers) crashed.addSessionStart(1, 1700000000);
      for (let step = 1; step <= 20; step++) {
        crashed.addScalar('train/loss', crashedLoss(step), step, 1700000000 + step);
        if (step % 5 === 0) crashed.addScalar('val/acc', step / 100, step, 1700000000 + step);
      }
      // SIGKILL while appending step 21: a torn record, and no close().
      const step21 = encodeTfRecord(
        encodeEvent({ wallTime: 1700000021, step: 21, summary: { value: [{ tag: 'train/loss', simpleValue: crashedLoss(21) }] } }),
      );
      appendFileSync(crashed.path, step21.subarray(0, step21.length - 5));

      const resumed = new EventFileWriter(logDir, { clock: () => 1700000100, hostname: 'box', pid: 8 });
      resumed.addSessionStart(16, 1700000100);
      for (let step = 16; step <= 25; step++) {
        resumed.addScalar('train/loss', resumedLoss(step), step, 1700000100 + step);
        if (step % 5 === 0) resumed.addScalar('val/acc', step / 50, step, 1700000100 + step);
      }
      resumed.close();
    }

    const expectedLoss: ScalarPoint[] = range(1, 25).map((step) =>
      step < 16
        ? { step, value: f32(crashedLoss(step)), wallTime: 1700000000 + step }
        : { step, value: f32(resumedLoss(step)), wallTime: 1700000100 + step },
    );
    const expectedAcc: ScalarPoint[] = [
      { step: 5, value: f32(0.05), wallTime: 1700000005 },
      { step: 10, value: f32(0.1), wallTime: 1700000010 },
      { step: 15, value: f32(0.15), wallTime: 1700000015 },
      { step: 20, value: f32(0.4), wallTime: 1700000120 },
      { step: 25, value: f32(0.5), wallTime: 1700000125 },
    ];

    it('shows each step once, with the resumed values from step 16, in both TensorBoard loaders', () => {
      crashAndResume({ startMarkers: true });
      // The crashed run's file sorts first, so TensorBoard reads it first.
      expect(readdirSync(logDir).sort()).toEqual([
        expect.stringMatching(/^events\.out\.tfevents\.1700000000\.box\.7\.\d+$/),
        expect.stringMatching(/^events\.out\.tfevents\.1700000100\.box\.8\.\d+$/),
      ]);
      expect(() => readEventDir(logDir)).toThrow(/truncated record/);
      const events = readEventDir(logDir, { allowTruncatedTail: true });
      const starts = events.filter((event) => event.sessionLog !== undefined);
      expect(starts).toEqual([
        { wallTime: 1700000000, step: 1, sessionLog: { status: SessionStatus.START } },
        { wallTime: 1700000100, step: 16, sessionLog: { status: SessionStatus.START } },
      ]);
      // Read back as written: the crashed run's 16..20 are on disk, then the START, then the resumed run's 16..25.
      const lossSteps = events.filter((event) => event.summary?.value[0].tag === 'train/loss').map((event) => event.step);
      expect(lossSteps).toEqual([...range(1, 20), ...range(16, 25)]);

      for (const loader of ['python', 'rust'] as const) {
        const scalars = tensorBoardScalars(events, { loader });
        expect([...scalars.keys()]).toEqual(['train/loss', 'val/acc']);
        expect(scalars.get('train/loss')).toEqual(expectedLoss);
        expect(scalars.get('val/acc')).toEqual(expectedAcc);
      }
    });

    it('shows the crashed points twice in the python loader when the first run wrote no START (it only marks a start)', () => {
      crashAndResume({ startMarkers: false });
      const steps = tensorBoardScalars(readEventDir(logDir, { allowTruncatedTail: true }))
        .get('train/loss')
        ?.map((point) => point.step);
      expect(steps).toEqual([...range(1, 20), ...range(16, 25)]);
    });
  });
});
