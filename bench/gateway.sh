#!/usr/bin/env bash
# npm run bench: Gatehouse under the load-test harness in bench/harness (see its README.md),
# next to its peers, in one table: direct upstream, nginx, node-undici-full, fast-gateway,
# express-gateway, Gatehouse keyed (full enforcement) and Gatehouse keyless.
#   REPS=5 DURATION=10 CONFIGS="nginx node-undici-full fast-gateway" ISOLATED="express-gateway" (defaults)
# The harness keeps every config running and measures them in a rotating order, so the config
# after express-gateway always runs while its 1+ GiB heap is still being collected (seen: the
# next config loses 10-25%). With Gatehouse appended last, that was always Gatehouse. Configs in
# ISOLATED get a harness run of their own; all rows still land in one table. Five interleaved
# runs per config by default: on this shared 2-core VM one run of a config can be half as fast as
# the next (seen: 6.7k / 10.6k / 7.9k req/s in a row), and a median of three follows one bad run.
# Installs what it needs: wrk, nginx, haproxy, caddy (Debian) and the harness's npm packages.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HARNESS=${BENCH_HARNESS:-$REPO/bench/harness}
[ -x "$HARNESS/run.sh" ] || { echo "bench harness not found at $HARNESS (set BENCH_HARNESS)" >&2; exit 2; }
missing=()
for tool in wrk nginx haproxy caddy; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  packages=(); for tool in "${missing[@]}"; do [ "$tool" = nginx ] && packages+=(nginx-light) || packages+=("$tool"); done
  apt-get install -y --no-install-recommends "${packages[@]}" || { apt-get update && apt-get install -y --no-install-recommends "${packages[@]}"; }
fi
[ -d "$HARNESS/node_modules" ] || (cd "$HARNESS" && npm ci --no-audit --no-fund)
(cd "$REPO" && npm run build --silent)

export REPS=${REPS:-5} DURATION=${DURATION:-10}
PEERS=${CONFIGS:-nginx node-undici-full fast-gateway}
ISOLATED=${ISOLATED-express-gateway}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench-results-XXXXXX")
common=(GATEWAY_URL=http://127.0.0.1:18080/bench/hello GATEWAY_KEY=gatehouse-bench-key GATEWAY_KEY_HEADER=Authorization
  "GATEWAY_SETUP=bash $REPO/bench/gateway/setup-key.sh")
env "${common[@]}" GATEWAY_NAME=gatehouse-keyed "GATEWAY_CMD=BENCH_MODE=keyed BENCH_DIR=$OUT/gatehouse-keyed bash $REPO/bench/gateway/start-gatehouse.sh" \
  CONFIGS="$PEERS" OUT="$OUT/keyed" "$HARNESS/run.sh" > "$OUT/keyed.log" 2>&1 || { cat "$OUT/keyed.log"; exit 1; }
env "${common[@]}" GATEWAY_NAME=gatehouse-keyless "GATEWAY_CMD=BENCH_MODE=keyless BENCH_DIR=$OUT/gatehouse-keyless bash $REPO/bench/gateway/start-gatehouse.sh" \
  CONFIGS=none OUT="$OUT/keyless" "$HARNESS/run.sh" > "$OUT/keyless.log" 2>&1 || { cat "$OUT/keyless.log"; exit 1; }
for config in $ISOLATED; do
  CONFIGS="$config" OUT="$OUT/$config" "$HARNESS/run.sh" > "$OUT/$config.log" 2>&1 || { cat "$OUT/$config.log"; exit 1; }
done
rm -rf "$OUT/gatehouse-keyed" "$OUT/gatehouse-keyless"
cat "$OUT/keyed/results.jsonl" "$OUT/keyless/results.jsonl" $(for config in $ISOLATED; do echo "$OUT/$config/results.jsonl"; done) > "$OUT/results.jsonl"
echo
echo "Gatehouse vs peers (REPS=$REPS DURATION=$DURATION; raw runs in $OUT):"
(cd "$HARNESS" && node lib/report.js "$OUT/results.jsonl" direct-nginx)
grep -h -i "note\|warn" "$OUT"/*.log | grep -v "^#" | head -20 || true
echo
echo "reproduce: REPS=$REPS DURATION=$DURATION npm run bench"
