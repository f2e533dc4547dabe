#!/usr/bin/env bash
# Node.js lines Stowage supports, fetched from the npm registry (the node-linux-<arch> packages
# hold the official binaries as bin/node), no root needed. Cached under $STOWAGE_NODE_CACHE
# (default ~/.cache/stowage/node), so each version is downloaded once per machine.
#
#   bash scripts/node.sh install 22     # prints the bin folder of Node 22 (put it first in PATH)
#   bash scripts/node.sh exec CMD...    # runs CMD with the Node on PATH if it is supported,
#                                       # otherwise with Node 24 put first in PATH
#
# The versions are pinned here; CI tests exactly these lines (package.json engines: >=22).
set -euo pipefail

NODE_22=22.23.5
NODE_24=24.22.3
DEFAULT_MAJOR=24
MIN_MAJOR=22
cache="${STOWAGE_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stowage/node}"

pinned() {
  case "$1" in
    22) echo "$NODE_22" ;;
    24) echo "$NODE_24" ;;
    *) echo "node.sh: Node $1 is not a supported line (22, 24)" >&2; exit 2 ;;
  esac
}

install() {
  local version arch dir tmp tarball
  version="$(pinned "$1")"
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "node.sh: no Node package for $(uname -m)" >&2; exit 2 ;;
  esac
  dir="$cache/node-v$version-linux-$arch"
  if [ ! -x "$dir/bin/node" ]; then
    echo "node.sh: fetching node-linux-$arch@$version from the npm registry" >&2
    mkdir -p "$cache"
    tmp="$(mktemp -d "$cache/.fetch-XXXXXX")"
    # npm pack only downloads; nothing from the package runs.
    tarball="$(cd "$tmp" && npm pack --silent "node-linux-$arch@$version")"
    tar -xzf "$tmp/$tarball" -C "$tmp"
    "$tmp/package/bin/node" --version >/dev/null
    rm -rf "$dir"
    mv "$tmp/package" "$dir"
    rm -rf "$tmp"
  fi
  echo "$dir/bin"
}

case "${1:-}" in
  install)
    install "${2:-$DEFAULT_MAJOR}"
    ;;
  exec)
    shift
    major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
    if [ "$major" -lt "$MIN_MAJOR" ]; then
      bin="$(install "$DEFAULT_MAJOR")"
      echo "node.sh: Node $(node --version 2>/dev/null || echo '(none)') is not supported; using $("$bin/node" --version)" >&2
      export PATH="$bin:$PATH"
    fi
    exec "$@"
    ;;
  *)
    echo "usage: bash scripts/node.sh install [22|24] | exec COMMAND..." >&2
    exit 2
    ;;
esac
