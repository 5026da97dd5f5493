#!/usr/bin/env bash
# Rerank and Predict with the binaries a user runs: `attnserve serve` on the cross-encoder fixture
# (tests/testdata/heads/bert_reranker, generate_fixtures.py), then attnserve-cli rerank / predict
# and curl on HTTP /rerank: the order sentence-transformers' CrossEncoder.rank gives, and the
# FAILED_PRECONDITION of the demo model, which has no head.
#   rerank_cli_test.sh ATTNSERVE ATTNSERVE_CLI TESTDATA_DIR
set -euo pipefail
BIN=$1 CLI=$2 DATA=$3
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../clients/serve_lib.sh"
tmp=$(mktemp -d)
trap 'attn_stop_all; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

model="$DATA/heads/bert_reranker"
attn_start "$BIN" "$tmp/server.log" --model "$model" --max-input-length 0
query=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["query"])' "$model/rerank.json")
python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["texts"]))' \
  "$model/rerank.json" >"$tmp/texts"
want=$(python3 -c 'import json,sys; print(" ".join(map(str, json.load(open(sys.argv[1]))["cross_encoder_order"])))' \
  "$model/rerank.json")

# One line per rank, best first, from stdin texts.
"$CLI" --target "$ATTN_TARGET" rerank --query "$query" <"$tmp/texts" >"$tmp/ranks"
got=$(python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["index"]) for l in open(sys.argv[1])))' "$tmp/ranks")
[[ "$got" == "$want" ]] || fail "rerank order '$got', CrossEncoder's '$want'"
"$CLI" --target "$ATTN_TARGET" rerank --query "$query" --top-n 2 --return-text <"$tmp/texts" >"$tmp/top"
[[ $(wc -l <"$tmp/top") -eq 2 ]] || fail "--top-n 2 gave $(cat "$tmp/top")"
grep -q '"text":' "$tmp/top" || fail "--return-text: $(cat "$tmp/top")"

# A pair through predict: one label, the sigmoid score.
"$CLI" --target "$ATTN_TARGET" predict --text-pair "Paris is the capital of France." "$query" \
  >"$tmp/pred"
grep -q '"label":"LABEL_0"' "$tmp/pred" || grep -q '"label": "LABEL_0"' "$tmp/pred" ||
  fail "predict: $(cat "$tmp/pred")"

# No texts: INVALID_ARGUMENT, exit code 1.
if "$CLI" --target "$ATTN_TARGET" rerank --query "$query" </dev/null 2>"$tmp/err"; then
  fail "rerank without texts succeeded"
fi
grep -q 'INVALID_ARGUMENT.*no texts' "$tmp/err" || fail "no texts: $(cat "$tmp/err")"

# HTTP: TEI's shape.
curl -sf "http://$ATTN_HTTP/rerank" -H 'content-type: application/json' \
  -d "{\"query\": \"$query\", \"texts\": [\"Paris is the capital of France.\", \"Music!\"]}" \
  >"$tmp/http"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert len(r)==2 and {x["index"] for x in r}=={0,1} and r[0]["score"]>=r[1]["score"], r' \
  "$tmp/http" || fail "HTTP /rerank: $(cat "$tmp/http")"

# The demo model has no head: FAILED_PRECONDITION naming it and its tasks.
attn_start "$BIN" "$tmp/demo.log" --model demo
if "$CLI" --target "$ATTN_TARGET" rerank --query q t 2>"$tmp/err"; then
  fail "rerank on the demo model succeeded"
fi
grep -q "FAILED_PRECONDITION.*'demo' has the tasks: embed" "$tmp/err" || fail "demo: $(cat "$tmp/err")"
echo "OK"
