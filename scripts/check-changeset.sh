#!/usr/bin/env bash
# Fails when the change against BASE (default origin/main) touches a published package's files
# but adds no changeset. Used by CI on pull requests.
set -euo pipefail
base="${1:-origin/main}"
changed=$(git diff --name-only "$base"...HEAD)
if ! grep -q '^packages/' <<<"$changed"; then
  echo "no package changed: no changeset needed"
  exit 0
fi
if grep -qE '^\.changeset/[^/]+\.md$' <<<"$(git diff --name-only --diff-filter=A "$base"...HEAD)"; then
  echo "changeset found"
  exit 0
fi
echo "This change touches packages/** but adds no changeset: run 'pnpm changeset' and commit the file." >&2
exit 1
