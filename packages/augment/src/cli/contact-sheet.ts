/**
 * `npx nx run augment:contact-sheet --data.root=data/a2d-synth --out=contact-sheet.png [--clips=6] [--seed=0] [--config=file.json]`
 * For a few train clips, draws one row of the sampled decoded frames and one row of the same clip after the
 * train transform, each labelled with the video id and label name, and writes the sheet as a PNG. This is the
 * quickest way to see what the model is actually fed.
 */
import path from 'node:path';
import { z } from 'zod';
import {
  ConfigError,
  Rng,
  a2dConfigSchema,
  labelName,
  loadConfig,
  parseArgs,
  parseConfig,
  VideoDecodeError,
  writeFileAtomic,
} from '@a2d/core';
import { ClipSource, readVideoset, splitDataset } from '@a2d/ingest';
import { buildTrainTransform } from '../clip-pipelines';
import { renderContactSheet, type ContactSheetRow } from '../contact-sheet';
import { encodePng } from '../png-encoder';

const USAGE =
  'usage: augment:contact-sheet [--data.root=<dir> | --root=<dir>] [--out=<file.png>] [--clips=<n>] [--seed=<n>] ' +
  '[--config=<file.json>] [--<config.path>=<value>]';

/** The flags this command takes besides config paths (`--seed` and `--root` are config aliases). */
const flagsSchema = z
  .object({
    out: z.string().min(1).default('contact-sheet.png'),
    clips: z
      .string()
      .regex(/^[1-9]\d*$/, 'expected a positive whole number')
      .default('6')
      .transform(Number)
      .pipe(z.number().max(64)),
    config: z.string().min(1).optional(),
  });

/** Validates the non-config flags; problems are reported as `--flag: message`. */
function parseFlags(flags: Record<string, string | true>, positional: readonly string[]): z.output<typeof flagsSchema> {
  const known = Object.keys(flagsSchema.shape);
  const problems = [
    ...Object.keys(flags)
      .filter((flag) => !known.includes(flag))
      .map((flag) => ({ path: `--${flag}`, message: 'unknown option' })),
    ...positional.map((arg) => ({ path: arg, message: 'unexpected argument' })),
  ];
  try {
    const parsed = parseConfig(flagsSchema, flags, 'command line');
    if (problems.length === 0) return parsed;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.issues.map((issue) => ({ path: `--${issue.path}`, message: issue.message })));
  }
  throw new ConfigError(problems, 'command line');
}

/** What the command did, for callers and tests. */
export interface ContactSheetSummary {
  out: string;
  width: number;
  height: number;
  videoIds: string[];
  /** Train videos that could not be decoded and were left out. */
  skipped: { videoId: string; reason: string }[];
}

/** Runs the command; `print` receives progress lines. Throws our typed errors for bad input. */
export async function runContactSheetCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
): Promise<ContactSheetSummary> {
  const { overrides, flags, positional } = parseArgs(argv, { root: 'data.root', seed: 'seed' });
  const options = parseFlags(flags, positional);
  const config = loadConfig(a2dConfigSchema, { file: options.config, env, overrides });
  const { data } = config;

  const records = await readVideoset(path.join(data.root, data.videosetFile));
  const { train } = splitDataset(records, { valFraction: data.valFraction, seed: data.splitSeed, includeNone: data.includeNone });
  const rng = new Rng(config.seed).fork('contact-sheet');
  const picked = rng.fork('pick').shuffle([...train]);
  const source = new ClipSource({ data, temporal: config.augment.temporal, logger: { warn: print } });
  const transform = buildTrainTransform(config.augment);

  const rows: ContactSheetRow[] = [];
  const videoIds: string[] = [];
  const skipped: ContactSheetSummary['skipped'] = [];
  for (const record of picked) {
    if (videoIds.length === options.clips) break;
    let clip;
    try {
      clip = await source.loadClip(record, { mode: 'train', rng: rng.fork(`sample/${record.videoId}`) });
    } catch (error) {
      if (!(error instanceof VideoDecodeError)) throw error;
      skipped.push({ videoId: record.videoId, reason: error.reason });
      print(`skipping ${record.videoId}: ${error.message}`);
      continue;
    }
    const augmented = transform(clip, rng.fork(`transform/${record.videoId}`));
    const name = `${record.videoId}  ${labelName(record.label)}`;
    const frames = clip.sourceIndices.join(',');
    rows.push({ label: `${name}  decoded ${clip.width}x${clip.height} frames ${frames}`, clip });
    rows.push({ label: `${name}  train augmented ${augmented.width}x${augmented.height}`, clip: augmented });
    videoIds.push(record.videoId);
  }
  if (rows.length === 0) {
    throw new ConfigError([{ path: 'data.root', message: `no decodable train clip among ${train.length} train videos in ${data.root}` }]);
  }

  const sheet = renderContactSheet(rows);
  await writeFileAtomic(options.out, encodePng(sheet.rgb, sheet.width, sheet.height));
  print(`wrote ${options.out} (${sheet.width}x${sheet.height}, ${videoIds.length} clips: ${videoIds.join(', ')})`);
  return { out: options.out, width: sheet.width, height: sheet.height, videoIds, skipped };
}

async function main(): Promise<void> {
  try {
    await runContactSheetCommand(process.argv.slice(2), process.env, (line) => console.log(line));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // One line: a multi-line ConfigError is folded into "path: message; path: message".
    console.error(`augment:contact-sheet: ${message.replace(/:?\n\s*/g, (match) => (match.startsWith(':') ? ': ' : '; '))}`);
    if (error instanceof ConfigError && error.source === 'command line') console.error(USAGE);
    process.exitCode = 1;
  }
}

if (require.main === module) void main();
