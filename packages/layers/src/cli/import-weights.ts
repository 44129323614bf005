/**
 * `npx nx run layers:import-weights --from=<file> --backbone=<name> --out=<dir> [--force] [--backend=wasm|cpu|...]`
 * Converts torchvision ResNet weights (a state_dict as .safetensors, from tools/pretrained/export_torchvision.py)
 * or Keras EfficientNet weights (.h5 / .weights.h5) into a pretrained folder for `--model.pretrained=<dir>`,
 * and prints what was loaded, missing, mismatched and unused. A partial load is refused unless --force; a poisoned
 * file (NaN/Inf, a negative variance, an integer weight, overlapping tensor bytes) and an unusable --out or --from
 * always are, as one line naming the path (and the tensor), before anything is written.
 */
import { z } from 'zod';
import { backboneNameSchema, booleanFlag, engineBackendSchema, parseCommandLine, runCommandLine, stringFlag } from '@a2d/core';
import { initEngine } from '@a2d/engine';
import { importBackboneWeights, type ImportWeightsResult } from '../pretrained/import-weights';

const USAGE =
  'usage: layers:import-weights --from=<weights.safetensors | keras.h5> --backbone=<resnet18|resnet34|resnet50|resnet101|efficientnet-b0..b4> --out=<dir> [--force] [--backend=auto|wasm|cpu]';

const COMMAND_LINE = {
  flags: z.object({
    from: stringFlag(),
    backbone: backboneNameSchema,
    out: stringFlag(),
    force: booleanFlag().default(false),
    backend: engineBackendSchema.default('auto'),
  }),
  configOverrides: false,
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

/** Runs the command with the given arguments; `print` receives the report. */
export async function runImportWeightsCommand(argv: readonly string[], print: (text: string) => void): Promise<void> {
  const { flags } = parseCommandLine(argv, COMMAND_LINE);
  await initEngine({ backend: flags.backend, log: () => undefined });
  const result = await importBackboneWeights({ from: flags.from, backbone: flags.backbone, out: flags.out, force: flags.force });
  print(formatImportReport(result));
}

if (require.main === module) {
  void runCommandLine('layers:import-weights', USAGE, () => runImportWeightsCommand(process.argv.slice(2), (text) => process.stdout.write(text)));
}
