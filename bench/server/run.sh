#!/usr/bin/env bash
# The load benchmark of `weft serve` (docs/performance.md, "Server load").
#
# Builds weft, starts `weft serve` on a free loopback port with a fresh
# WEFT_HOME, creates a tenant, a developer token and a workflow of three
# built-in leaves (a Sequence of SetVariable, CheckCondition, SetVariable),
# warms up, then:
#
#   phase 1  hey -z $DURATION -c $CONCURRENCY: synchronous runs
#            (POST /api/v1/workflows/bench3/runs {"wait":true}), the journal
#            on (every event committed to the database);
#   phase 2  the same load with $STREAMS live SSE streams open, each on a
#            run of a long WaitAction workflow started asynchronously;
#   phase 3  the same load again with the streams closed (their long runs
#            still running): the database has grown by then, so phase 2 is
#            compared with phases 1 and 3 both, not with phase 1 only.
#
# During each phase the server's VmRSS is sampled from /proc/PID/status
# every second. At the end it prints runs/s, p50/p99 (hey's histogram),
# peak RSS, RSS at 10 s vs at the end, and the p99 ratio with/without SSE.
#
#   bench/server/run.sh
#   DURATION=10s CONCURRENCY=50 bench/server/run.sh
#   DATABASE=postgres://weft@127.0.0.1:55432/weft_bench bench/server/run.sh
#
# Knobs (environment):
#   DURATION     length of each phase (hey -z), default 30s
#   CONCURRENCY  hey's clients (-c), default 100
#   DATABASE     sqlite (default: $WEFT_HOME/server.db) or a postgres:// DSN
#   STREAMS      SSE streams open in phase 2, default 100 (0: skip phases 2, 3)
#   AFTER        0: skip phase 3 (default 1)
#   WARMUP       warm-up load before the phases, default 3s
#   QPS          per-client rate limit (hey -q); empty: as fast as possible.
#                QPS=10 with 100 clients paces the load at 1,000 runs/s.
#   WORKERS, TENANT_CONCURRENCY
#                `weft serve --workers/--tenant-concurrency`, default 256
#                each, so that every client's run (and each stream's long
#                run, in a second tenant) gets a worker at once
#   SERVE_FLAGS  more flags for `weft serve`
#   KEEP=1       keep the temporary directory (server log, hey output, RSS
#                samples) and print its path
#   PROFILE=DIR  run bench/server/profserve (the same server with
#                net/http/pprof on a second loopback port) instead of
#                `weft serve`, and save into DIR a CPU profile of each phase
#                (DIR/plain.cpu.pprof, DIR/sse.cpu.pprof) and its mutex and
#                block profiles at the start and end (diff with -diff_base),
#                with the binary (DIR/profserve); PROFILE_LOCKS=1 turns the
#                mutex and block profiles on (they cost CPU themselves)
#
# Besides runs/s, latency and RSS, the summary gives the CPU seconds the
# server, hey and everything else on the machine used during each phase:
# on a shared machine "others" says how noisy the figures are.
#
# Needs hey (apt-get install -y hey), curl and a Go toolchain. Loopback only.
set -euo pipefail

DURATION=${DURATION:-30s}
CONCURRENCY=${CONCURRENCY:-100}
DATABASE=${DATABASE:-sqlite}
STREAMS=${STREAMS:-100}
WARMUP=${WARMUP:-3s}
QPS=${QPS:-}
WORKERS=${WORKERS:-256}
TENANT_CONCURRENCY=${TENANT_CONCURRENCY:-256}
SERVE_FLAGS=${SERVE_FLAGS:-}
KEEP=${KEEP:-}
AFTER=${AFTER:-1}

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "run.sh: $*" >&2; }

for c in hey curl go awk; do
  command -v "$c" >/dev/null || die "$c not found (hey: apt-get install -y hey)"
done

