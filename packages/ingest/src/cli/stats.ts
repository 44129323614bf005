/**
 * `npx nx run ingest:stats --data.root=data/a2d-synth [--json=out.json] [--config=file.json]`
 * Reads `<root>/<videosetFile>`, splits it as training would, prints per-class counts and reports
 * clips that are listed but missing on disk. Our typed errors print as one message, without a stack.
 */
import path from 'node:path';
import { z } from 'zod';
import { a2dConfigSchema, checkOutputPath, loadConfig, parseCommandLine, runCommandLine, stringFlag, writeJsonAtomic } from '@a2d/core';
import { findMissingClips, type ClipAvailability } from '../clip-availability';
import { readVideoset } from '../videoset';
import { splitDataset } from '../splits';
import { computeStatistics, formatStatistics } from '../statistics';

/** Missing clip ids shown in the report (all are in the JSON). */
const MISSING_IDS_SHOWN = 5;

/** The flags besides config paths; `--root` is an alias of `--data.root`. */
const COMMAND_LINE = {
  name: 'ingest:stats',
  summary: 'reads the videoset, splits it as training would, prints per-class counts per split and the clips missing on disk',
  flags: z.object({
    json: stringFlag().optional().describe('also write the statistics as JSON to this file').meta({ placeholder: 'out.json' }),
    config: stringFlag().optional().describe('JSON config file: over the defaults, under A2D_* variables and the command line').meta({ placeholder: 'file.json' }),
  }),
  aliases: { root: 'data.root' },
};

function describeClips(clips: ClipAvailability): string {
  if (!clips.clipsDirExists) return `clips: folder ${clips.clipsDir} not found (all ${clips.checked} clips missing)`;
  const missing = clips.missingIds.length;
  if (missing === 0) return `clips: all ${clips.checked} present in ${clips.clipsDir}`;
  const shown = clips.missingIds.slice(0, MISSING_IDS_SHOWN).join(', ');
  const more = missing > MISSING_IDS_SHOWN ? ', ...' : '';
  return `clips: ${missing} of ${clips.checked} missing in ${clips.clipsDir} (${shown}${more})`;
}

/** Runs the command with the given arguments and environment; `print` receives the report. */
export async function runStatsCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  print: (text: string) => void,
): Promise<void> {
  const { overrides, flags } = parseCommandLine(argv, COMMAND_LINE, { env });
  const { config: configFile, json: jsonOut } = flags;
  // A folder in the way of --json is one line before the report, not after it.
  if (jsonOut) checkOutputPath(jsonOut, 'file');

  const config = loadConfig(a2dConfigSchema, { file: configFile, env, overrides });
  const { root, videosetFile, clipsDir, valFraction, splitSeed, includeNone } = config.data;
  const videoset = path.join(root, videosetFile);
  const records = await readVideoset(videoset);
  const splits = splitDataset(records, { valFraction, seed: splitSeed, includeNone });
  const statistics = computeStatistics(splits);
  const clips = await findMissingClips(records, root, clipsDir);

  print(`${videoset}: ${records.length} rows (valFraction ${valFraction}, splitSeed ${splitSeed}, includeNone ${includeNone})\n`);
  print(formatStatistics(statistics));
  print(`\n${describeClips(clips)}\n`);
  if (jsonOut) {
    await writeJsonAtomic(jsonOut, { videoset, split: { valFraction, splitSeed, includeNone }, statistics, clips });
    print(`wrote ${jsonOut}\n`);
  }
}

if (require.main === module) {
  void runCommandLine(COMMAND_LINE, () => runStatsCommand(process.argv.slice(2), process.env, (text) => process.stdout.write(text)));
}
