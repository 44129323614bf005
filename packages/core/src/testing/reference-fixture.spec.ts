import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REFERENCE_FIXTURE_ENV, referenceFixture, referenceFixtureDir, referenceFixtureMissing, workspaceRoot } from './index';

describe('the reference fixture locator', () => {
  it('finds the workspace by its nx.json, from here or any folder inside it', () => {
    const root = workspaceRoot();
    expect(existsSync(path.join(root, 'nx.json'))).toBe(true);
    expect(path.relative(root, __dirname)).toBe(path.join('packages', 'core', 'src', 'testing'));
    expect(workspaceRoot(path.join(root, 'apps'))).toBe(root);
    expect(() => workspaceRoot(os.tmpdir())).toThrow(/no nx\.json in .* or any folder above it/);
  });

  it('looks in shared/ beside the workspace, or where the variable says', () => {
    expect(referenceFixtureDir({})).toBe(path.join(path.dirname(workspaceRoot()), 'shared', 'fixtures', 'a2d-reference'));
    expect(referenceFixture('final_metrics.json', { [REFERENCE_FIXTURE_ENV]: '/data/ref' })).toBe(path.join('/data/ref', 'final_metrics.json'));
    expect(referenceFixtureDir({ [REFERENCE_FIXTURE_ENV]: 'ref' })).toBe(path.resolve('ref'));
  });

  it('says which file it did not find, and nothing when the predictions file is there', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'a2d-reference-'));
    const env = { [REFERENCE_FIXTURE_ENV]: dir };
    expect(referenceFixtureMissing(env)).toBe(
      `reference fixture not found: ${path.join(dir, 'test_predictions.csv')} does not exist (${REFERENCE_FIXTURE_ENV}=${dir})`,
    );
    writeFileSync(path.join(dir, 'test_predictions.csv'), 'video_id\n');
    expect(referenceFixtureMissing(env)).toBeNull();
  });
});
