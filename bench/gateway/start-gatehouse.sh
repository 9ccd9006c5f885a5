#!/usr/bin/env bash
# GATEWAY_CMD for bench/harness/run.sh: writes a tyk.conf and one API (/bench/ -> $UPSTREAM_URL,
# listen path stripped) into a temp dir, then runs Gatehouse in the foreground.
#   BENCH_MODE=keyed (full enforcement: auth, access, rate, quota, analytics) | keyless
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${UPSTREAM_URL:?run.sh sets UPSTREAM_URL}"
PORT=${BENCH_PORT:-18080}
MODE=${BENCH_MODE:-keyed}
# BENCH_DIR: where the config and the database go (npm run bench removes it afterwards)
DIR=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-bench-XXXXXX")}
rm -rf "$DIR"
mkdir -p "$DIR/apps"
KEYLESS=false; [ "$MODE" = keyless ] && KEYLESS=true
cat > "$DIR/apps/bench.json" <<JSON
{"name": "bench", "api_id": "bench", "org_id": "", "use_keyless": $KEYLESS,
 "auth": {"auth_header_name": "Authorization"},
 "version_data": {"not_versioned": true, "versions": {"Default": {"name": "Default"}}},
 "proxy": {"listen_path": "/bench/", "target_url": "$UPSTREAM_URL", "strip_listen_path": true}}
JSON
cat > "$DIR/tyk.conf" <<JSON
{"listen_address": "127.0.0.1", "listen_port": $PORT, "secret": "${BENCH_SECRET:-gatehouse-bench-secret-0123456789}",
 "app_path": "$DIR/apps", "enable_analytics": true, "storage": {"type": "embedded", "path": "$DIR/data"}}
JSON
# exec: the harness adds up the memory of the whole process group, and a waiting shell is not the gateway
# the same young generation as npm start (README: Memory)
NODE_ENV=production exec node --max-semi-space-size=8 --max-old-space-size=256 "$REPO/bin/gatehouse.js" start --conf "$DIR/tyk.conf"
