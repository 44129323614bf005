/**
 * `npx nx run synth:generate --size=<tiny|small|full> --out=<dir> --seed=<n> [--workers=<n>]`
 * Writes a synthetic A2D dataset (videoset.csv + clips320H/*.mp4), resuming where a previous run stopped.
 * Progress goes to stderr; Ctrl-C removes the partial clips in flight and leaves the finished ones.
 */
import { A2dError, ConfigError, parseArgs, parseScalar } from '@a2d/core';
import { DATASET_SIZES } from '../dataset-size';
import { generateDataset, type GenerateProgress } from '../generate-dataset';
import { parseGenerateOptions } from '../generate-options';

function rawOptions(argv: readonly string[]): Record<string, unknown> {
  const { flags, overrides, positional } = parseArgs(argv);
  if (positional.length > 0) {
    throw new A2dError(`unexpected argument(s) ${positional.map((p) => JSON.stringify(p)).join(', ')}: options are --name=value`);
  }
  const raw: Record<string, unknown> = { ...overrides };
  for (const [key, value] of Object.entries(flags)) {
    // Paths stay strings even when they look like numbers.
    raw[key] = value === true || key === 'out' ? value : parseScalar(value);
  }
  return raw;
}

function progressLine(progress: GenerateProgress): string {
  const rate = progress.generated / Math.max(1e-9, progress.elapsedSeconds);
  const remaining = progress.total - progress.done;
  const eta = rate > 0 ? `, eta ${Math.ceil(remaining / rate)}s` : '';
  return `[synth] ${progress.done}/${progress.total} clips (${progress.generated} generated, ${progress.skipped} skipped) ${progress.elapsedSeconds.toFixed(1)}s${progress.generated > 0 ? `, ${rate.toFixed(2)} clips/s${eta}` : ''}`;
}

async function main(): Promise<void> {
  const options = parseGenerateOptions(rawOptions(process.argv.slice(2)), 'synth:generate command line');
  const preset = DATASET_SIZES[options.size];
  console.error(
    `[synth] generating '${options.size}' (${preset.clips} clips, ${preset.seconds[0]}-${preset.seconds[1]} s) into ${options.out} with seed ${options.seed}, ${options.workers} workers`,
  );
  const controller = new AbortController();
  process.once('SIGINT', () => {
    console.error('[synth] interrupted: removing partial clips (finished clips are kept; rerun to resume)');
    controller.abort();
  });
  let lastPrint = 0;
  const summary = await generateDataset(options, {
    signal: controller.signal,
    onProgress: (progress) => {
      const now = performance.now();
      if (progress.done === progress.total || now - lastPrint >= 2000) {
        lastPrint = now;
        console.error(progressLine(progress));
      }
    },
  });
  console.error(
    `[synth] done: ${summary.clips} clips (${summary.generated} generated, ${summary.skipped} skipped), ` +
      `${(summary.clipBytes / 1e6).toFixed(1)} MB, ${summary.seconds.toFixed(1)}s -> ${summary.csvFile}`,
  );
}

const USAGE = 'usage: npx nx run synth:generate --size=<tiny|small|full> --out=<dir> --seed=<n> [--workers=<n>]';

main().catch((error: unknown) => {
  console.error(error instanceof A2dError ? `[synth] ${error.message}` : error);
  if (error instanceof ConfigError) console.error(`[synth] ${USAGE}`);
  process.exitCode = 1;
});
