/**
 * The `evaluator:test` Nx target has two jobs under one name: the evaluation command the project's spec asks for
 * (`nx run evaluator:test --experiment-name=X`, or `--mode test ...`) and, like every project's `test` target, this
 * project's jest suite (`nx run-many -t test`, which passes no arguments). Arguments naming an experiment or a
 * mode select the evaluation; anything else (nothing, or jest's own flags) runs jest.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runCommandLine } from '@a2d/core';
import { runTestCommand, TEST_USAGE } from './test';

/** The flags that only the evaluation command takes (camel-cased spellings included: Nx may pass either). */
const EVALUATION_FLAGS = ['--experiment-name', '--experimentName', '--mode'];

/** Which job `argv` asks the `test` target for. */
export function testTargetJob(argv: readonly string[]): 'evaluate' | 'jest' {
  return argv.some((arg) => EVALUATION_FLAGS.some((flag) => arg === flag || arg.startsWith(`${flag}=`))) ? 'evaluate' : 'jest';
}

/** Runs this project's jest suite with `argv` (as the default `test` target would); returns its exit code. */
function runJest(argv: readonly string[]): number {
  const projectRoot = path.join(__dirname, '..');
  const jest = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', 'jest.config.js', ...argv], { cwd: projectRoot, stdio: 'inherit' });
  return jest.status ?? 1;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (testTargetJob(argv) === 'jest') {
    process.exit(runJest(argv));
  } else {
    void runCommandLine('evaluator:test', TEST_USAGE, async () => {
      await runTestCommand(argv, (text) => process.stdout.write(text));
    }).then((code) => process.exit(code));
  }
}
