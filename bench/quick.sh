#!/usr/bin/env bash
# npm run bench:quick: paired A/B on loopback, for a quick look between full `npm run bench` runs.
# Runs node-undici-full (the peer in bench/harness) and Gatehouse keyed (full enforcement,
# analytics on) in turn against one nginx upstream, PAIRS times, and prints req/s, p99, CPU
# µs/request (from /proc, every thread of the process) and peak RSS for each run.
#   PAIRS=3 DURATION=10 WARMUP=3 (defaults). Needs wrk and nginx (npm run bench installs them).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HARNESS=${BENCH_HARNESS:-$REPO/bench/harness}
PAIRS=${PAIRS:-3} DURATION=${DURATION:-10} WARMUP=${WARMUP:-3}
UPSTREAM_PORT=19590 PEER_PORT=19591 GATEHOUSE_PORT=19592
for tool in wrk nginx; do command -v "$tool" >/dev/null || { echo "$tool is missing: run npm run bench once, or apt-get install wrk nginx-light" >&2; exit 2; }; done
[ -d "$HARNESS/node_modules" ] || (cd "$HARNESS" && npm ci --no-audit --no-fund)
(cd "$REPO" && npm run build --silent)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-quick-XXXXXX")
pids=()
cleanup () { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/nginx-tmp" "$WORK/apps"
sed -e "s#@WORKERS@#1#; s#@RUNDIR@#$WORK#g; s#@PORT@#$UPSTREAM_PORT#; s#nginx-upstream.pid#nginx.pid#" "$HARNESS/peers/nginx/upstream.conf.tmpl" > "$WORK/upstream.conf"
nginx -p "$WORK" -c "$WORK/upstream.conf" -g 'daemon on;' 2>/dev/null
KEY=quick-bench-key
SECRET=quick-bench-secret-0123456789abcdef

wait_for () { for _ in $(seq 1 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; echo "nothing answers at $1" >&2; exit 1; }

measure () { # label pid url
  wrk -t1 -c50 -d"$WARMUP" -H "Authorization: $KEY" "$3" >/dev/null
  local t0 t1 out
  t0=$(awk '{print $14+$15}' "/proc/$2/stat")
  out=$(timeout $((DURATION + 30)) wrk -t1 -c50 -d"$DURATION" --latency -H "Authorization: $KEY" "$3")
  t1=$(awk '{print $14+$15}' "/proc/$2/stat")
  local reqs rps p99 rss
  reqs=$(echo "$out" | awk '/requests in/{print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  rss=$(awk '/VmHWM/{print $2}' "/proc/$2/status")
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$rps" "$p99" "$(( (t1 - t0) * 1000000 / $(getconf CLK_TCK) / reqs ))" "$((rss / 1024))"
}

cat > "$WORK/apps/bench.json" <<JSON
{"name": "bench", "api_id": "bench", "org_id": "", "auth": {"auth_header_name": "Authorization"},
 "version_data": {"not_versioned": true, "versions": {"Default": {"name": "Default"}}},
 "proxy": {"listen_path": "/bench/", "target_url": "http://127.0.0.1:$UPSTREAM_PORT", "strip_listen_path": true}}
JSON
echo "| run | req/s | p99 | CPU µs/req | peak RSS MiB |"
echo "| --- | ---: | ---: | ---: | ---: |"
for pair in $(seq 1 "$PAIRS"); do
  PORT=$PEER_PORT UPSTREAM=http://127.0.0.1:$UPSTREAM_PORT KEY=$KEY MODE=full node "$HARNESS/peers/node/undici-proxy.js" >/dev/null 2>&1 &
  pid=$!; pids+=("$pid")
  wait_for "http://127.0.0.1:$PEER_PORT/bench/hello"
  measure "node-undici-full #$pair" "$pid" "http://127.0.0.1:$PEER_PORT/bench/hello"
  kill "$pid"; wait "$pid" 2>/dev/null || true

  rm -rf "$WORK/data"
  cat > "$WORK/tyk.conf" <<JSON
{"listen_address": "127.0.0.1", "listen_port": $GATEHOUSE_PORT, "secret": "$SECRET", "app_path": "$WORK/apps",
 "enable_analytics": true, "storage": {"type": "embedded", "path": "$WORK/data"}}
JSON
  NODE_ENV=production node --max-semi-space-size=8 --max-old-space-size=256 "$REPO/bin/gatehouse.js" start --conf "$WORK/tyk.conf" >/dev/null 2>&1 &
  pid=$!; pids+=("$pid")
  wait_for "http://127.0.0.1:$GATEHOUSE_PORT/hello"
  curl -sf -X POST "http://127.0.0.1:$GATEHOUSE_PORT/tyk/keys/$KEY" -H "X-Tyk-Authorization: $SECRET" \
    -d '{"org_id": "", "rate": 100000000, "per": 1, "quota_max": 1000000000000, "quota_renewal_rate": 3600, "access_rights": {"bench": {"api_id": "bench", "versions": ["Default"]}}}' >/dev/null
  measure "gatehouse-keyed #$pair" "$pid" "http://127.0.0.1:$GATEHOUSE_PORT/bench/hello"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo
echo "reproduce: PAIRS=$PAIRS DURATION=$DURATION npm run bench:quick"
