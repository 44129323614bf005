#!/usr/bin/env bash
# The project's test command: lint, typecheck and test every project affected by the change against
# NX_BASE (default origin/main) when that base is a real ancestor of HEAD; every project otherwise
# (a fresh clone, CI without a base). Ends with one summary line of the jest counts of all projects.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
# Python packages some tests compare against (skipped with a message where they cannot be installed).
bash tools/test-setup.sh
targets=(lint typecheck test)
base="${NX_BASE:-origin/main}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
if base_sha=$(git rev-parse -q --verify "$base^{commit}" 2>/dev/null) \
  && [ "$base_sha" != "$(git rev-parse HEAD)" ] \
  && git merge-base --is-ancestor "$base_sha" HEAD 2>/dev/null; then
  echo "test: projects affected since $base ($base_sha)"
  npx nx affected -t "${targets[@]}" --base="$base_sha" --head=HEAD --outputStyle=static 2>&1 | tee "$log" || status=$?
else
  echo "test: all projects (no base to compare against)"
  npx nx run-many -t "${targets[@]}" --outputStyle=static 2>&1 | tee "$log" || status=$?
fi
# Sum jest's per-project "Tests: ..." lines (colour codes stripped) into one closing line.
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
  /^Tests:/ {
    for (i = 2; i <= NF; i++) {
      if ($(i) ~ /^passed/) passed += $(i - 1)
      if ($(i) ~ /^failed/) failed += $(i - 1)
      if ($(i) ~ /^skipped/) skipped += $(i - 1)
    }
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }'
exit "$status"
