import { decodeEvent, encodeEvent, SessionStatus, type TensorBoardEvent } from './event-proto';

describe('event proto', () => {
  it('round-trips session logs of every status, with and without their strings', () => {
    const events: TensorBoardEvent[] = [
      { wallTime: 1700000000.5, step: 16, sessionLog: { status: SessionStatus.START } },
      { wallTime: 1700000001.25, step: 2 ** 40, sessionLog: { status: SessionStatus.STOP, msg: 'preempted' } },
      {
        wallTime: 1700000002,
        step: 30,
        sessionLog: { status: SessionStatus.CHECKPOINT, checkpointPath: 'runs/a/checkpoints/step-30', msg: 'kept' },
      },
      { wallTime: 3, step: 0, sessionLog: { status: SessionStatus.STATUS_UNSPECIFIED } },
    ];
    for (const event of events) expect(decodeEvent(encodeEvent(event))).toEqual(event);
  });

  it('puts session_log in Event field 7 (field 6 is log_message) with status in SessionLog field 1', () => {
    const bytes = encodeEvent({ wallTime: 0.5, step: 16, sessionLog: { status: SessionStatus.START } });
    // 0x09 wall_time (1, fixed64): 0.5 as a little-endian double; 0x10 step (2, varint) 16;
    // 0x3a session_log (7, length-delimited), 2 bytes: 0x08 status (1, varint) START = 1.
    expect([...bytes]).toEqual([0x09, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f, 0x10, 16, 0x3a, 2, 0x08, 1]);
  });

  it('keeps summaries and file versions apart from session logs', () => {
    const scalar: TensorBoardEvent = { wallTime: 1, step: 2, summary: { value: [{ tag: 'loss', simpleValue: 0 }] } };
    const header: TensorBoardEvent = { wallTime: 1, step: 0, fileVersion: 'brain.Event:2' };
    expect(decodeEvent(encodeEvent(scalar))).toEqual(scalar);
    expect(decodeEvent(encodeEvent(header))).toEqual(header);
  });

  it('reads a status number it does not name as that number', () => {
    // Hand-built: step 4, session_log { status: 7 }.
    expect(decodeEvent(Uint8Array.from([0x10, 4, 0x3a, 2, 0x08, 7]))).toEqual({ wallTime: 0, step: 4, sessionLog: { status: 7 } });
  });
});
