#!/usr/bin/env bash
# API-gateway measuring stick: starts an upstream and a set of peer gateways on 127.0.0.1,
# load-tests each with wrk (fixed connections and duration, REPS runs interleaved), stops
# everything it started, and prints a Markdown table.
#
# Everything listens on and targets 127.0.0.1 only; every load run is bounded in time.
#
# Environment (all optional):
#   DURATION=10         seconds per measured run
#   CONNECTIONS=50      wrk connections
#   THREADS=1           wrk threads (1 is faster than 2 on a 2-core box: see README)
#   LOADGEN=wrk         wrk (default when installed) | autocannon (npm fallback, much slower)
#   REPS=3              measured runs per config, interleaved across configs
#   WARMUP=3            seconds of unmeasured warm-up per config before the first rep (0: none)
#   UPSTREAM=nginx      upstream the gateways proxy to: nginx | node
#   PROXY_WORKERS=1     worker processes/threads for nginx, haproxy, caddy (GOMAXPROCS)
#   BASE_PORT=19000     ports used: BASE_PORT+1 .. BASE_PORT+19 and BASE_PORT+874/875 (EG admin)
#   CONFIGS="..."       subset/order of built-in configs (default: all, see below); the plugged-in
#                       gateways are appended automatically ("none" = only those); a plugged-in
#                       one can also be placed in the order by its id (custom, custom2, ...);
#                       direct-$UPSTREAM (the baseline) is always added
#   OUT=results/<ts>    where results.jsonl, table.md, env.txt go (relative to bench/harness/)
#
# Plug in other gateways (each shows up as one more row, interleaved like any config). Up to 4:
# gateway 1 is GATEWAY_*, gateways 2..4 are GATEWAY2_*, GATEWAY3_*, GATEWAY4_* (same fields);
# internally they are configs custom, custom2, custom3, custom4 (log names .run/<ts>/logs/<id>.log).
#   GATEWAY_CMD         command that starts the gateway in the foreground (run with bash -c in
#                       its own process group; stopped with SIGTERM then SIGKILL to that group).
#                       It gets UPSTREAM_URL (e.g. http://127.0.0.1:19002) and its own
#                       GATEWAY_URL, GATEWAY_KEY, GATEWAY_KEY_HEADER in its environment.
#   GATEWAY_URL         proxied URL incl. listen path, e.g. http://127.0.0.1:8080/bench/hello;
#                       its port is the gateway's port (each gateway needs its own)
#   GATEWAY_KEY         value of the key header
#   GATEWAY_KEY_HEADER  header name (default Authorization)
#   GATEWAY_SETUP       optional command run (bash -c) once the port answers: create API/key.
#                       Gets UPSTREAM_URL and its own GATEWAY_URL, GATEWAY_KEY, GATEWAY_KEY_HEADER.
#   GATEWAY_NAME        row label, and the "config" field in results.jsonl (default
#                       gateway-under-test, gateway-under-test-N for gateway N); must be unique
#   GATEWAY_READY_TIMEOUT seconds to wait for the port (default 60; GATEWAYn_READY_TIMEOUT
#                       defaults to GATEWAY_READY_TIMEOUT). A gateway whose process exits before
#                       its port answers is reported at once as failed to start.
# A plugged-in gateway that fails to start, to set up or the sanity check gets a note under the
# table and no rows; the others are still measured.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$BENCH_DIR"

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-1}
REPS=${REPS:-3}
WARMUP=${WARMUP:-3}
UPSTREAM=${UPSTREAM:-nginx}
PROXY_WORKERS=${PROXY_WORKERS:-1}
BASE_PORT=${BASE_PORT:-19000}
GATEWAY_READY_TIMEOUT=${GATEWAY_READY_TIMEOUT:-60}
TS=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-results/$TS}

