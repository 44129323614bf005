/**
 * The reference fixture: real outputs of a PyTorch two-step model on the real A2D test split (746 videos), kept
 * read-only in `shared/fixtures/a2d-reference` beside the workspace (sessions and CI both put `shared/` there).
 * Every spec that reads it finds it here. A missing fixture skips those specs with a line naming where it was
 * looked for; under `CI=true` it fails them instead, so CI cannot pass with its golden tests silently gone.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The variable naming another fixture folder (relative to the working directory). Not `A2D_*`: every `A2D_*`
 * variable is a config override, and an unknown one fails any command a spec spawns.
 */
export const REFERENCE_FIXTURE_ENV = 'JEST_A2D_REFERENCE_FIXTURES';

/** The file whose presence stands for the whole fixture (the predictions of the 746 test videos). */
export const REFERENCE_PREDICTIONS_FILE = 'test_predictions.csv';

/** The workspace root: the nearest folder holding nx.json, at or above `from`. */
export function workspaceRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no nx.json in ${from} or any folder above it: not inside the workspace`);
  }
}

/** The fixture folder: `$JEST_A2D_REFERENCE_FIXTURES` when set, else `<workspace>/../shared/fixtures/a2d-reference`. */
export function referenceFixtureDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[REFERENCE_FIXTURE_ENV];
  if (override) return path.resolve(override);
  return path.join(workspaceRoot(), '..', 'shared', 'fixtures', 'a2d-reference');
}

/** A file of the fixture, e.g. `referenceFixture('final_metrics.json')`. */
export function referenceFixture(file: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(referenceFixtureDir(env), file);
}

/** Why the fixture cannot be read, naming the path looked for; null when it is there. */
export function referenceFixtureMissing(env: NodeJS.ProcessEnv = process.env): string | null {
  const predictions = referenceFixture(REFERENCE_PREDICTIONS_FILE, env);
  if (existsSync(predictions)) return null;
  const override = env[REFERENCE_FIXTURE_ENV];
  const source = override
    ? `${REFERENCE_FIXTURE_ENV}=${override}`
    : `shared/ belongs beside the workspace; set ${REFERENCE_FIXTURE_ENV} to the fixture folder to read another`;
  return `reference fixture not found: ${predictions} does not exist (${source})`;
}

/**
 * `describe(name, body)` when the fixture is there. When it is missing: `describe.skip` with the reason in the
 * title and on stderr, or, under `CI=true`, one failing test carrying the reason.
 */
export function describeWithReferenceFixture(name: string, body: () => void, env: NodeJS.ProcessEnv = process.env): void {
  const missing = referenceFixtureMissing(env);
  if (missing === null) {
    describe(name, body);
  } else if (env.CI === 'true') {
    describe(name, () => {
      it('has the reference fixture (CI=true: a missing fixture fails, it is not skipped)', () => {
        throw new Error(missing);
      });
    });
  } else {
    console.warn(`skipped "${name}": ${missing}`);
    describe.skip(`${name} (skipped: ${missing})`, body);
  }
}
