/**
 * `npx nx run evaluator:bench --experiment-name=<name> [--experiments-dir=experiments] [--backends=native,wasm]
 *   [--rounds=2]` (the experiments folder also from `A2D_EXPERIMENT__DIR`)
 *
 * `evaluator:test` throughput on each backend, measured in the same run: the test split of a trained experiment,
 * one process per backend and round (alternated, so a slower or busier minute falls on both), warm frame cache
 * (one unmeasured run first). Prints clips/s per run, over the whole split and after its first batch (which carries
 * the one-off kernel set-up and JIT warm-up: on the default 217-clip test split a quarter of a native run), the
 * best of each backend, and every backend's ratios to the last one listed (by default native / wasm), and writes
 * them to bench-results/evaluator-test.json. The experiment's own results folder is restored afterwards (each run
 * rewrites it).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { A2dError, a2dConfigSchema, loadConfig, numberFlag, parseCommandLine, runCommandLine, stringFlag, writeJsonAtomic } from '@a2d/core';
import { readMetricsJson } from '@a2d/metrics';
import { evaluationSettingsSchema, experimentPaths } from '@a2d/training';

/** The bench's command line; the one config key is where experiments are (the evaluations run on their saved config). */
const COMMAND_LINE = {
  name: 'evaluator:bench',
  summary: "evaluator:test's throughput on each backend, alternated in one run on a trained experiment's test split, and the ratios",
  flags: z.object({
    experimentName: stringFlag().describe('the trained experiment to evaluate').meta({ placeholder: 'name' }),
    backends: stringFlag().default('native,wasm').describe('comma-separated backends; ratios are to the last one').meta({ placeholder: 'a,b' }),
    rounds: numberFlag().pipe(z.number().int().positive()).default(2).describe('measured runs per backend'),
  }),
  aliases: { experimentsDir: 'experiment.dir' },
  configKeys: ['experiment.dir'],
  configHint: "the evaluations use the experiment's saved config (A2D_* variables reach them)",
};

/** A run of `evaluator:test` that failed: its own message (it names the experiment, the backend, what to do). */
class EvaluatorRunError extends A2dError {}

interface Run {
  backend: string;
  round: number;
  clipsPerSecond: number;
  seconds: number;
  /** Clips/s after the first batch (null with one batch). */
  steadyClipsPerSecond: number | null;
}

async function evaluate(experiment: string, experimentsDir: string, backend: string): Promise<Run & { ran: string }> {
  const script = path.resolve(__dirname, '..', 'src', 'test.ts');
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, `--experiment-name=${experiment}`, `--experiments-dir=${experimentsDir}`, `--backend=${backend}`, '--quiet'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) {
    throw new EvaluatorRunError(`evaluator:test on ${backend} failed (exit ${child.status}): ${(child.stderr || child.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  }
  const file = experimentPaths(experimentsDir, experiment).resultFiles.test.metrics;
  const evaluation = evaluationSettingsSchema.parse((await readMetricsJson(file)).evaluation);
  return { backend, round: 0, clipsPerSecond: evaluation.clipsPerSecond, seconds: evaluation.seconds, steadyClipsPerSecond: evaluation.steadyClipsPerSecond, ran: evaluation.backend };
}

async function main(argv: readonly string[]): Promise<void> {
  const parsed = parseCommandLine(argv, COMMAND_LINE, { env: process.env });
  const flags = { ...parsed.flags, experimentsDir: loadConfig(a2dConfigSchema, { env: process.env, overrides: parsed.overrides }).experiment.dir };
  const backends = flags.backends.split(',').map((b) => b.trim()).filter(Boolean);
  if (backends.length === 0) throw new RangeError('--backends: expected a comma-separated list, e.g. native,wasm');
  const results = experimentPaths(flags.experimentsDir, flags.experimentName).results;
  const backup = mkdtempSync(path.join(os.tmpdir(), 'a2d-evaluator-bench-'));
  const hadResults = existsSync(results);
  const mode = hadResults ? statSync(results).mode & 0o7777 : 0;
  if (hadResults) cpSync(results, backup, { recursive: true, preserveTimestamps: true });
  const runs: Run[] = [];
  try {
    console.error(`bench: warming the frame cache (${backends[0]}, not measured)`);
    await evaluate(flags.experimentName, flags.experimentsDir, backends[0]);
    for (let round = 1; round <= flags.rounds; round++) {
      for (const backend of round % 2 === 1 ? backends : [...backends].reverse()) {
        const run = await evaluate(flags.experimentName, flags.experimentsDir, backend);
        if (run.ran !== backend) throw new Error(`asked for ${backend}, the evaluator ran ${run.ran}`);
        runs.push({ backend, round, clipsPerSecond: run.clipsPerSecond, seconds: run.seconds, steadyClipsPerSecond: run.steadyClipsPerSecond });
        const steady = run.steadyClipsPerSecond === null ? '' : `, ${run.steadyClipsPerSecond.toFixed(1)} after the first batch`;
        console.log(`round ${round}: ${backend.padEnd(8)} ${run.clipsPerSecond.toFixed(1)} clips/s (${run.seconds.toFixed(1)} s${steady})`);
      }
    }
  } finally {
    rmSync(results, { recursive: true, force: true });
    if (hadResults) {
      cpSync(backup, results, { recursive: true, preserveTimestamps: true });
      chmodSync(results, mode); // the copy takes the temporary folder's mode (0700)
    }
    rmSync(backup, { recursive: true, force: true });
  }
  const bestOf = (b: string, speed: (run: Run) => number | null) => Math.max(...runs.filter((r) => r.backend === b).map((r) => speed(r) ?? Number.NaN));
  const best = Object.fromEntries(backends.map((b) => [b, bestOf(b, (r) => r.clipsPerSecond)]));
  const bestSteady = Object.fromEntries(backends.map((b) => [b, bestOf(b, (r) => r.steadyClipsPerSecond)]));
  const peer = backends[backends.length - 1];
  const ratios = Object.fromEntries(backends.slice(0, -1).map((b) => [`${b}/${peer}`, best[b] / best[peer]]));
  const steadyRatios = Object.fromEntries(backends.slice(0, -1).map((b) => [`${b}/${peer}`, bestSteady[b] / bestSteady[peer]]));
  for (const [name, ratio] of Object.entries(ratios)) {
    console.log(`${name}: x${ratio.toFixed(2)} over the whole split, x${steadyRatios[name].toFixed(2)} after the first batch (best of ${flags.rounds})`);
  }
  const out = 'bench-results/evaluator-test.json';
  await writeJsonAtomic(out, { date: new Date().toISOString(), experiment: flags.experimentName, runs, best, ratios, bestSteady, steadyRatios });
  console.log(`saved ${out}`);
}

if (require.main === module) {
  void runCommandLine(COMMAND_LINE, () => main(process.argv.slice(2)));
}
