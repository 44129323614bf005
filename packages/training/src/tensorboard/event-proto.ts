/**
 * The subset of TensorFlow's `Event`, `SessionLog` and `Summary` messages (tensorflow/core/util/event.proto,
 * tensorflow/core/framework/summary.proto) that scalar logging needs, with the same field numbers, so
 * TensorBoard reads what we write. The `oneof`s matter: they make a scalar of 0 still carry its value.
 * `Event` field 6 is TensorFlow's `log_message`, which we neither write nor read: `session_log` is 7.
 */
import { parse } from 'protobufjs';

const EVENT_PROTO = `
syntax = "proto3";
package tensorboard;

message Summary {
  message Value {
    string tag = 1;
    oneof value {
      float simple_value = 2;
    }
  }
  repeated Value value = 1;
}

message SessionLog {
  enum SessionStatus {
    STATUS_UNSPECIFIED = 0;
    START = 1;
    STOP = 2;
    CHECKPOINT = 3;
  }
  SessionStatus status = 1;
  string checkpoint_path = 2;
  string msg = 3;
}

message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    string file_version = 3;
    Summary summary = 5;
    SessionLog session_log = 7;
  }
}
`;

const eventType = parse(EVENT_PROTO).root.lookupType('tensorboard.Event');

/** The `file_version` of the first event of every event file. */
export const EVENT_FILE_VERSION = 'brain.Event:2';

/** One `Summary.Value`: a tagged scalar (float32 on disk). */
export interface SummaryValue {
  tag: string;
  /** The scalar; absent only in values of other kinds (images, histograms) written by other tools. */
  simpleValue?: number;
}

/** `SessionLog.SessionStatus`, with TensorFlow's numbers; a decoded event may carry a number not listed here. */
export enum SessionStatus {
  STATUS_UNSPECIFIED = 0,
  /** A training session (re)started; TensorBoard drops earlier points at or after this event's step. */
  START = 1,
  STOP = 2,
  CHECKPOINT = 3,
}

/** One `SessionLog`: what happened to the training session at an event's step. */
export interface SessionLog {
  status: SessionStatus;
  /** Path and file name of the checkpoint (with `CHECKPOINT`); absent when empty. */
  checkpointPath?: string;
  /** Free text; absent when empty. */
  msg?: string;
}

/** One `Event`: the file-version header, a summary of scalars, or a session log (at most one of the three). */
export interface TensorBoardEvent {
  /** Seconds since the Unix epoch (fractional). */
  wallTime: number;
  step: number;
  fileVersion?: string;
  summary?: { value: SummaryValue[] };
  sessionLog?: SessionLog;
}

/** Serializes an event to protobuf bytes. */
export function encodeEvent(event: TensorBoardEvent): Uint8Array {
  return eventType.encode(eventType.fromObject(event)).finish();
}

/** Parses protobuf bytes into an event (int64 steps as numbers; absent scalar fields read as 0). */
export function decodeEvent(bytes: Uint8Array): TensorBoardEvent {
  const raw = eventType.toObject(eventType.decode(bytes), { longs: Number, defaults: true }) as {
    wallTime: number;
    step: number;
    fileVersion?: string;
    summary?: { value: { tag: string; simpleValue?: number }[] };
    sessionLog?: { status: number; checkpointPath: string; msg: string };
  };
  const event: TensorBoardEvent = { wallTime: raw.wallTime, step: raw.step };
  if (raw.fileVersion !== undefined) event.fileVersion = raw.fileVersion;
  if (raw.summary !== undefined) {
    event.summary = {
      value: raw.summary.value.map((value) => (value.simpleValue === undefined ? { tag: value.tag } : { tag: value.tag, simpleValue: value.simpleValue })),
    };
  }
  if (raw.sessionLog !== undefined) {
    const { status, checkpointPath, msg } = raw.sessionLog;
    // proto3 cannot tell an empty string from an unset one; leave both out, as the writer does.
    event.sessionLog = { status, ...(checkpointPath === '' ? {} : { checkpointPath }), ...(msg === '' ? {} : { msg }) };
  }
  return event;
}
