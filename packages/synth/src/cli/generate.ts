/**
 * `npx nx run synth:generate --size=<tiny|small|medium|full> --difficulty=<easy|hard> --out=<dir> --seed=<n> [--workers=<n>]`
 * Writes a synthetic A2D dataset (videoset.csv + clips320H/*.mp4), resuming where a previous run stopped.
 * Progress goes to stderr; Ctrl-C removes the partial clips in flight and leaves the finished ones.
 */
import { z } from 'zod';
import { checkOutputPath, ConfigError, describeValueType, flagName, numberFlag, parseCommandLine, runCommandLine, stringFlag } from '@a2d/core';
import { checkFfmpegTools } from '@a2d/ingest';
import { DATASET_SIZES } from '../dataset-size';
import { generateDataset, type GenerateProgress, type GenerateSummary } from '../generate-dataset';
import { generateOptionsSchema, parseGenerateOptions, type GenerateOptions } from '../generate-options';

/** What the help says of an option (what it is, its values, its default), read from `generateOptionsSchema`. */
function option(key: keyof typeof generateOptionsSchema.shape, what: string): { description: string; placeholder?: string } {
  const schema = generateOptionsSchema.shape[key];
  const type = describeValueType(schema);
  const choices = type.includes('|');
  const values = choices || type === 'string' ? '' : `: ${type}`;
  return { description: `${what}${values} (default: ${String(schema.parse(undefined))})`, ...(choices ? { placeholder: type } : {}) };
}

/** Flag syntax only; `parseGenerateOptions` checks the values (sizes, ranges) and fills the defaults. */
const COMMAND_LINE = {
  name: 'synth:generate',
  summary: 'writes a synthetic A2D dataset (videoset.csv + clips320H/*.mp4), resuming where a previous run stopped',
  flags: z.object({
    size: stringFlag().optional().meta(option('size', 'dataset size preset')),
    difficulty: stringFlag().optional().meta(option('difficulty', 'how much confusion the scenes hold')),
    // A path stays a string even when it looks like a number.
    out: stringFlag().optional().meta({ ...option('out', 'the dataset folder'), placeholder: 'dir' }),
    seed: numberFlag().optional().meta(option('seed', 'seed of everything random (same seed, same dataset)')),
    workers: numberFlag().optional().meta(option('workers', 'clips encoded in parallel')),
  }),
  // The generator has no config tree: `--a.b=1` is refused with the flags to use, not taken as an override.
  configOverrides: false,
  configHint: 'use --out=<dir> for the dataset folder (what the trainer calls data.root) and --seed=<n> for its seed',
};

/** Parses the command line into validated generation options; every problem is named as `--flag: message`. */
export function parseGenerateCommandLine(argv: readonly string[]): GenerateOptions {
  const { flags } = parseCommandLine(argv, COMMAND_LINE);
  try {
    return parseGenerateOptions(flags, 'command line');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(
      error.issues.map((issue) => ({ path: flagName(issue.path), message: issue.message })),
      'command line',
    );
  }
}

function progressLine(progress: GenerateProgress): string {
  const rate = progress.generated / Math.max(1e-9, progress.elapsedSeconds);
  const remaining = progress.total - progress.done;
  const eta = rate > 0 ? `, eta ${Math.ceil(remaining / rate)}s` : '';
  return `[synth] ${progress.done}/${progress.total} clips (${progress.generated} generated, ${progress.skipped} skipped) ${progress.elapsedSeconds.toFixed(1)}s${progress.generated > 0 ? `, ${rate.toFixed(2)} clips/s${eta}` : ''}`;
}

/**
 * Runs the command: validates the flags, then generates (or completes) the dataset, printing progress lines at
 * most every 2 s through `print`. Aborting `signal` removes the clips in flight and throws `GenerationAbortedError`.
 */
export async function runGenerateCommand(
  argv: readonly string[],
  print: (line: string) => void,
  signal?: AbortSignal,
): Promise<GenerateSummary> {
  const options = parseGenerateCommandLine(argv);
  // Before any clip: a file in the way of --out, or a broken or too-old ffmpeg/ffprobe, is one line naming it.
  checkOutputPath(options.out, 'folder');
  await checkFfmpegTools();
  const preset = DATASET_SIZES[options.size];
  print(
    `[synth] generating '${options.size}' '${options.difficulty}' (${preset.clips} clips, ${preset.seconds[0]}-${preset.seconds[1]} s) into ${options.out} with seed ${options.seed}, ${options.workers} workers`,
  );
  let lastPrint = 0;
  const summary = await generateDataset(options, {
    signal,
    onProgress: (progress) => {
      const now = performance.now();
      if (progress.done === progress.total || now - lastPrint >= 2000) {
        lastPrint = now;
        print(progressLine(progress));
      }
    },
  });
  print(
    `[synth] done: ${summary.clips} clips (${summary.generated} generated, ${summary.skipped} skipped), ` +
      `${(summary.clipBytes / 1e6).toFixed(1)} MB, ${summary.seconds.toFixed(1)}s -> ${summary.csvFile}`,
  );
  return summary;
}

if (require.main === module) {
  const controller = new AbortController();
  const onInterrupt = () => {
    console.error('[synth] interrupted: removing partial clips (finished clips are kept; rerun to resume)');
    controller.abort();
  };
  process.once('SIGINT', onInterrupt);
  void runCommandLine(COMMAND_LINE, async () => {
    try {
      await runGenerateCommand(process.argv.slice(2), (line) => console.error(line), controller.signal);
    } finally {
      process.removeListener('SIGINT', onInterrupt);
    }
  });
}
