/**
 * Ctrl-C and SIGTERM for the trainer. One Ctrl-C in a terminal often arrives more than once: the terminal signals
 * the whole foreground process group, and `npm exec`/`npx` and Nx forward the signal to their child as well. So
 * signals within `windowMs` of the first count as one: the run saves a resumable checkpoint after the current
 * update and exits 130 (143 for SIGTERM). A signal after that window means "stop now": it exits at once, which may
 * abort a checkpoint being written (the previous one stays intact: checkpoints are written aside and renamed).
 */

/** Exit code of a process stopped by `signal` (128 + its number, as shells report it). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : signal === 'SIGHUP' ? 129 : 130;
}

/** Settings of `createInterruptHandler`. */
export interface InterruptHandlerOptions {
  /** Signals this long after the first still count as that one (default 1500 ms). */
  windowMs?: number;
  /** The first signal: stop after the current update and save. */
  onInterrupt: (signal: NodeJS.Signals) => void;
  /** A later signal, past the window: exit now with `code`. */
  onForceExit: (signal: NodeJS.Signals, code: number) => void;
  now?: () => number;
}

/** The signal handler of a run; `signal()` tells which signal stopped it (null while none has). */
export interface InterruptHandler {
  handle(signal: NodeJS.Signals): void;
  signal(): NodeJS.Signals | null;
}

/** Counts the signals of one run (see the file comment). */
export function createInterruptHandler(options: InterruptHandlerOptions): InterruptHandler {
  const windowMs = options.windowMs ?? 1500;
  const now = options.now ?? (() => performance.now());
  let first: { signal: NodeJS.Signals; at: number } | null = null;
  return {
    handle(signal) {
      const at = now();
      if (first === null) {
        first = { signal, at };
        options.onInterrupt(signal);
      } else if (at - first.at > windowMs) {
        options.onForceExit(signal, signalExitCode(first.signal));
      }
    },
    signal: () => first?.signal ?? null,
  };
}