P_UP_NODE=$((BASE_PORT + 1))
P_UP_NGINX=$((BASE_PORT + 2))
P_NGINX=$((BASE_PORT + 11))
P_HAPROXY=$((BASE_PORT + 12))
P_CADDY=$((BASE_PORT + 13))
P_UNDICI=$((BASE_PORT + 14))
P_UNDICI_FULL=$((BASE_PORT + 15))
P_FASTGW=$((BASE_PORT + 16))
P_EG=$((BASE_PORT + 17))
P_EG_ADMIN=$((BASE_PORT + 874))
P_EG_IP=$((BASE_PORT + 18))
P_NODE_HTTP=$((BASE_PORT + 19))
P_EG_IP_ADMIN=$((BASE_PORT + 875))
BUILTIN_PORTS="$P_UP_NODE $P_UP_NGINX $P_NGINX $P_HAPROXY $P_CADDY $P_UNDICI $P_UNDICI_FULL $P_FASTGW $P_EG $P_EG_ADMIN $P_EG_IP $P_EG_IP_ADMIN $P_NODE_HTTP"

KEY=bench-key-0001                                  # key for nginx/haproxy/caddy/node peers
EG_KEY="apiKey bench-key-id:bench-key-secret"       # Express Gateway key-auth header value
BODY='{"ok":true,"message":"hello from upstream"}'

case "$UPSTREAM" in
  nginx) UP_PORT=$P_UP_NGINX ;;
  node) UP_PORT=$P_UP_NODE ;;
  *) echo "UPSTREAM must be nginx or node" >&2; exit 2 ;;
esac
UPSTREAM_HOSTPORT="127.0.0.1:$UP_PORT"
export UPSTREAM_URL="http://$UPSTREAM_HOSTPORT"

ALL_CONFIGS="direct-$UPSTREAM direct-$([ "$UPSTREAM" = nginx ] && echo node || echo nginx) nginx haproxy caddy node-http node-undici node-undici-full fast-gateway express-gateway express-gateway-ip"
CONFIGS=${CONFIGS:-$ALL_CONFIGS}
[ "$CONFIGS" = none ] && CONFIGS=""
# the direct-to-upstream baseline is always measured: the ratio column needs it
case " $CONFIGS " in *" direct-$UPSTREAM "*) ;; *) CONFIGS="direct-$UPSTREAM $CONFIGS" ;; esac

# plugged-in gateways: index i -> variables GATEWAY_* (i=1) or GATEWAY<i>_*, config id custom / custom<i>
MAX_CUSTOM=4
CUSTOM_IDS=()
declare -A GW_PFX GW_CMD GW_URL GW_KEY GW_HDR GW_SETUP GW_NAME GW_PORT GW_READY PORT_OWNER LABEL_TAKEN
for p in $BUILTIN_PORTS; do PORT_OWNER[$p]="the built-in configs (BASE_PORT=$BASE_PORT)"; done
for c in $ALL_CONFIGS; do LABEL_TAKEN[$c]=1; done
gw_var() { local n=$1$2; printf '%s' "${!n:-}"; }   # prefix field -> value (empty when unset)
for i in $(seq 1 $MAX_CUSTOM); do
  if [ "$i" = 1 ]; then pfx=GATEWAY_ id=custom; else pfx=GATEWAY${i}_ id=custom$i; fi
  [ -n "$(gw_var $pfx CMD)" ] || continue
  GW_PFX[$id]=$pfx
  GW_CMD[$id]=$(gw_var $pfx CMD)
  GW_URL[$id]=$(gw_var $pfx URL)
  GW_KEY[$id]=$(gw_var $pfx KEY)
  GW_HDR[$id]=$(gw_var $pfx KEY_HEADER); GW_HDR[$id]=${GW_HDR[$id]:-Authorization}
  GW_SETUP[$id]=$(gw_var $pfx SETUP)
  GW_NAME[$id]=$(gw_var $pfx NAME)
  [ -n "${GW_NAME[$id]}" ] || { GW_NAME[$id]=gateway-under-test; [ "$i" = 1 ] || GW_NAME[$id]+=-$i; }
  GW_READY[$id]=$(gw_var $pfx READY_TIMEOUT); GW_READY[$id]=${GW_READY[$id]:-$GATEWAY_READY_TIMEOUT}
  [ -n "${GW_URL[$id]}" ] || { echo "${pfx}URL is required with ${pfx}CMD" >&2; exit 2; }
  [ -n "${GW_KEY[$id]}" ] || { echo "${pfx}KEY is required with ${pfx}CMD" >&2; exit 2; }
  if [[ ! "${GW_URL[$id]}" =~ ^http://(127\.[0-9]+\.[0-9]+\.[0-9]+|localhost|\[::1\])(:([0-9]+))?(/.*)?$ ]]; then
    echo "${pfx}URL must be http:// on a loopback address (127.0.0.0/8, localhost, [::1])" >&2; exit 2
  fi
  GW_PORT[$id]=${BASH_REMATCH[3]:-80}
  [ -z "${PORT_OWNER[${GW_PORT[$id]}]:-}" ] || { echo "port ${GW_PORT[$id]} of ${pfx}URL is already used by ${PORT_OWNER[${GW_PORT[$id]}]}" >&2; exit 2; }
  [ -z "${LABEL_TAKEN[${GW_NAME[$id]}]:-}" ] || { echo "${pfx}NAME '${GW_NAME[$id]}' is already a row label: names must be unique" >&2; exit 2; }
  PORT_OWNER[${GW_PORT[$id]}]=${pfx}URL; LABEL_TAKEN[${GW_NAME[$id]}]=1
  CUSTOM_IDS+=("$id")
  case " $CONFIGS " in *" $id "*) ;; *) CONFIGS="$CONFIGS $id" ;; esac
