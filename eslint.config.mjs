// Flat ESLint config shared by every project (each project's `lint` target runs `eslint .` in its root).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Architecture layers, lowest first; every project.json carries one `layer:*` tag. A project may import projects
// of its own layer and the layers below it, never above (core < io < model < pipeline < app). Imports between
// projects also fail on a cycle, and on a relative path into another project (use `@a2d/<name>`).
const LAYERS = ['layer:core', 'layer:io', 'layer:model', 'layer:pipeline', 'layer:app'];

/**
 * The boundary rule reads Nx's cached project graph and, when there is none, skips itself with only a note on
 * stdout, so a plain `npx eslint .` (outside `nx run`, which refreshes the graph) could pass unchecked, or check
 * stale tags. Refresh the cache first when it is missing or its projects and tags differ from the project.json files.
 */
function ensureProjectGraphCache() {
  const root = path.dirname(fileURLToPath(import.meta.url));
  const onDisk = ['packages', 'apps'].flatMap((folder) =>
    readdirSync(path.join(root, folder))
      .map((name) => path.join(root, folder, name, 'project.json'))
      .filter((file) => existsSync(file))
      .map((file) => JSON.parse(readFileSync(file, 'utf8'))),
  );
  let fresh;
  try {
    const { nodes } = createRequire(import.meta.url)('@nx/devkit').readCachedProjectGraph();
    fresh = onDisk.every((project) => (project.tags ?? []).every((tag) => nodes[project.name]?.data.tags?.includes(tag)));
  } catch {
    fresh = false;
  }
  if (fresh) return;
  execFileSync(process.execPath, [path.join(root, 'node_modules/nx/dist/bin/nx.js'), 'show', 'projects'], {
    cwd: root,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
    stdio: 'ignore',
  });
}
ensureProjectGraphCache();

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      // fluent-ffmpeg (archived upstream) stays behind one module of ours, so it can be swapped there alone.
      'no-restricted-imports': ['error', { paths: [{ name: 'fluent-ffmpeg', message: 'fluent-ffmpeg is used only by packages/ingest/src/ffmpeg/command.ts (ffmpegArguments)' }] }],
    },
  },
  { files: ['packages/ingest/src/ffmpeg/command.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          depConstraints: LAYERS.map((layer, index) => ({
            sourceTag: layer,
            onlyDependOnLibsWithTags: LAYERS.slice(0, index + 1),
          })),
        },
      ],
    },
  },
);
