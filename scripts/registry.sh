#!/usr/bin/env bash
# A local npm registry (Verdaccio, a devDependency) for release tests, on 127.0.0.1.
# @stowage/* packages live only here: their scope has no uplink, so nothing under that name is
# ever fetched from the internet. Other packages are proxied to registry.npmjs.org.
#
#   bash scripts/registry.sh start DIR [PORT]   # config, storage, log and pid file in DIR;
#                                               # prints the registry URL once it answers
#   bash scripts/registry.sh stop DIR           # stops the server started for DIR, by its PID
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cmd="${1:-}"
dir="${2:-}"
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: bash scripts/registry.sh start DIR [PORT] | stop DIR" >&2
  exit 2
fi

case "$cmd" in
  start)
    port="${3:-4873}"
    mkdir -p "$dir/storage"
    dir="$(cd "$dir" && pwd)"
    cat >"$dir/config.yaml" <<YAML
storage: $dir/storage
auth:
  htpasswd:
    file: $dir/htpasswd
    max_users: 10
uplinks:
  npmjs:
    url: https://registry.npmjs.org/
packages:
  '@stowage/*':
    access: \$all
    publish: \$authenticated
    unpublish: \$authenticated
  '**':
    access: \$all
    proxy: npmjs
server:
  keepAliveTimeout: 60
log: { type: file, path: $dir/verdaccio.log, format: pretty, level: warn }
YAML
    node "$root/node_modules/verdaccio/bin/verdaccio" --config "$dir/config.yaml" \
      --listen "127.0.0.1:$port" >"$dir/stdout.log" 2>&1 &
    echo $! >"$dir/pid"
    url="http://127.0.0.1:$port/"
    for _ in $(seq 1 150); do
      if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "${url}-/ping"; then
        echo "$url"
        exit 0
      fi
      if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then break; fi
      sleep 0.2
    done
    echo "registry.sh: Verdaccio did not start on $url:" >&2
    cat "$dir/stdout.log" >&2
    kill "$(cat "$dir/pid")" 2>/dev/null || true
    exit 1
    ;;
  stop)
    if [ -f "$dir/pid" ]; then
      pid="$(cat "$dir/pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$dir/pid"
    fi
    ;;
  *)
    echo "registry.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
