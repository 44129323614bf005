/**
 * Every CLI of the repository answers `--help` as a user runs it (`node --import tsx <file> --help`, a real process
 * in an empty folder): exit 0, the help on stdout naming the command, some of its flags and (for the commands that
 * take config keys) keys with their defaults, nothing on stderr, and nothing written. It lives here because the
 * evaluator's `spec` target lists every other CLI's source among its inputs (project.json), so Nx reruns it when any
 * of them changes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const WORKSPACE = path.resolve(__dirname, '../../..');

interface HelpCase {
  /** The CLI's file, from the workspace root. */
  file: string;
  /** The command its help names first. */
  name: string;
  /** Flags its help lists (as the help spells them). */
  flags: string[];
  /** Config keys with the default the help shows, or `none` for a command that takes no config keys. */
  config: [key: string, shown: string][] | 'none';
}

const SAVED = "(the experiment's saved config)";

const CASES: HelpCase[] = [
  { file: 'apps/trainer/src/train.ts', name: 'trainer:train', flags: ['--experiment-name=<name>', '--resume', '--print-config', '--backend=<value>'], config: [['data.root', 'data/a2d-synth'], ['train.epochs', '24'], ['model.backbone', 'tiny']] },
  { file: 'apps/trainer/bench/train-bench.ts', name: 'trainer:bench', flags: ['--steps=<n>', '--epochs=<n>', '--root=<value>'], config: [['data.loader.batchSize', '8'], ['engine.backend', 'auto']] },
  { file: 'apps/evaluator/src/test.ts', name: 'evaluator:test', flags: ['--experiment-name=<name>', '--split=<test|val>', '--views=<n>', '--root=<value>'], config: [['data.root', SAVED], ['engine.backend', 'auto'], ['experiment.dir', 'experiments']] },
  { file: 'apps/evaluator/src/test-target.ts', name: 'evaluator:test', flags: ['--experiment-name=<name>', '--mode=<test>'], config: [['data.sampling.testViews', SAVED]] },
  { file: 'apps/evaluator/src/score.ts', name: 'evaluator:score', flags: ['--predictions=<file.csv>', '--out=<dir>'], config: 'none' },
  { file: 'apps/evaluator/src/predict.ts', name: 'evaluator:predict', flags: ['--video=<file>', '--json', '--crops=<1|3>'], config: [['data.sampling.testCrops', "(the checkpoint's saved config)"], ['engine.backend', 'auto']] },
  { file: 'apps/evaluator/src/explain.ts', name: 'evaluator:explain', flags: ['--video=<file>', '--out=<dir>', '--ema'], config: [['engine.backend', 'auto'], ['experiment.dir', 'experiments']] },
  { file: 'apps/evaluator/bench/test-bench.ts', name: 'evaluator:bench', flags: ['--backends=<a,b>', '--rounds=<n>'], config: [['experiment.dir', 'experiments']] },
  { file: 'apps/reporter/src/plots.ts', name: 'reporter:plots', flags: ['--experiment-name=<name>', '--compare=<name>'], config: [['experiment.dir', 'experiments'], ['data.root', SAVED]] },
  { file: 'apps/viewer/src/serve.ts', name: 'viewer:serve', flags: ['--port=<n>', '--host=<value>', '--ema'], config: [['experiment.dir', 'experiments']] },
  { file: 'apps/viewer/src/build.ts', name: 'viewer:build', flags: ['--out=<dir>', '--checkpoint=<dir>'], config: [['experiment.dir', 'experiments']] },
  { file: 'packages/augment/src/cli/contact-sheet.ts', name: 'augment:contact-sheet', flags: ['--out=<file.png>', '--clips=<n>', '--seed=<n>'], config: [['augment.cropSize', '112'], ['data.root', 'data/a2d-synth']] },
  { file: 'packages/layers/src/cli/import-weights.ts', name: 'layers:import-weights', flags: ['--from=<file>', '--backbone=<value>', '--force'], config: [['engine.backend', 'auto']] },
  { file: 'packages/layers/bench/profile.ts', name: 'layers:profile', flags: ['--mode=<train|predict>', '--top=<n>'], config: [['model.hiddenDim', '64'], ['data.sampling.numFrames', '8']] },
  { file: 'packages/ingest/src/cli/stats.ts', name: 'ingest:stats', flags: ['--json=<out.json>', '--config=<file.json>'], config: [['data.valFraction', '0.15'], ['data.root', 'data/a2d-synth']] },
  { file: 'packages/synth/src/cli/generate.ts', name: 'synth:generate', flags: ['--size=<tiny|small|medium|full>', '--out=<dir>', '--workers=<n>'], config: 'none' },
];

interface HelpRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the command left in its (empty) working folder. */
  written: string[];
}

/** The environment of the runs: no `A2D_*` variables, so every default shows as the schema has it. */
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('A2D_')));

function runHelp(file: string): Promise<HelpRun> {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'a2d-cli-help-'));
  const child = spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(WORKSPACE, file), '--help'], { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, written: readdirSync(cwd) })));
}

/** Runs `tasks` at most `limit` at a time (each CLI loads tfjs and its packages: all at once would thrash 2 cores). */
async function inPool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('every CLI answers --help', () => {
  let runs: Map<string, HelpRun>;

  beforeAll(async () => {
    const results = await inPool(CASES.map((c) => () => runHelp(c.file)), 4);
    runs = new Map(CASES.map((c, index) => [c.file, results[index]]));
  }, 180_000);

  it.each(CASES.map((c) => [c.file, c] as const))('%s', (_file, c) => {
    const run = runs.get(c.file);
    if (!run) throw new Error(`${c.file} did not run`);
    expect({ code: run.code, stderr: run.stderr, written: run.written }).toEqual({ code: 0, stderr: '', written: [] });
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${escape(c.name)}: \\S`));
    expect(run.stdout).toContain(`usage: npx nx run ${c.name}`);
    for (const flag of c.flags) expect(lines.some((line) => line.trimStart().startsWith(`${flag} `))).toBe(true);
    expect(lines.some((line) => line.trimStart().startsWith('-h, --help '))).toBe(true);
    if (c.config === 'none') {
      expect(run.stdout).toContain(`config: ${c.name} takes no config keys`);
    } else {
      expect(run.stdout).toMatch(/\n {2}precedence: .* < A2D_\* environment < command line\n/);
      for (const [key, shown] of c.config) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ {4}${escape(key)} +\\S.* ${escape(shown)}$`)));
    }
    expect(lines[lines.length - 2]).toBe(`through Nx: \`npx nx run ${c.name} --help\` is Nx's own help; \`npx nx run ${c.name} -- --help\` prints this one`);
  });
});
