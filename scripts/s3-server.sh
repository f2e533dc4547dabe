#!/usr/bin/env bash
# A throwaway S3 server for tests: Ceph's RADOS Gateway (radosgw) on 127.0.0.1, backed by a
# one-monitor, one-OSD Ceph cluster whose objects live in RAM (memstore). No manager, no cephx.
#
#   scripts/s3-server.sh install   # apt-get the Ceph packages if radosgw is missing (CI)
#   scripts/s3-server.sh start     # start from a wiped state dir, print S3_* env lines
#   scripts/s3-server.sh status    # exit 0 if running
#   scripts/s3-server.sh stop      # stop the daemons (exit 0 if not running)
#
# Environment: S3_SERVER_DIR (state dir, default <repo>/.s3-server), S3_SERVER_PORT (S3 port,
# default 7480), S3_SERVER_MON_PORT (Ceph monitor port, default 3300).
# All daemon logs go to files in the state dir; only the env lines go to stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${S3_SERVER_DIR:-$ROOT/.s3-server}"
PORT="${S3_SERVER_PORT:-7480}"
MON_PORT="${S3_SERVER_MON_PORT:-3300}"
[[ "$PORT" =~ ^[0-9]+$ && "$MON_PORT" =~ ^[0-9]+$ ]] || { echo "s3-server: bad port" >&2; exit 2; }
ACCESS_KEY=stowage-test-access
SECRET_KEY=stowage-test-secret-0123456789
REGION=us-east-1
CONF="$DIR/ceph.conf"
DAEMONS=(radosgw osd mon) # stop order; pid files are $DIR/run/<name>.pid
START_TIMEOUT=60

log() { echo "s3-server: $*" >&2; }

print_env() {
  echo "S3_ENDPOINT=http://127.0.0.1:$PORT"
  echo "S3_ACCESS_KEY_ID=$ACCESS_KEY"
  echo "S3_SECRET_ACCESS_KEY=$SECRET_KEY"
  echo "S3_REGION=$REGION"
}

pid_of() { cat "$DIR/run/$1.pid" 2>/dev/null || true; }

# True if the pid is a live process (not a zombie: some init processes reap them only every
# few seconds) whose command is the daemon's, so that a stale pid file never hits another process.
pid_alive() { # <pid> <daemon name>
  local stat
  [[ "$1" =~ ^[0-9]+$ ]] || return 1
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ "$stat" =~ ^[0-9]+\ \((ceph-mon|ceph-osd|radosgw)\)\ ([A-Za-z]) ]] || return 1
  [[ "${BASH_REMATCH[1]}" == *"$2" && "${BASH_REMATCH[2]}" != Z ]]
}

alive() { pid_alive "$(pid_of "$1")" "$1"; }

# True if something answers HTTP on the S3 port (an anonymous GET / gets a 200 ListBuckets reply).
answers() {
  timeout 3 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3
    head -c 8 <&3 | grep -q "^HTTP/"' _ "$PORT" 2>/dev/null
}

port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

running() { alive mon && alive osd && alive radosgw && answers; }

# fail <message> <log name...>: print the message and the tail of each log, stop, exit 1.
fail() {
  log "$1"
  shift
  local name
  for name in "$@"; do
    if [[ -s "$DIR/log/$name.log" ]]; then
      echo "----- tail of $DIR/log/$name.log -----" >&2
      # Ceph logs interleave long RocksDB statistics; keep the timestamped lines.
      if [[ "$name" == setup ]]; then tail -n 30 "$DIR/log/$name.log"; else
        grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$DIR/log/$name.log" | tail -n 20
      fi >&2
    fi
  done
  stop_daemons
  exit 1
}

# run_logged <daemon log> <command...>: runs the command (bounded) with its output going to
# setup.log; on failure shows that and the daemon's own log and gives up.
run_logged() {
  local name="$1"
  shift
  echo "+ $*" >>"$DIR/log/setup.log"
  if ! timeout 60 "$@" >>"$DIR/log/setup.log" 2>&1 9>&-; then
    fail "'$*' failed" setup "$name"
  fi
}

# TERM, wait (bounded), then KILL; radosgw first, then the OSD, then the monitor.
stop_daemons() {
  local name pid i
  for name in "${DAEMONS[@]}"; do
    pid="$(pid_of "$name")"
    if pid_alive "$pid" "$name"; then
      kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do # up to 10 s
        pid_alive "$pid" "$name" || break
        sleep 0.1
      done
      if pid_alive "$pid" "$name"; then
        log "$name (pid $pid) ignored SIGTERM for 10 s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
          pid_alive "$pid" "$name" || break
          sleep 0.1
        done
      fi
    fi
    rm -f "$DIR/run/$name.pid"
  done
}

write_conf() {
  cat >"$CONF" <<EOF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_PORT]
mon initial members = a
public network = 127.0.0.1/32
ms bind msgr1 = false
ms bind ipv6 = false
auth cluster required = none
auth service required = none
auth client required = none
keyring = /dev/null
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
log to stderr = false
err to stderr = false
crash dir = $DIR/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
paxos propose interval = 0.05

[mon]
mon data = $DIR/mon
pid file = $DIR/run/mon.pid

