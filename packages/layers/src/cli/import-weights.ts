/**
 * `npx nx run layers:import-weights --from=<file> --backbone=<name> --out=<dir> [--force] [--backend=wasm|cpu|...]`
 * (the backend also from `--engine.backend` or `A2D_ENGINE__BACKEND`)
 * Converts torchvision ResNet weights (a state_dict as .safetensors, from tools/pretrained/export_torchvision.py)
 * or Keras EfficientNet weights (.h5 / .weights.h5) into a pretrained folder for `--model.pretrained=<dir>`,
 * and prints what was loaded, missing, mismatched and unused. A partial load is refused unless --force; a poisoned
 * file (NaN/Inf, a negative variance, an integer weight, overlapping tensor bytes) and an unusable --out or --from
 * always are, as one line naming the path (and the tensor), before anything is written.
 */
import { z } from 'zod';
import { a2dConfigSchema, backboneNameSchema, booleanFlag, loadConfig, parseCommandLine, runCommandLine, stringFlag } from '@a2d/core';
import { initEngine } from '@a2d/engine';
import { importBackboneWeights, type ImportWeightsResult } from '../pretrained/import-weights';

/**
 * The one config key is the engine's backend (`--backend`, `A2D_ENGINE__BACKEND`); the architecture is `--backbone`,
 * the one the weights are for, not the model config's.
 */
const COMMAND_LINE = {
  name: 'layers:import-weights',
  summary: 'converts torchvision ResNet (.safetensors) or Keras EfficientNet (.h5) weights into a pretrained folder for --model.pretrained=<dir>',
  flags: z.object({
    from: stringFlag().describe('the weights file: a state_dict as .safetensors (tools/pretrained/export_torchvision.py) or Keras .h5 / .weights.h5').meta({ placeholder: 'file' }),
    backbone: backboneNameSchema.describe('the architecture the weights are for'),
    out: stringFlag().describe('the pretrained folder to create (must not exist, or be empty)').meta({ placeholder: 'dir' }),
    force: booleanFlag().default(false).describe('write a partial import (missing or mismatched weights keep random values)'),
  }),
  aliases: { backend: 'engine.backend' },
  configKeys: ['engine.backend'],
  configHint: 'the architecture is --backbone=<name>, the source --from=<file>',
};

/** The report as printed (one block; lists are cut to their first entries, the manifest has them all). */
export function formatImportReport({ out, manifest, report }: ImportWeightsResult): string {
  const total = report.loaded.length + report.missing.length + report.mismatched.length;
  const list = (names: string[]) => (names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')}, ... (${names.length - 8} more)`);
  const { mean, std } = manifest.inputNormalization;
  const lines = [
    `source: ${manifest.source.file} (${report.format}, ${manifest.source.bytes} bytes, sha256 ${manifest.source.sha256.slice(0, 12)})`,
    `backbone: ${manifest.backbone}: ${report.loaded.length} of ${total} weights loaded`,
    `missing: ${report.missing.length}${report.missing.length ? ` (${list(report.missing)})` : ''}`,
    `mismatched: ${report.mismatched.length}${report.mismatched.length ? ` (${list(report.mismatched.map((m) => `${m.name} [${m.expected.join(',')}] vs [${m.got.join(',')}]`))})` : ''}`,
    `unused: ${report.unused.length}${report.unused.length ? ` (${list(report.unused)})` : ''}`,
    `ignored: ${report.ignored.length}${report.ignored.length ? ` (${[...new Set(report.ignored.map((i) => i.reason))].join('; ')})` : ''}`,
    `input normalization: mean [${mean.map((v) => v.toFixed(4)).join(', ')}], std [${std.map((v) => v.toFixed(4)).join(', ')}] from ${manifest.normalizationSource}`,
    manifest.report.partial ? 'PARTIAL (forced): the missing and mismatched weights keep random initial values' : 'complete',
    `wrote ${out} (train with --model.backbone=${manifest.backbone} --model.pretrained=${out})`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs the command with the given arguments and environment (`A2D_ENGINE__BACKEND`); `print` receives the report. */
export async function runImportWeightsCommand(argv: readonly string[], print: (text: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { flags, overrides } = parseCommandLine(argv, COMMAND_LINE, { env });
  const { engine } = loadConfig(a2dConfigSchema, { env, overrides });
  await initEngine({ backend: engine.backend, log: () => undefined });
  const result = await importBackboneWeights({ from: flags.from, backbone: flags.backbone, out: flags.out, force: flags.force });
  print(formatImportReport(result));
}

if (require.main === module) {
  void runCommandLine(COMMAND_LINE, () => runImportWeightsCommand(process.argv.slice(2), (text) => process.stdout.write(text)));
}
