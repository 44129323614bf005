/**
 * What TensorBoard's scalar charts show for one run after it drops the points that a crashed run logged and its
 * resumed run logged again. TensorBoard has two loaders, with different rules; `tensorBoardScalars` applies either.
 */
import { SessionStatus, type TensorBoardEvent } from './event-proto';

/** One point of a scalar chart. */
export interface ScalarPoint {
  step: number;
  /** As stored: float32. */
  value: number;
  /** Seconds since the Unix epoch (fractional). */
  wallTime: number;
}

/**
 * Which TensorBoard loader's rule to apply: `python`, the original one (`tensorboard --load_fast=false`, and
 * `EventAccumulator` in scripts), or `rust`, RustBoard (`--load_fast=auto`, the default where its data server runs).
 */
export type TensorBoardLoader = 'python' | 'rust';

/** Options of `tensorBoardScalars`. */
export interface TensorBoardScalarsOptions {
  /** Default `python`: the one that reads `SessionLog.START`. */
  loader?: TensorBoardLoader;
}

/**
 * Tag -> the scalar points TensorBoard shows, in load order, for `events`: the events of one run as TensorBoard
 * reads them (its event files in file-name order, see `readEventDir`). Every point is kept; TensorBoard then
 * downsamples long series for display. A tag whose points were all dropped maps to `[]`, as TensorBoard keeps it.
 *
 * `python` follows tensorflow/tensorboard tensorboard/backend/event_processing/plugin_event_accumulator.py
 * (`_MaybePurgeOrphanedData`, `_CheckForRestartAndMaybePurge`, `_Purge`, read at commit 70b76c9, 2026-06):
 * - once a `file_version` of `brain.Event:2` or later was read, a `SessionLog.START` at step S drops every point
 *   loaded so far at step >= S, of every tag (`_Purge(event, by_tags=False)` keeps `x.step < event.step`);
 *   except the run's first START, which only marks a start (tensorboard#4763, 2021), so a run must write one
 *   when it first starts for a restart's START to count;
 * - otherwise (older files) a summary at a step below the latest summary's step drops its own tags' points at
 *   that step or later.
 *
 * `rust` follows tensorboard/data/server/run.rs and reservoir.rs (`preempt`): `session_log` events are ignored;
 * each new point drops the points of its own tag at its step or later; events with a non-finite wall time are
 * dropped.
 */
export function tensorBoardScalars(
  events: Iterable<TensorBoardEvent>,
  options: TensorBoardScalarsOptions = {},
): Map<string, ScalarPoint[]> {
  const loader = options.loader ?? 'python';
  const series = new Map<string, ScalarPoint[]>();
  const dropFrom = (tag: string, step: number): void => {
    const points = series.get(tag);
    if (points !== undefined) series.set(tag, points.filter((point) => point.step < step));
  };
  let fileVersion: number | undefined;
  let seenSessionStart = false;
  let mostRecentStep = -1;

  for (const event of events) {
    if (loader === 'python') {
      if (event.fileVersion !== undefined) fileVersion = parseFileVersion(event.fileVersion);
      if (fileVersion !== undefined && fileVersion >= 2) {
        if (event.sessionLog?.status === SessionStatus.START) {
          if (seenSessionStart) for (const tag of series.keys()) dropFrom(tag, event.step);
          seenSessionStart = true;
        }
      } else if (event.summary !== undefined && event.step < mostRecentStep) {
        for (const value of event.summary.value) dropFrom(value.tag, event.step);
      }
      if (event.summary !== undefined) mostRecentStep = event.step;
    } else if (!Number.isFinite(event.wallTime)) {
      continue;
    }
    for (const value of event.summary?.value ?? []) {
      if (loader === 'rust') dropFrom(value.tag, event.step);
      if (value.simpleValue === undefined) continue;
      const points = series.get(value.tag) ?? [];
      points.push({ step: event.step, value: value.simpleValue, wallTime: event.wallTime });
      series.set(value.tag, points);
    }
  }
  return series;
}

// event_util.ParseFileVersion: the number after "brain.Event:" (Python `float`), or -1 when it does not parse.
function parseFileVersion(fileVersion: string): number {
  const token = fileVersion.split('brain.Event:').pop() ?? '';
  return /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(token) ? Number(token) : -1;
}