[osd]
osd data = $DIR/osd
pid file = $DIR/run/osd.pid
osd objectstore = memstore
# Objects live in RAM and take memory only as they are stored; room for the 1 GiB benchmark
# (raw and ours) beside the test suites.
memstore device bytes = 12884901888

[client]
# Without this radosgw waits 300 s on "get_initial_auth_request returned -13".
ms mon client mode = crc

[client.rgw]
pid file = $DIR/run/radosgw.pid
rgw data = $DIR/rgw
# tcp_nodelay: without it every small request takes ~48 ms (Nagle + delayed ACK).
rgw frontends = beast endpoint=127.0.0.1:$PORT tcp_nodelay=1
rgw thread pool size = 64
rgw enable usage log = false
rgw enable lc threads = false
# Deleted objects and aborted multipart uploads are freed by the garbage collector, by default
# hours later: with objects in RAM, a few benchmark runs would fill the OSD. Collect promptly.
rgw gc obj min wait = 5
rgw gc processor period = 15
rgw gc processor max time = 15
EOF
}

cmd_start() {
  mkdir -p "$DIR"
  # Serialize concurrent starts. The daemons must not inherit fd 9 (hence 9>&- below), or they
  # would hold the lock for as long as they run.
  exec 9>"$DIR/lock"
  flock -w 120 9 || { log "timed out waiting for $DIR/lock"; exit 1; }

  if running; then
    print_env
    return 0
  fi
  stop_daemons # leftovers of a half-dead earlier run
  if port_open "$PORT"; then
    log "port $PORT is already in use by another process (set S3_SERVER_PORT)"
    exit 1
  fi
  if port_open "$MON_PORT"; then
    log "port $MON_PORT is already in use by another process (set S3_SERVER_MON_PORT)"
    exit 1
  fi

  local t0=$EPOCHREALTIME
  find "$DIR" -mindepth 1 -maxdepth 1 ! -name lock -exec rm -rf {} +
  mkdir -p "$DIR"/{run,log,mon,osd,rgw,crash}
  FSID="$(cat /proc/sys/kernel/random/uuid)"
  local osd_uuid
  osd_uuid="$(cat /proc/sys/kernel/random/uuid)"
  write_conf
  local ceph=(ceph -c "$CONF" --connect-timeout 20)

  run_logged mon.a monmaptool --create --clobber --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$DIR/monmap"
  run_logged mon.a ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap"
  run_logged osd.0 ceph-osd -c "$CONF" --no-mon-config --mkfs -i 0 --osd-uuid "$osd_uuid"
  # ceph-mon forks and returns once it is listening.
  run_logged mon.a ceph-mon -c "$CONF" -i a

  # One batch (each `ceph` start costs ~0.5 s of Python): register the OSD and create the RGW
  # pools up front; radosgw would otherwise create them one by one (~10 s more, and a ~2 s stall
  # on the first request). `osd pool application enable` is skipped: it only silences a health
  # warning and costs ~0.15 s per pool.
  local pool batch="osd new $osd_uuid 0"$'\n'
  for pool in .rgw.root default.rgw.control default.rgw.meta default.rgw.log \
    default.rgw.buckets.index default.rgw.buckets.data default.rgw.buckets.non-ec; do
    batch+="osd pool create $pool"$'\n'
  done
  printf '%s' "$batch" | timeout 60 "${ceph[@]}" >>"$DIR/log/setup.log" 2>&1 9>&- ||
    fail "creating the OSD and pools failed" setup mon.a

  run_logged osd.0 ceph-osd -c "$CONF" -i 0

  # Blocks until the PGs are active (i.e. the OSD is up), then writes the user.
  timeout 60 radosgw-admin -c "$CONF" user create --uid=stowage-test --display-name="Stowage tests" \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >>"$DIR/log/setup.log" 2>&1 9>&- ||
    fail "radosgw-admin user create failed" setup osd.0 mon.a

  run_logged client.rgw radosgw -c "$CONF" -n client.rgw

  # radosgw daemonizes before it writes its pid file: a missing pid file only counts as an exit
  # after a grace period.
  local deadline=$((SECONDS + START_TIMEOUT)) grace=$((SECONDS + 10))
  until answers; do
    if ! alive radosgw && { [[ -s "$DIR/run/radosgw.pid" ]] || ((SECONDS >= grace)); }; then
      fail "radosgw exited" client.rgw
    fi
    ((SECONDS < deadline)) || fail "radosgw did not answer on port $PORT within ${START_TIMEOUT}s" client.rgw osd.0
    sleep 0.1
  done
  log "started in $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t0 }") s (state in $DIR)"
  print_env
}

cmd_stop() {
  [[ -d "$DIR/run" ]] || return 0
  stop_daemons
}

cmd_status() {
  if running; then
    echo "running: http://127.0.0.1:$PORT (state in $DIR)"
  else
    echo "not running"
    return 1
  fi
}

cmd_install() {
  if command -v radosgw >/dev/null 2>&1; then
    log "radosgw already installed"
    return 0
  fi
  local sudo=()
  [[ "$(id -u)" == 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
install) cmd_install ;;
*)
  echo "usage: $0 start|stop|status|install" >&2
  exit 2
  ;;
esac