# seconds turns a Go-style duration of s or m ("30s", "2m", "1m30s") into
# whole seconds.
seconds() {
  local d=$1 total=0 n
  [[ $d =~ ^([0-9]+m)?([0-9]+s)?$ && -n $d ]] || die "duration $d: expected forms like 30s, 2m, 1m30s"
  if [[ $d =~ ([0-9]+)m ]]; then n=${BASH_REMATCH[1]}; total=$((total + n * 60)); fi
  if [[ $d =~ ([0-9]+)s ]]; then n=${BASH_REMATCH[1]}; total=$((total + n)); fi
  echo "$total"
}
dur_s=$(seconds "$DURATION")
seconds "$WARMUP" >/dev/null

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/weft-bench-server.XXXXXX")

pprof=""
pids=()     # background processes of this script: samplers, curl streams
srv_pid=""
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$srv_pid" ] && kill -0 "$srv_pid" 2>/dev/null; then
    kill -TERM "$srv_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$srv_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$srv_pid" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  if [ -n "$KEEP" ]; then log "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What was measured: the commit and a digest of the Go sources as they
# are (the working tree may differ from the commit).
src="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown), sources $(cd "$root" &&
  find . -name '*.go' -not -path './.git/*' -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-12)"
log "building weft"
(cd "$root" && go build -o "$tmp/weft" ./cmd/weft)
serve=("$tmp/weft" serve)
if [ -n "${PROFILE:-}" ]; then
  mkdir -p "$PROFILE"
  PROFILE=$(cd "$PROFILE" && pwd)
  (cd "$root" && go build -o "$PROFILE/profserve" ./bench/server/profserve)
  # Mutex and block profiles cost CPU of their own (stack unwinding):
  # PROFILE_LOCKS=1 turns them on, for a run whose CPU profile is not the
  # point.
  serve=("$PROFILE/profserve" --pprof 127.0.0.1:0)
  [ -z "${PROFILE_LOCKS:-}" ] || serve+=(--mutex-fraction 20 --block-rate 1000000)
fi

export WEFT_HOME="$tmp/home"
mkdir -p "$WEFT_HOME"
db_flag=$DATABASE
[ "$DATABASE" = sqlite ] || log "database $DATABASE (not fresh: the tenants get unique names)"

# ---- the server ----
# shellcheck disable=SC2086 # SERVE_FLAGS is a list of flags
"${serve[@]}" --addr 127.0.0.1:0 --database "$db_flag" \
  --tenant-rate 1000000 --tenant-burst 1000000 \
  --workers "$WORKERS" --tenant-concurrency "$TENANT_CONCURRENCY" \
  --shutdown-grace 1s $SERVE_FLAGS >"$tmp/serve.out" 2>"$tmp/serve.log" &
srv_pid=$!
for _ in $(seq 300); do
  grep -q '^listening on ' "$tmp/serve.out" 2>/dev/null && break
  kill -0 "$srv_pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; die "weft serve exited"; }
  sleep 0.1
done
base=$(sed -n 's/^listening on //p' "$tmp/serve.out")
[ -n "$base" ] || die "weft serve did not say where it listens"
pprof=$(sed -n 's/^pprof on //p' "$tmp/serve.out")
admin=$(sed -n 's/^admin token (shown once, keep it): //p' "$tmp/serve.out")
if [ -z "$admin" ]; then # a database that had an admin token already
  admin=$("$tmp/weft" admin token create --admin --name bench --database "$db_flag" 2>/dev/null)
fi
log "weft serve pid $srv_pid on $base"

# api METHOD PATH TOKEN [curl args...]: prints the body, fails on >= 400.
api() {
  local m=$1 p=$2 tok=$3
  shift 3
  curl -sS --fail-with-body -X "$m" -H "Authorization: Bearer $tok" "$@" "$base$p"
}
# jget KEY: the first string value of "KEY" in the JSON on stdin.
jget() { grep -o "\"$1\": *\"[^\"]*\"" | head -1 | sed 's/.*: *"\(.*\)"/\1/'; }