done

RUN="$BENCH_DIR/.run/$TS"          # runtime files: rendered configs, logs, pids
mkdir -p "$OUT" "$RUN/pids" "$RUN/logs" "$RUN/nginx-tmp"
OUT=$(cd "$OUT" && pwd)
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# ---------------------------------------------------------------- process management
STARTED=()   # names with a pid file; each process was started with setsid => pgid == pid
start_bg() { # name logfile cmd... : start in its own process group
  local name=$1 logf=$2; shift 2
  setsid "$@" > "$logf" 2>&1 < /dev/null &
  echo $! > "$RUN/pids/$name"
  STARTED+=("$name")
}
pgid_of() { cat "$RUN/pids/$1" 2>/dev/null; }
stop_one() {
  local name=$1 pg
  pg=$(pgid_of "$name") || return 0
  [ -n "$pg" ] || return 0
  kill -TERM -- "-$pg" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    kill -0 -- "-$pg" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pg" 2>/dev/null || true
}
cleanup() {
  local n
  for n in "${STARTED[@]}"; do stop_one "$n"; done
  STARTED=()
}
trap cleanup EXIT
trap 'log "interrupted"; cleanup; exit 130' INT TERM

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
# url timeout_s [name] : wait until anything answers HTTP; returns 1 when timed out, 2 when the
# process group of name (started by start_bg) is gone, i.e. it exited before its port answered
wait_http() {
  local url=$1 t=${2:-20} pg="" i
  [ -n "${3:-}" ] && pg=$(pgid_of "$3")
  for i in $(seq 1 $((t * 10))); do
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    [ -n "$pg" ] && ! kill -0 -- "-$pg" 2>/dev/null && return 2
    sleep 0.1
  done
  return 1
}
render() { # template out  (replaces @VARS@)
  sed -e "s#@WORKERS@#$PROXY_WORKERS#g" -e "s#@RUNDIR@#$RUN#g" -e "s#@PORT@#$3#g" \
      -e "s#@KEY@#$KEY#g" -e "s#@KEY_HEADER@#Authorization#g" -e "s#@KEY_HEADER_VAR@#authorization#g" \
      -e "s#@UPSTREAM_HOSTPORT@#$UPSTREAM_HOSTPORT#g" "$1" > "$2"
}

