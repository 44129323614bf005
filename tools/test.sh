#!/usr/bin/env bash
# The project's test command: lint, typecheck and test every project affected by the change against
# NX_BASE (default origin/main) when that base is a real ancestor of HEAD; every project otherwise
# (a fresh clone, CI without a base).
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
targets=(lint typecheck test)
base="${NX_BASE:-origin/main}"
if base_sha=$(git rev-parse -q --verify "$base^{commit}" 2>/dev/null) \
  && [ "$base_sha" != "$(git rev-parse HEAD)" ] \
  && git merge-base --is-ancestor "$base_sha" HEAD 2>/dev/null; then
  echo "test: projects affected since $base ($base_sha)"
  npx nx affected -t "${targets[@]}" --base="$base_sha" --head=HEAD --outputStyle=static
else
  echo "test: all projects (no base to compare against)"
  npx nx run-many -t "${targets[@]}" --outputStyle=static
fi
