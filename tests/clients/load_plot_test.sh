#!/usr/bin/env bash
# `attnserve-cli load` against a live server, closed and open loop, as a table and as --json, and
# scripts/plot_load.py drawing that JSON into two PNGs (Debian's python3-matplotlib).
#   load_plot_test.sh ATTNSERVE_BIN ATTNSERVE_CLI SOURCE_DIR
set -euo pipefail
BIN=$1
CLI=$2
SRC=$3
source "$SRC/tests/clients/serve_lib.sh"
tmp=$(mktemp -d)
trap 'attn_stop_all; rm -rf "$tmp"' EXIT

attn_start "$BIN" "$tmp/server.log" --model demo
common=(--target "$ATTN_TARGET" load --lengths 8:32 --duration 1 --warmup 0.2)

table=$("$CLI" "${common[@]}" --concurrency 2 --text)
echo "$table"
grep -q '^mode *level *req/s' <<<"$table"
grep -Eq '^closed +2 +[0-9.]+ ' <<<"$table"

# Text mode: every input is exactly N tokens ([CLS] + N - 2 one-token words + [SEP]).
"$CLI" --target "$ATTN_TARGET" load --lengths 12:12 --duration 0.5 --warmup 0 --concurrency 1 \
  --text --json >"$tmp/text.json"
/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["ok"] > 0 and r["tokens"] == 12 * r["ok"], r' "$tmp/text.json"

"$CLI" "${common[@]}" --concurrency 1,4 --rate 50 --json >"$tmp/sweep.json"
/usr/bin/python3 - "$tmp/sweep.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert [(r["mode"], r["level"]) for r in rows] == [("closed", 1), ("closed", 4), ("open", 50)], rows
for r in rows:
    assert r["ok"] > 0 and r["errors"] == {}, r
    assert 0 < r["p50_ms"] <= r["p90_ms"] <= r["p99_ms"] <= r["max_ms"], r
    assert r["tokens"] >= 8 * r["ok"], r
open_loop = rows[2]
assert 25 <= open_loop["offered_per_s"] <= 100, open_loop  # Poisson arrivals at 50/s for 1 s
PY

/usr/bin/python3 "$SRC/scripts/plot_load.py" "$tmp/sweep.json=demo" "$tmp/plots" | tee "$tmp/plot.out"
grep -Eq '^demo +closed +4 ' "$tmp/plot.out"
for png in throughput_vs_concurrency latency_vs_throughput; do
  f=$tmp/plots/$png.png
  [[ $(head -c 8 "$f" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || {
    echo "$f is not a PNG" >&2
    exit 1
  }
  (($(stat -c %s "$f") > 20000)) || {
    echo "$f is suspiciously small" >&2
    exit 1
  }
done
echo ok