# ---------------------------------------------------------------- configs
# Each config: url, key header, key, description, a start function, port to check.
declare -A URL HDR KEYV DESC CPORT LABEL
def() { URL[$1]=$2; HDR[$1]=$3; KEYV[$1]=$4; CPORT[$1]=$5; DESC[$1]=$6; LABEL[$1]=$1; }
def direct-nginx     "http://127.0.0.1:$P_UP_NGINX/hello"     Authorization ""        $P_UP_NGINX    "upstream: nginx return 200, no gateway"
def direct-node      "http://127.0.0.1:$P_UP_NODE/hello"      Authorization ""        $P_UP_NODE     "upstream: node:http, no gateway"
def nginx            "http://127.0.0.1:$P_NGINX/bench/hello"  Authorization "$KEY"    $P_NGINX       "nginx: map key check + limit_req + proxy"
def haproxy          "http://127.0.0.1:$P_HAPROXY/bench/hello" Authorization "$KEY"   $P_HAPROXY     "haproxy: key list acl + stick-table rate + proxy"
def caddy            "http://127.0.0.1:$P_CADDY/bench/hello"  Authorization "$KEY"    $P_CADDY       "caddy: header matcher + reverse_proxy (no rate limit)"
def node-http        "http://127.0.0.1:$P_NODE_HTTP/bench/hello" Authorization "$KEY" $P_NODE_HTTP "node:http server + node:http client: Map key lookup + proxy"
def node-undici      "http://127.0.0.1:$P_UNDICI/bench/hello" Authorization "$KEY"    $P_UNDICI      "node:http + undici: Map key lookup + proxy"
def node-undici-full "http://127.0.0.1:$P_UNDICI_FULL/bench/hello" Authorization "$KEY" $P_UNDICI_FULL "node:http + undici: key + access right + rate + quota (in-proc) + proxy"
def fast-gateway     "http://127.0.0.1:$P_FASTGW/bench/hello" Authorization "$KEY"    $P_FASTGW      "fast-gateway: key middleware + rate counter + proxy"
def express-gateway  "http://127.0.0.1:$P_EG/bench/hello"     Authorization "$EG_KEY" $P_EG          "express-gateway: key-auth + rate-limit per consumer (rateLimitBy) + proxy"
def express-gateway-ip "http://127.0.0.1:$P_EG_IP/bench/hello" Authorization "$EG_KEY" $P_EG_IP      "express-gateway: key-auth + rate-limit per IP + proxy"
for c in "${CUSTOM_IDS[@]}"; do
  def "$c" "${GW_URL[$c]}" "${GW_HDR[$c]}" "${GW_KEY[$c]}" "${GW_PORT[$c]}" "gateway under test (${GW_PFX[$c]}CMD)"
  LABEL[$c]=${GW_NAME[$c]}
done

start_upstreams() {
  PORT=$P_UP_NODE start_bg up-node "$RUN/logs/up-node.log" node upstream/node-upstream.js
  if ! command -v nginx >/dev/null; then
    [ "$UPSTREAM" = nginx ] && { log "nginx is not installed: apt-get install -y nginx-light, or set UPSTREAM=node"; return 1; }
    wait_http "http://127.0.0.1:$P_UP_NODE/" 20; return
  fi
  render peers/nginx/upstream.conf.tmpl "$RUN/nginx-upstream.conf" $P_UP_NGINX
  start_bg up-nginx "$RUN/logs/up-nginx.log" nginx -p "$RUN" -c "$RUN/nginx-upstream.conf" -g 'daemon off;'
  wait_http "http://127.0.0.1:$P_UP_NGINX/" 20 && wait_http "http://127.0.0.1:$P_UP_NODE/" 20
}