suffix=""
[ "$DATABASE" = sqlite ] || suffix="-$(date +%s)-$$"
tenant="bench$suffix"
sse_tenant="sse$suffix"
token_for() {
  api POST /api/v1/tenants "$admin" -H 'Content-Type: application/json' -d "{\"id\":\"$1\"}" >/dev/null
  api POST "/api/v1/tenants/$1/tokens" "$admin" -H 'Content-Type: application/json' \
    -d '{"role":"developer","name":"bench"}' | jget token
}
tok=$(token_for "$tenant")
[ -n "$tok" ] || die "no token for tenant $tenant"

cat >"$tmp/bench3.yaml" <<'EOF'
# Three built-in leaves: what a run costs when its nodes cost nothing.
type: Sequence
id: bench3
children:
  - type: SetVariable
    id: set
    props: {key: n, value: 1}
  - type: CheckCondition
    id: check
    props: {key: n, operator: "==", value: 1}
  - type: SetVariable
    id: done
    props: {key: done, value: true}
EOF
api PUT /api/v1/workflows/bench3 "$tok" -H 'Content-Type: application/x-yaml' \
  --data-binary "@$tmp/bench3.yaml" >/dev/null
run_url="$base/api/v1/workflows/bench3/runs"

# A check that a run works end to end before measuring anything.
first=$(api POST /api/v1/workflows/bench3/runs "$tok" -H 'Content-Type: application/json' -d '{"wait":true}')
grep -q '"status": *"success"' <<<"$first" || die "a benchmark run did not succeed: $first"

# ---- measuring ----
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$srv_pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$srv_pid/stat"; }
# busy_ticks: the CPU time of the whole machine that was not idle.
busy_ticks() { awk '$1 == "cpu" {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
idle_ticks() { awk '$1 == "cpu" {print $5 + $6}' /proc/stat; }

# sample FILE: VmRSS (kB) of the server every second, "SECOND KB" lines.
sample() {
  local f=$1 t=0
  : >"$f"
  while kill -0 "$srv_pid" 2>/dev/null; do
    echo "$t $(rss_kb)" >>"$f"
    sleep 1
    t=$((t + 1))
  done
}

hey_load() { # DURATION OUT: hey's CPU seconds go to OUT.time
  local q=() TIMEFORMAT='%U %S'
  [ -z "$QPS" ] || q=(-q "$QPS")
  { time hey -z "$1" -c "$CONCURRENCY" "${q[@]}" -m POST -H "Authorization: Bearer $tok" \
    -T application/json -d '{"wait":true}' "$run_url" >"$2"; } 2>"$2.time"
}

# phase NAME: one measured load with the RSS sampler on; writes
# $tmp/NAME.hey, $tmp/NAME.rss and $tmp/NAME.cpu (server CPU seconds).
phase() {
  local name=$1 c0 c1 b0 b1 i0 i1 pp=""
  if [ -n "$pprof" ]; then
    curl -sS -o "$PROFILE/$name.mutex0.pprof" "$pprof/debug/pprof/mutex"
    curl -sS -o "$PROFILE/$name.block0.pprof" "$pprof/debug/pprof/block"
    curl -sS -o "$PROFILE/$name.cpu.pprof" "$pprof/debug/pprof/profile?seconds=$((dur_s > 6 ? dur_s - 4 : dur_s))" &
    pp=$!
    pids+=("$pp")
  fi
  sample "$tmp/$name.rss" &
  local sp=$!
  pids+=("$sp")
  c0=$(cpu_ticks)
  b0=$(busy_ticks)
  i0=$(idle_ticks)
  hey_load "$DURATION" "$tmp/$name.hey"
  c1=$(cpu_ticks)
  b1=$(busy_ticks)
  i1=$(idle_ticks)
  kill "$sp" 2>/dev/null || true
  if [ -n "$pp" ]; then
    wait "$pp" || true
    curl -sS -o "$PROFILE/$name.mutex1.pprof" "$pprof/debug/pprof/mutex"
    curl -sS -o "$PROFILE/$name.block1.pprof" "$pprof/debug/pprof/block"
  fi
  # server, hey, everything else, idle (CPU seconds)
  awk -v a="$c0" -v b="$c1" -v x="$b0" -v y="$b1" -v i="$i0" -v j="$i1" -v hz="$(getconf CLK_TCK)" \
    -v h="$(cat "$tmp/$name.hey.time")" \
    'BEGIN {split(h, t, " "); s = (b - a) / hz; k = t[1] + t[2]; o = (y - x) / hz - s - k; if (o < 0) o = 0
      printf "%.1f %.1f %.1f %.1f\n", s, k, o, (j - i) / hz}' >"$tmp/$name.cpu"
}

