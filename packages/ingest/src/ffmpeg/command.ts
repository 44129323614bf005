/**
 * The one module that imports fluent-ffmpeg: it describes an ffmpeg command (inputs with their options, outputs
 * with theirs) and `ffmpegArguments` returns the argument list fluent-ffmpeg builds for it. Nothing here runs a
 * process: `process.ts` runs every command, so each one gets our supervision (own process group, the whole group
 * killed on timeout or abort, settling when ffmpeg exits), which fluent-ffmpeg's own `run()` cannot give.
 *
 * fluent-ffmpeg is archived upstream at 2.1.3; keeping it behind this one file is what lets it be swapped: a
 * replacement only has to turn a `FfmpegCommandDescription` into the same list (command.spec.ts pins it).
 *
 * The binary is not taken from fluent-ffmpeg: its lookup is asynchronous, cached for the whole process on first use
 * (an `FFMPEG_PATH` set later is ignored) and falls back to `which ffmpeg` when `FFMPEG_PATH` names a missing file,
 * which would hide a wrong setting. `process.ts` reads the same `FFMPEG_PATH` at every start instead.
 */
import ffmpeg from 'fluent-ffmpeg';

/** One input of an ffmpeg command: where ffmpeg reads it and the options that describe it. */
export interface FfmpegInput {
  /**
   * A file path or a protocol URL such as `pipe:3`, written as is after `-i`. Never a Node stream: fluent-ffmpeg
   * would write `pipe:0` and expect to pipe the stream itself; the runner (`startTool`) connects pipes instead.
   */
  source: string;
  /** Options of this input (format, size, rate), written before its `-i`; each string is one argument. */
  options?: readonly string[];
}

/** One output of an ffmpeg command: where ffmpeg writes it and its options. */
export interface FfmpegOutput {
  /** A file path (ffmpeg then runs with `-y`: fluent-ffmpeg always overwrites files) or a URL such as `pipe:1`. */
  target: string;
  /** Options of this output (`-map`, codec, filters, format), written before its target; each string is one argument. */
  options?: readonly string[];
}

/** An ffmpeg command as fluent-ffmpeg describes it: global options, then inputs, then outputs. */
export interface FfmpegCommandDescription {
  /** Options of the whole run (`-nostdin`, `-loglevel error`), written first, where ffmpeg's usage line puts them. */
  globalOptions?: readonly string[];
  /** At least one input, in ffmpeg's numbering order (`-map 0:v:0` is the first). */
  inputs: readonly [FfmpegInput, ...FfmpegInput[]];
  /** At least one output: without one fluent-ffmpeg's list names no target and ffmpeg would refuse to run. */
  outputs: readonly [FfmpegOutput, ...FfmpegOutput[]];
}

/**
 * The argument list (without the binary) fluent-ffmpeg builds for `description`:
 * `<global options> {<input options> -i <source>}... [-y] {<output options> <target>}...`, with `-y` whenever an
 * output is a file. Pure: it starts nothing; hand the list to `startTool('ffmpeg', ...)`.
 */
export function ffmpegArguments(description: FfmpegCommandDescription): string[] {
  const { globalOptions = [], inputs, outputs } = description;
  if (inputs.length === 0 || outputs.length === 0) {
    throw new RangeError(`an ffmpeg command needs at least one input and one output, got ${inputs.length} and ${outputs.length}`);
  }
  const command = ffmpeg();
  inputs.forEach(({ source, options = [] }, k) => {
    command.input(source);
    // fluent-ffmpeg 2.1.3 has no public setter for global options and writes its own after the inputs; ffmpeg
    // reads them anywhere before the first output, so they lead the first input's options, where its usage puts them.
    addOptions(k === 0 ? [...globalOptions, ...options] : options, (...list) => command.inputOptions(...list));
  });
  for (const { target, options = [] } of outputs) {
    command.output(target);
    addOptions(options, (...list) => command.outputOptions(...list));
  }
  return builtArguments(command);
}

/**
 * Adds `options` through fluent-ffmpeg's `inputOptions` / `outputOptions` (given as `add`) so that each string stays
 * one argument. Called with one array, fluent-ffmpeg splits every string holding exactly one space in two (`-s 64x48`
 * becomes `-s`, `64x48`); called with several strings it keeps them whole. So the strings go as separate arguments,
 * an empty list is not passed at all (it would add the word `undefined`), and a lone string with one space, which
 * would be split whatever the call, is refused.
 */
function addOptions(options: readonly string[], add: (...list: string[]) => unknown): void {
  if (options.length === 0) return;
  if (options.length === 1 && options[0].split(' ').length === 2) {
    throw new RangeError(`ffmpeg option "${options[0]}" alone would be split at its space by fluent-ffmpeg; give it as two strings`);
  }
  add(...options);
}

/**
 * Reads the list fluent-ffmpeg's own `run()` would spawn ffmpeg with, through `_getArguments()` (underscored, yet
 * declared by @types/fluent-ffmpeg). Safe because fluent-ffmpeg is archived at 2.1.3 and will not change;
 * `run()` itself is not used, since it spawns the process outside our supervision. If fluent-ffmpeg is ever replaced
 * or upgraded, this function is the one place to change: build the same list another way, and command.spec.ts tells
 * whether it still matches.
 */
function builtArguments(command: ffmpeg.FfmpegCommand): string[] {
  if (typeof command._getArguments !== 'function') {
    throw new TypeError('fluent-ffmpeg no longer has FfmpegCommand#_getArguments: update builtArguments in ingest/src/ffmpeg/command.ts');
  }
  return [...command._getArguments()];
}