WHY=""       # why the last start_config / sanity failed (for the note under the table)
start_config() { # name -> 0 when started (process ready), 1 otherwise (WHY set)
  local c=$1 logf="$RUN/logs/$1.log" rc
  WHY="failed to start or to set up"
  case "$c" in
    direct-*) return 0 ;;
    nginx)
      render peers/nginx/proxy.conf.tmpl "$RUN/nginx-proxy.conf" $P_NGINX
      start_bg "$c" "$RUN/logs/$c.log" nginx -p "$RUN" -c "$RUN/nginx-proxy.conf" -g 'daemon off;' ;;
    haproxy)
      echo "$KEY" > "$RUN/haproxy-keys.lst"
      render peers/haproxy/haproxy.cfg.tmpl "$RUN/haproxy.cfg" $P_HAPROXY
      start_bg "$c" "$RUN/logs/$c.log" haproxy -db -f "$RUN/haproxy.cfg" ;;
    caddy)
      render peers/caddy/Caddyfile.tmpl "$RUN/Caddyfile" $P_CADDY
      GOMAXPROCS=$PROXY_WORKERS HOME="$RUN" XDG_DATA_HOME="$RUN/caddy-data" XDG_CONFIG_HOME="$RUN/caddy-config" \
        start_bg "$c" "$RUN/logs/$c.log" caddy run --config "$RUN/Caddyfile" --adapter caddyfile ;;
    node-http)
      PORT=$P_NODE_HTTP UPSTREAM=$UPSTREAM_URL KEY=$KEY \
        start_bg "$c" "$RUN/logs/$c.log" node peers/node/http-proxy.js ;;
    node-undici)
      PORT=$P_UNDICI UPSTREAM=$UPSTREAM_URL KEY=$KEY MODE=minimal \
        start_bg "$c" "$RUN/logs/$c.log" node peers/node/undici-proxy.js ;;
    node-undici-full)
      PORT=$P_UNDICI_FULL UPSTREAM=$UPSTREAM_URL KEY=$KEY MODE=full \
        start_bg "$c" "$RUN/logs/$c.log" node peers/node/undici-proxy.js ;;
    fast-gateway)
      PORT=$P_FASTGW UPSTREAM=$UPSTREAM_URL KEY=$KEY \
        start_bg "$c" "$RUN/logs/$c.log" node peers/node/fast-gateway.js ;;
    express-gateway)
      EG_CONFIG=config EG_HTTP_PORT=$P_EG EG_ADMIN_PORT=$P_EG_ADMIN EG_UPSTREAM_URL=$UPSTREAM_URL \
        start_bg "$c" "$RUN/logs/$c.log" node peers/express-gateway/start.js ;;
    express-gateway-ip)
      EG_CONFIG=config-ip EG_HTTP_PORT=$P_EG_IP EG_ADMIN_PORT=$P_EG_IP_ADMIN EG_UPSTREAM_URL=$UPSTREAM_URL \
        start_bg "$c" "$RUN/logs/$c.log" node peers/express-gateway/start.js ;;
    custom|custom[0-9])
      GATEWAY_URL=${GW_URL[$c]} GATEWAY_KEY=${GW_KEY[$c]} GATEWAY_KEY_HEADER=${GW_HDR[$c]} \
        start_bg "$c" "$logf" bash -c "${GW_CMD[$c]}" ;;
    *) log "unknown config $c"; return 1 ;;
  esac
  local t=${GW_READY[$c]:-20}
  wait_http "http://127.0.0.1:${CPORT[$c]}/" "$t" "$c"; rc=$?
  if [ $rc != 0 ]; then
    if [ $rc = 2 ]; then
      wait "$(pgid_of "$c")"; rc=$?
      WHY="failed to start: exited with status $rc before port ${CPORT[$c]} answered"
      local last; last=$(grep -v '^[[:space:]]*$' "$logf" | tail -1)
      [ -z "$last" ] || WHY="$WHY (last log line: ${last:0:200})"
    else
      WHY="failed to start: port ${CPORT[$c]} did not answer within ${t}s"
    fi
    log "${LABEL[$c]}: $WHY; log: $logf"; tail -5 "$logf" >&2; return 1
  fi
  case "$c" in
    express-gateway) EG_ADMIN_URL="http://127.0.0.1:$P_EG_ADMIN" bash peers/express-gateway/setup.sh >> "$RUN/logs/$c.setup.log" 2>&1 || return 1 ;;
    express-gateway-ip) EG_ADMIN_URL="http://127.0.0.1:$P_EG_IP_ADMIN" bash peers/express-gateway/setup.sh >> "$RUN/logs/$c.setup.log" 2>&1 || return 1 ;;
    custom|custom[0-9])
      if [ -n "${GW_SETUP[$c]}" ]; then
        GATEWAY_URL=${GW_URL[$c]} GATEWAY_KEY=${GW_KEY[$c]} GATEWAY_KEY_HEADER=${GW_HDR[$c]} \
          timeout 120 bash -c "${GW_SETUP[$c]}" >> "$RUN/logs/$c.setup.log" 2>&1; rc=$?
        if [ $rc != 0 ]; then
          WHY="${GW_PFX[$c]}SETUP failed (status $rc); log: .run/$TS/logs/$c.setup.log"
          log "${LABEL[$c]}: $WHY"; tail -5 "$RUN/logs/$c.setup.log" >&2; return 1
        fi
      fi ;;
  esac
  return 0
}