log "warming up for $WARMUP"
hey_load "$WARMUP" "$tmp/warmup.hey"

log "phase 1: $DURATION, $CONCURRENCY clients${QPS:+, $QPS runs/s each}"
phase plain

streams_open=0
if [ "$STREAMS" -gt 0 ]; then
  sse_tok=$(token_for "$sse_tenant")
  wait_ms=$(((dur_s + 90) * 1000))
  [ "$wait_ms" -ge 120000 ] || wait_ms=120000
  printf 'type: WaitAction\nid: hold\nprops: {waitMs: %d}\n' "$wait_ms" >"$tmp/hold.yaml"
  api PUT /api/v1/workflows/hold "$sse_tok" -H 'Content-Type: application/x-yaml' \
    --data-binary "@$tmp/hold.yaml" >/dev/null
  log "opening $STREAMS SSE streams on runs of a ${wait_ms} ms WaitAction"
  mkdir -p "$tmp/sse"
  curls=()
  for i in $(seq "$STREAMS"); do
    id=$(api POST /api/v1/workflows/hold/runs "$sse_tok" -H 'Content-Type: application/json' -d '{}' | jget id)
    [ -n "$id" ] || die "could not start a long run"
    curl -sN -H "Authorization: Bearer $sse_tok" -H 'Accept: text/event-stream' \
      "$base/api/v1/runs/$id/events" >"$tmp/sse/$i" 2>/dev/null &
    pids+=("$!")
    curls+=("$!")
  done
  sleep 2
  for i in $(seq "$STREAMS"); do
    grep -q '^event: node_start\|^event: run_start' "$tmp/sse/$i" 2>/dev/null && streams_open=$((streams_open + 1))
  done
  log "$streams_open of $STREAMS streams are live"
  log "phase 2: $DURATION, $CONCURRENCY clients, $STREAMS SSE streams open"
  phase sse
  alive=0
  for p in "${curls[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
  log "$alive of $STREAMS streams still open at the end of phase 2"
  if [ "$AFTER" != 0 ]; then
    for p in "${curls[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 1
    log "phase 3: $DURATION, $CONCURRENCY clients, streams closed"
    phase after
  fi
fi
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$srv_pid/status")

