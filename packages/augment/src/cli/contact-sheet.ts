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
  checkOutputPath,
  labelName,
  loadConfig,
  numberFlag,
  parseCommandLine,
  runCommandLine,
  stringFlag,
  VideoDecodeError,
  writeFileAtomic,
} from '@a2d/core';
import { checkFfmpegTools, ClipSource, readVideoset, splitDataset } from '@a2d/ingest';
import { buildTrainTransform } from '../clip-pipelines';
import { renderContactSheet, type ContactSheetRow } from '../contact-sheet';

/** The flags this command takes besides config paths (`--seed` and `--root` are config aliases). */
const COMMAND_LINE = {
  name: 'augment:contact-sheet',
  summary: 'draws a few train clips as decoded and after the train transform, one row each, into a PNG: what the model is fed',
  flags: z.object({
    out: stringFlag().default('contact-sheet.png').describe('the PNG written').meta({ placeholder: 'file.png' }),
    clips: numberFlag()
      .pipe(z.number().int({ message: 'expected a whole number' }).min(1, { message: 'expected at least 1' }).max(64, { message: 'expected at most 64' }))
      .default(6)
      .describe('train clips drawn (1-64)'),
    config: stringFlag().optional().describe('JSON config file: over the defaults, under A2D_* variables and the command line').meta({ placeholder: 'file.json' }),
  }),
  aliases: { root: 'data.root', seed: 'seed' },
};

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
  const { overrides, flags: options } = parseCommandLine(argv, COMMAND_LINE, { env });
  const config = loadConfig(a2dConfigSchema, { file: options.config, env, overrides });
  const { data } = config;
  // Before any video: a folder in the way of --out, or a broken or too-old ffmpeg/ffprobe (which would make every
  // clip look undecodable and the data look at fault), is one line naming it.
  checkOutputPath(options.out, 'file');
  await checkFfmpegTools({ timeoutSeconds: data.decode.timeoutSeconds });

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
  await writeFileAtomic(options.out, sheet.png);
  print(`wrote ${options.out} (${sheet.width}x${sheet.height}, ${videoIds.length} clips: ${videoIds.join(', ')})`);
  return { out: options.out, width: sheet.width, height: sheet.height, videoIds, skipped };
}

if (require.main === module) {
  void runCommandLine(COMMAND_LINE, async () => {
    await runContactSheetCommand(process.argv.slice(2), process.env, (line) => console.log(line));
  });
}
