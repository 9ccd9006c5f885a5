#!/usr/bin/env bash
# GATEWAY_SETUP for bench/harness/run.sh: the key the harness sends, with access to the bench
# API, a rate limit and a quota far above anything reachable (so both are counted every request).
set -euo pipefail
BASE=${GATEWAY_URL%%/bench/*}
curl -sf -X POST "$BASE/tyk/keys/$GATEWAY_KEY" \
  -H "X-Tyk-Authorization: ${BENCH_SECRET:-gatehouse-bench-secret-0123456789}" \
  -d '{"org_id": "", "rate": 100000000, "per": 1, "quota_max": 1000000000000, "quota_renewal_rate": 3600,
       "access_rights": {"bench": {"api_id": "bench", "api_name": "bench", "versions": ["Default"]}}}'
echo
