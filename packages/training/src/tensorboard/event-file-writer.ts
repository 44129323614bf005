/**
 * Writes TensorBoard event files: `events.out.tfevents.<unix seconds>.<hostname>.<pid>.<n>` in a log dir, a
 * `file_version` event first, then one event per `addScalar`/`addScalars`/`addSessionStart` call. Each record goes
 * to the file in one synchronous write as soon as it is added, so a killed process leaves at most a torn last
 * record (which TensorBoard skips) and never loses an earlier one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeEvent, EVENT_FILE_VERSION, SessionStatus, type TensorBoardEvent } from './event-proto';
import { encodeTfRecord } from './tfrecord';

/** Settings of an `EventFileWriter`; the defaults suit real runs, tests pin them. */
export interface EventFileWriterOptions {
  /** Seconds since the Unix epoch, fractional (default `Date.now() / 1000`); stamps events without a wall time. */
  clock?: () => number;
  /** Host name in the file name (default `os.hostname()`). */
  hostname?: string;
  /** Process id in the file name (default `process.pid`). */
  pid?: number;
}

// The `<n>` of the file name: distinguishes writers opened by one process in the same second.
let nextFileIndex = 0;

/** The event file name TensorBoard expects (it globs `*tfevents*`). */
export function eventFileName(unixSeconds: number, hostname: string, pid: number, index: number): string {
  return `events.out.tfevents.${Math.floor(unixSeconds)}.${hostname}.${pid}.${index}`;
}

/** Appends scalar events to a new event file in `logDir` (created if missing). */
export class EventFileWriter {
  /** The event file this writer appends to. */
  readonly path: string;
  private fd: number | undefined;
  private readonly clock: () => number;

  constructor(logDir: string, options: EventFileWriterOptions = {}) {
    this.clock = options.clock ?? (() => Date.now() / 1000);
    const hostname = options.hostname ?? os.hostname();
    const pid = options.pid ?? process.pid;
    mkdirSync(logDir, { recursive: true });
    const now = this.clock();
    for (;;) {
      const file = path.join(logDir, eventFileName(now, hostname, pid, nextFileIndex++));
      try {
        // Exclusive create: two writers never share a file, even across processes with a recycled pid.
        this.fd = openSync(file, 'ax');
        this.path = file;
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    this.writeEvent({ wallTime: now, step: 0, fileVersion: EVENT_FILE_VERSION });
  }

  /** Logs one scalar (stored as float32, as TensorBoard does) at `step`; `wallTime` in seconds defaults to now. */
  addScalar(tag: string, value: number, step: number, wallTime?: number): void {
    this.addScalars({ [tag]: value }, step, wallTime);
  }

  /** Logs several scalars at one step as a single event (one record, written whole); `{}` writes nothing. */
  addScalars(scalars: Readonly<Record<string, number>>, step: number, wallTime?: number): void {
    if (!Number.isSafeInteger(step)) throw new RangeError(`step must be an integer, got ${step}`);
    const value = Object.entries(scalars).map(([tag, simpleValue]) => {
      if (tag.length === 0) throw new RangeError('scalar tag must not be empty');
      if (typeof simpleValue !== 'number') throw new TypeError(`scalar ${tag} must be a number, got ${typeof simpleValue}`);
      return { tag, simpleValue };
    });
    if (value.length === 0) return;
    this.writeEvent({ wallTime: wallTime ?? this.clock(), step, summary: { value } });
  }

  /**
   * Marks a training session (re)starting at `step`, the first step it will log (a `SessionLog.START` event, as
   * tf.summary's Supervisor and PyTorch's `SummaryWriter(purge_step=...)` write), so TensorBoard drops the points
   * a crashed run logged at `step` or later. Call it on every start, the first included: TensorBoard treats the
   * first START of a run as a plain start and only later ones as restarts (see `tensorBoardScalars`).
   */
  addSessionStart(step: number, wallTime?: number): void {
    if (!Number.isSafeInteger(step)) throw new RangeError(`step must be an integer, got ${step}`);
    this.writeEvent({ wallTime: wallTime ?? this.clock(), step, sessionLog: { status: SessionStatus.START } });
  }

  /** Forces written events to disk (they reach the OS on every add already; this survives a machine crash too). */
  flush(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  /** Flushes and closes the file; later adds throw. Closing twice is harmless. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private writeEvent(event: TensorBoardEvent): void {
    if (this.fd === undefined) throw new Error(`event file ${this.path} is closed`);
    const record = encodeTfRecord(encodeEvent(event));
    let written = 0;
    while (written < record.length) written += writeSync(this.fd, record, written, record.length - written);
  }
}