# ---- summary ----
# hey NAME FIELD: runs/s, p50 or p99 (ms) from hey's summary.
heyf() {
  case $2 in
  rps) awk '/Requests\/sec:/ {printf "%.0f", $2}' "$tmp/$1.hey" ;;
  p50 | p90 | p99) awk -v p="${2#p}%" '$1 == p && $2 == "in" {printf "%.1f", $3 * 1000}' "$tmp/$1.hey" ;;
  ok) awk '/\[200\]/ {print $2}' "$tmp/$1.hey" ;;
  bad) awk '/^Status code distribution:/ {s = 1; next} s && /\[[0-9]+\]/ && $1 != "[200]" {n += $2} /^Error distribution:/ {e = 1; next} e && /\[[0-9]+\]/ {n += substr($1, 2) + 0} END {print n + 0}' "$tmp/$1.hey" ;;
  esac
}
# rssf NAME FIELD: peak, at 10 s, at the end (MiB).
rssf() {
  case $2 in
  peak) awk '$2 > m {m = $2} END {printf "%.1f", m / 1024}' "$tmp/$1.rss" ;;
  at10) awk '$1 == 10 {printf "%.1f", $2 / 1024}' "$tmp/$1.rss" ;;
  end) awk 'END {printf "%.1f", $2 / 1024}' "$tmp/$1.rss" ;;
  esac
}
row() {
  local n=$1 a10 end
  a10=$(rssf "$n" at10)
  end=$(rssf "$n" end)
  read -r cs ch co ci <"$tmp/$n.cpu"
  printf '%-9s %7s %7s %7s %7s %7s %6s %8s %8s %8s %6s %6s %6s %6s\n' "$2" "$(heyf "$n" rps)" "$(heyf "$n" p50)" \
    "$(heyf "$n" p90)" "$(heyf "$n" p99)" "$(heyf "$n" ok)" "$(heyf "$n" bad)" \
    "$(rssf "$n" peak)" "${a10:--}" "$end" "$cs" "$ch" "$co" "$ci"
}

echo
echo "weft $src"
echo "weft serve, $DATABASE, $(nproc) cores; hey -z $DURATION -c $CONCURRENCY${QPS:+ -q $QPS}; workflow: Sequence of 3 built-in leaves, journal on"
printf '%-9s %7s %7s %7s %7s %7s %6s %8s %8s %8s %6s %6s %6s %6s\n' phase runs/s p50ms p90ms p99ms ok not_ok \
  peakMiB rss10s rssEnd srvCPU heyCPU others idle
row plain "no SSE"
if [ "$STREAMS" -gt 0 ]; then
  row sse "$STREAMS SSE"
  [ ! -f "$tmp/after.hey" ] || row after "after"
fi
echo "(RSS in MiB; CPU seconds during the phase: the server, hey, all other processes, idle)"
echo "server peak RSS over the whole run (VmHWM): $(awk -v k="$hwm" 'BEGIN {printf "%.1f", k / 1024}') MiB"
for n in plain sse after; do
  [ -f "$tmp/$n.rss" ] || continue
  awk -v n="$n" '$1 == 10 {a = $2} {e = $2} END {if (a) printf "RSS flatness (%s): end/10s = %.3f (%+.1f%%)\n", n, e / a, (e / a - 1) * 100}' "$tmp/$n.rss"
done
last=plain
for n in sse after; do [ ! -f "$tmp/$n.rss" ] || last=$n; done
if [ "$last" != plain ]; then
  awk -v a="$(awk '$1 == 10 {print $2}' "$tmp/plain.rss")" -v e="$(awk 'END {print $2}' "$tmp/$last.rss")" \
    'BEGIN {if (a) printf "RSS flatness (whole run): end of the last phase / 10 s into phase 1 = %.3f (%+.1f%%)\n", e / a, (e / a - 1) * 100}'
fi
if [ "$STREAMS" -gt 0 ]; then
  awk -v a="$(heyf plain p99)" -v b="$(heyf sse p99)" -v o="$streams_open" \
    'BEGIN {printf "p99 with %d live SSE streams / without (phase 1): %.2f (%+.0f%%)\n", o, b / a, (b / a - 1) * 100}'
  if [ -f "$tmp/after.hey" ]; then
    awk -v a="$(heyf plain p99)" -v b="$(heyf sse p99)" -v c="$(heyf after p99)" \
      'BEGIN {m = (a + c) / 2; printf "p99 with SSE / mean of phases 1 and 3: %.2f (%+.0f%%)\n", b / m, (b / m - 1) * 100}'
  fi
fi
