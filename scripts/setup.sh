#!/usr/bin/env bash
# Sets up a fresh Debian/Ubuntu machine to run Stowage's tests:
#   - pnpm (the version pinned in package.json's packageManager),
#   - Node 24 from the npm registry (scripts/node.sh, into ~/.cache) when the system's Node is
#     older than the supported lines (22, 24): `pnpm test` and `pnpm start` then run on it,
#   - the Debian packages the tests use: Ceph's RADOS Gateway (a real S3 server), Chromium
#     (browser tests of the example apps) and poppler-utils (PDF tickets rendered to PNG),
#   - the workspace's npm dependencies.
# Needs root (or sudo) for apt-get. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm@$PNPM_VERSION" >&2
  $SUDO npm install -g "pnpm@$PNPM_VERSION" >&2
fi

missing=()
command -v radosgw >/dev/null 2>&1 || missing+=(radosgw ceph-mon ceph-osd)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# The disk driver's tests copy a media folder with rsync -a, as a backup restore would.
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# Fetched now rather than at the first `pnpm test`; does nothing on Node 22 or newer.
bash scripts/node.sh exec node --version >/dev/null

pnpm install --frozen-lockfile
