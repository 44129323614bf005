/**
 * Console progress of a training or evaluation loop. Three modes, chosen once:
 * - live (the stream is a terminal and not `quiet`): a redrawn bar with batches done, ETA, running loss,
 *   accuracy and clips/s; `log` lines print above it; `endEpoch` replaces it with the epoch's summary line.
 * - lines (not a terminal, e.g. a log file or CI): no bar and no per-batch output, only `log` and `endEpoch` lines.
 * - quiet: only `endEpoch` lines and warnings.
 * `warn` prints in every mode (a warning must survive `--quiet`); `log` is for routine lines, dropped when quiet.
 */
import { SingleBar } from 'cli-progress';

/** Where progress goes: `process.stderr` or anything with `write` (tests pass a fake). */
export interface ProgressStream {
  write(text: string): unknown;
  /** True for a terminal (Node sets it on TTY streams). */
  isTTY?: boolean;
  /** Terminal width; the bar is trimmed to it (default 80). */
  columns?: number;
}

/** How a `ProgressReporter` prints. */
export interface ProgressReporterOptions {
  /** Print only the `endEpoch` summary lines. */
  quiet?: boolean;
  /** Whether to draw a live bar; defaults to `stream.isTTY` (tests and `--progress` flags override it). */
  isTTY?: boolean;
}

/** The running figures of an epoch so far; any may be left out (shown as `-`). */
export interface BatchProgress {
  /** Running mean loss. */
  loss?: number;
  /** Running accuracy as a fraction in [0, 1] (shown as a percentage). */
  acc?: number;
  /** Throughput, clips per second. */
  clipsPerSecond?: number;
}

/** Which of the three modes a reporter prints in. */
export type ProgressMode = 'live' | 'lines' | 'quiet';

const CLEAR_LINE = '\r\x1b[2K';
const BAR_FORMAT = '{title} [{bar}] {value}/{total} | loss {loss} | acc {acc} | {clipsPerSecond} clips/s | {duration_formatted}<{eta_formatted}';

/** The payload shown in the bar's placeholders. */
function barPayload(progress: BatchProgress): { loss: string; acc: string; clipsPerSecond: string } {
  const show = (value: number | undefined, format: (value: number) => string) => (value === undefined ? '-' : format(value));
  return {
    loss: show(progress.loss, (value) => value.toFixed(4)),
    acc: show(progress.acc, (value) => `${(100 * value).toFixed(1)}%`),
    clipsPerSecond: show(progress.clipsPerSecond, (value) => value.toFixed(1)),
  };
}

/**
 * cli-progress redraws on a timer that it re-arms on every frame; unref'ing each one means a loop that throws
 * before `stop()` cannot keep the process alive. (`timer` is the bar's own field, not in its types.)
 */
class NonBlockingBar extends SingleBar {
  override render(): void {
    super.render();
    (this as unknown as { timer: NodeJS.Timeout | null }).timer?.unref();
  }
}

/** Prints the progress of a training/eval loop: a live bar on a terminal, plain lines elsewhere. */
export class ProgressReporter {
  /** The mode chosen from the stream and the options. */
  readonly mode: ProgressMode;
  private bar: NonBlockingBar | undefined;

  constructor(
    private readonly stream: ProgressStream = process.stderr,
    options: ProgressReporterOptions = {},
  ) {
    this.mode = options.quiet ? 'quiet' : (options.isTTY ?? stream.isTTY === true) ? 'live' : 'lines';
  }

  /** Starts an epoch of `totalBatches` batches; in live mode draws a fresh bar titled `title`. */
  startEpoch(epoch: number, totalBatches: number, title = `epoch ${epoch}`): void {
    this.clearBar();
    if (this.mode !== 'live') return;
    this.bar = new NonBlockingBar({
      stream: this.terminalView(),
      format: BAR_FORMAT,
      barsize: 24,
      // Trim to the terminal width instead of switching the terminal's line wrapping off and on.
      linewrap: true,
      clearOnComplete: true,
      // Redraw every frame, so a line printed by `log` never leaves the bar missing.
      forceRedraw: true,
      hideCursor: false,
      gracefulExit: false,
    });
    this.bar.start(totalBatches, 0, { title, ...barPayload({}) });
  }

  /** Records that `batchesDone` batches of the epoch are done, with the running figures (live mode only). */
  update(batchesDone: number, progress: BatchProgress = {}): void {
    this.bar?.update(batchesDone, barPayload(progress));
  }

  /** Ends the epoch: removes the bar and prints `summaryLine` (in every mode). */
  endEpoch(summaryLine: string): void {
    this.clearBar();
    this.stream.write(`${summaryLine}\n`);
  }

  /** Prints `line` above the bar (or alone when there is none); nothing in quiet mode. */
  log(line: string): void {
    if (this.mode !== 'quiet') this.printAboveBar(line);
  }

  /** Prints `warning: <message>` above the bar, in every mode (quiet included). */
  warn(message: string): void {
    this.printAboveBar(`warning: ${message}`);
  }

  /** Removes the bar if one is drawn (call it in a `finally`, so an interrupted loop leaves a clean terminal). */
  stop(): void {
    this.clearBar();
  }

  private printAboveBar(line: string): void {
    if (!this.bar) {
      this.stream.write(`${line}\n`);
      return;
    }
    this.stream.write(`${CLEAR_LINE}${line}\n`);
    this.bar.render();
  }

  private clearBar(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  /** cli-progress draws only on streams that say they are terminals; this view says so when we decided to draw. */
  private terminalView(): NodeJS.WritableStream {
    const stream = this.stream;
    const view = {
      isTTY: true,
      get columns(): number {
        return stream.columns ?? 80;
      },
      write(text: string, callback?: () => void): boolean {
        stream.write(text);
        callback?.();
        return true;
      },
    };
    return view as unknown as NodeJS.WritableStream;
  }
}