# sanity: with key -> 200 + upstream body; without key / wrong key -> 4xx (gateways only)
NOTES=()
sanity() {
  local c=$1 code body nokey wrong
  body=$(curl -s --max-time 5 -H "${HDR[$c]}: ${KEYV[$c]}" -w '\n%{http_code}' "${URL[$c]}")
  code=${body##*$'\n'}; body=${body%$'\n'*}
  if [ "$code" != 200 ] || [[ "$body" != *'"hello from upstream"'* ]]; then
    WHY="failed the sanity check (with key: HTTP $code, body: ${body:0:120})"
    log "${LABEL[$c]}: $WHY"; return 1
  fi
  case "$c" in direct-*) return 0 ;; esac
  nokey=$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "${URL[$c]}")
  wrong=$(curl -s -o /dev/null --max-time 5 -H "${HDR[$c]}: not-a-valid-key" -w '%{http_code}' "${URL[$c]}")
  if [[ "$nokey" != 4* || "$wrong" != 4* ]]; then
    log "$c: WARNING: not rejecting bad keys (no key: $nokey, wrong key: $wrong)"
    NOTES+=("${LABEL[$c]} did not reject requests without a valid key (no key: HTTP $nokey, wrong key: HTTP $wrong)")
  fi
  return 0
}

# ---------------------------------------------------------------- measurement helpers
proc_pids() { # pgid -> pids in that group
  ps -eo pid=,pgid= | awk -v g="$1" '$2==g{print $1}'
}
group_cpu_ticks() { # sum utime+stime of a process group (clock ticks)
  local s=0 p v
  for p in $(proc_pids "$1"); do
    v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12+$13}') || continue
    s=$((s + ${v:-0}))
  done
  echo $s
}
group_rss_kb() { ps -eo pgid=,rss= | awk -v g="$1" '$1==g{s+=$2} END{print s+0}'; }

