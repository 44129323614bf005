/**
 * The `evaluator:test` Nx target has two jobs under one name: the evaluation command the project's spec asks for
 * (`nx run evaluator:test --experiment-name=X`, or `--mode test ...`) and, like every project's `test` target, this
 * project's jest suite. Only the bare invocation (no arguments at all, as `nx run-many -t test` and `nx affected -t
 * test` call every `test` target) runs the suite; anything else is the evaluation command, so a typo gets the
 * did-you-mean line, `--help` the help, and `--experiment_name=X` (a spelling the command accepts) an evaluation,
 * never a silent jest run.
 *
 * The suite runs as a nested `nx run evaluator:spec` rather than jest itself: `spec` is cacheable (its inputs are in
 * project.json, as the other projects' `test` targets have them), so `nx run-many -t test` does not re-test an
 * unchanged evaluator. `test` cannot be cached: the same target evaluates experiments, whose results belong to the
 * experiment folder, not to Nx.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { runCommandLine } from '@a2d/core';
import { runTestCommand, TEST_COMMAND_LINE } from './test';

/** Which job `argv` asks the `test` target for: the jest suite only when there are no arguments at all. */
export function testTargetJob(argv: readonly string[]): 'evaluate' | 'jest' {
  return argv.length === 0 ? 'jest' : 'evaluate';
}

/** Runs this project's jest suite through the cacheable `evaluator:spec` target; returns its exit code. */
function runSpecTarget(): number {
  const workspaceRoot = path.resolve(__dirname, '..', '..', '..');
  const nx = spawnSync(process.execPath, [require.resolve('nx/bin/nx'), 'run', 'evaluator:spec'], { cwd: workspaceRoot, stdio: 'inherit' });
  return nx.status ?? 1;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (testTargetJob(argv) === 'jest') {
    process.exit(runSpecTarget());
  } else {
    void runCommandLine(TEST_COMMAND_LINE, async () => {
      await runTestCommand(argv, (text) => process.stdout.write(text));
    }).then((code) => process.exit(code));
  }
}
