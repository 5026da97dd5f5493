#!/usr/bin/env bash
# A real Prometheus scrapes a real `attnserve serve` under load with the shipped config
# (docker/prometheus/prometheus.yml, checked by promtool), and every query of the Grafana
# dashboard (docker/grafana/dashboards/attnserve.json) evaluates and returns series.
#   prometheus_dashboard_test.sh ATTNSERVE_BIN ATTNSERVE_CLI SOURCE_DIR
set -euo pipefail
BIN=$1
CLI=$2
SRC=$3
source "$SRC/tests/clients/serve_lib.sh"
tmp=$(mktemp -d)
load_pid=""
trap '[[ -n $load_pid ]] && kill $load_pid 2>/dev/null; attn_stop_all; rm -rf "$tmp"' EXIT

attn_start "$BIN" "$tmp/server.log" --model demo
# Traffic while Prometheus scrapes, so that rates and quantiles have something to show.
"$CLI" --target "$ATTN_TARGET" load --concurrency 2 --lengths 8:48 --duration 20 --warmup 0 \
  >"$tmp/load.out" 2>&1 &
load_pid=$!
/usr/bin/python3 "$SRC/tests/deploy/prometheus_check.py" --target "$ATTN_METRICS" \
  --config "$SRC/docker/prometheus/prometheus.yml" \
  --dashboard "$SRC/docker/grafana/dashboards/attnserve.json" --work-dir "$tmp/prometheus"
kill "$load_pid" 2>/dev/null || true
wait "$load_pid" 2>/dev/null || true
load_pid=""
echo ok