run_wrk() { # config duration -> prints BENCHJSON payload (or nothing)
  local c=$1 d=$2
  if [ "$LOADGEN" = wrk ]; then
    BENCH_KEY="${KEYV[$c]}" BENCH_KEY_HEADER="${HDR[$c]}" \
      timeout $((d + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${d}s" --timeout 10s -s wrk/bench.lua "${URL[$c]}" 2>&1 \
      | tee -a "$RUN/logs/loadgen.log" | sed -n 's/^BENCHJSON //p'
  else
    BENCH_KEY="${KEYV[$c]}" BENCH_KEY_HEADER="${HDR[$c]}" \
      timeout $((d + 30)) node lib/autocannon-run.js "${URL[$c]}" "$CONNECTIONS" "$d" 2>&1 \
      | tee -a "$RUN/logs/loadgen.log" | sed -n 's/^BENCHJSON //p'
  fi
}

measure() { # config rep
  local c=$1 rep=$2 pg sampler_flag="$RUN/sampling" rssf="$RUN/rss.$c" cpu0 cpu1 t0 t1 json
  case "$c" in
    direct-nginx) pg=$(pgid_of up-nginx) ;;
    direct-node) pg=$(pgid_of up-node) ;;
    *) pg=$(pgid_of "$c") ;;
  esac
  touch "$sampler_flag"; echo 0 > "$rssf.cur"
  ( max=0; while [ -e "$sampler_flag" ]; do r=$(group_rss_kb "$pg"); [ "$r" -gt "$max" ] && max=$r && echo $max > "$rssf.cur"; sleep 0.5; done ) &
  local sp=$!
  cpu0=$(group_cpu_ticks "$pg"); t0=$(date +%s%N)
  json=$(run_wrk "$c" "$DURATION")
  t1=$(date +%s%N); cpu1=$(group_cpu_ticks "$pg")
  rm -f "$sampler_flag"; wait $sp 2>/dev/null
  if [ -z "$json" ]; then log "$c rep $rep: wrk produced no result"; return 1; fi
  local rss; rss=$(cat "$rssf.cur")
  local hz; hz=$(getconf CLK_TCK)
  node -e '
    const j = JSON.parse(process.argv[1]);
    const [c, rep, rss, dcpu, dt, desc, hz] = process.argv.slice(2);
    j.config = c; j.rep = +rep; j.desc = desc;
    j.rps = j.requests / (j.duration_us / 1e6);
    j.rss_peak_kb = +rss;
    j.cpu_pct = 100 * (+dcpu / +hz) / (+dt / 1e9);
    console.log(JSON.stringify(j));
  ' "$json" "${LABEL[$c]}" "$rep" "$rss" "$((cpu1 - cpu0))" "$((t1 - t0))" "${DESC[$c]}" "$hz" >> "$RESULTS"
  tail -1 "$RESULTS" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.error(`    ${j.config} rep ${j.rep}: ${Math.round(j.rps)} req/s  p50 ${(j.p50_us/1000).toFixed(2)} ms  p99 ${(j.p99_us/1000).toFixed(2)} ms  rss ${(j.rss_peak_kb/1024).toFixed(0)} MiB  cpu ${j.cpu_pct.toFixed(0)}%  errors ${j.err_status+j.err_connect+j.err_read+j.err_write+j.err_timeout}`)})'
}

# ---------------------------------------------------------------- main
if [ -z "${LOADGEN:-}" ]; then
  if command -v wrk >/dev/null; then LOADGEN=wrk; else LOADGEN=autocannon; fi
fi
case "$LOADGEN" in
  wrk) command -v wrk >/dev/null || { echo "wrk not found: apt-get install -y wrk (see README)" >&2; exit 2; } ;;
  autocannon) log "using autocannon (wrk not installed or LOADGEN=autocannon): numbers are NOT comparable with wrk runs" ;;
  *) echo "LOADGEN must be wrk or autocannon" >&2; exit 2 ;;
esac
[ -d node_modules/undici ] || { echo "node_modules missing: run npm ci in bench/harness/ (see README.md there)" >&2; exit 2; }

for p in $BUILTIN_PORTS; do
  port_free "$p" || { echo "port $p is in use; set BASE_PORT to another range" >&2; exit 2; }
done
for c in "${CUSTOM_IDS[@]}"; do
  port_free "${GW_PORT[$c]}" || { echo "port ${GW_PORT[$c]} (from ${GW_PFX[$c]}URL) is already in use" >&2; exit 2; }
done

{
  echo "date_utc: $TS"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p') x $(nproc) cores"
  echo "mem: $(free -g | awk '/Mem:/{print $2" GiB"}')"
  echo "kernel: $(uname -r)"
  echo "os: $(. /etc/os-release; echo "$PRETTY_NAME")"
  echo "node: $(node --version)"
  echo "wrk: $(dpkg-query -W -f='${Version}' wrk 2>/dev/null)"
  echo "nginx: $(nginx -v 2>&1 | sed 's/.*nginx\///') (deb $(dpkg-query -W -f='${Version}' nginx-light 2>/dev/null || dpkg-query -W -f='${Version}' nginx 2>/dev/null))"
  echo "haproxy: $(haproxy -v 2>/dev/null | head -1 | awk '{print $3}')"
  echo "caddy: $(caddy version 2>/dev/null | awk '{print $1}')"
  for m in express-gateway fast-gateway undici restana fast-proxy-lite express express-rate-limit ioredis-mock http-proxy; do
    echo "npm $m: $(node -p "require('./node_modules/$m/package.json').version" 2>/dev/null)"
  done
  echo "loadavg_at_start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "loadgen: $LOADGEN"
  echo "params: DURATION=$DURATION CONNECTIONS=$CONNECTIONS THREADS=$THREADS REPS=$REPS WARMUP=$WARMUP UPSTREAM=$UPSTREAM PROXY_WORKERS=$PROXY_WORKERS"
} > "$OUT/env.txt"
cat "$OUT/env.txt" >&2
if awk '{exit !($1 > 0.5)}' /proc/loadavg; then
  log "WARNING: 1-min load average is $(cut -d' ' -f1 /proc/loadavg) before start: something else is using the CPU; numbers will be lower and noisier"
fi

log "starting upstreams (gateways proxy to $UPSTREAM at $UPSTREAM_URL)"
start_upstreams || { log "upstreams failed to start"; exit 1; }

READY=()
for c in $CONFIGS; do
  [ -n "${URL[$c]:-}" ] || { log "unknown config '$c' (known: $ALL_CONFIGS ${CUSTOM_IDS[*]})"; continue; }
  need=""
  case "$c" in direct-nginx|nginx) need=nginx ;; haproxy) need=haproxy ;; caddy) need=caddy ;; esac
  if [ -n "$need" ] && ! command -v "$need" >/dev/null; then
    log "skipping $c: $need is not installed (apt-get install -y $need)"; NOTES+=("$c: skipped, $need not installed"); continue
  fi
  log "starting ${LABEL[$c]}"
  if start_config "$c" && sanity "$c"; then READY+=("$c")
  else
    NOTES+=("${LABEL[$c]}: $WHY (not measured; log: .run/$TS/logs/$c.log)")
    stop_one "$c"   # a half-started gateway must not take CPU from the others
  fi
done
[ ${#READY[@]} -gt 0 ] || { log "nothing to measure"; exit 1; }

if [ "$WARMUP" -gt 0 ]; then
  log "warm-up: ${WARMUP}s per config"
  for c in "${READY[@]}"; do run_wrk "$c" "$WARMUP" > /dev/null; sleep 1; done
fi

n=${#READY[@]}
for rep in $(seq 1 "$REPS"); do
  log "rep $rep/$REPS"
  for i in $(seq 0 $((n - 1))); do
    c=${READY[$(((i + rep - 1) % n))]}      # rotate the order each rep
    measure "$c" "$rep"
    sleep 1
  done
done

cleanup

{
  if [ "$LOADGEN" = wrk ]; then lg="wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s"; else lg="autocannon -c$CONNECTIONS -d$DURATION (NOT comparable with wrk runs)"; fi
  echo "$lg, $REPS runs per config interleaved, median reported; gateways proxy to the $UPSTREAM upstream; PROXY_WORKERS=$PROXY_WORKERS."
  echo
  node lib/report.js "$RESULTS" "direct-$UPSTREAM"
  if [ ${#NOTES[@]} -gt 0 ]; then echo; for note in "${NOTES[@]}"; do echo "- $note"; done; fi
} > "$OUT/table.md"
echo
cat "$OUT/table.md"
echo
log "results: ${OUT#"$BENCH_DIR"/}/ (results.jsonl, table.md, env.txt); logs: .run/$TS/logs/"
