#!/usr/bin/env bash
# End-to-end: `attnserve tokenize` and text inputs of `attnserve encode`, run as a user would.
#   tokenizer_cli_test.sh ATTNSERVE_BINARY TESTDATA_DIR
set -uo pipefail
BIN=$1
DATA=$2
fails=0
check() {  # check NAME EXPECTED_SUBSTRING ACTUAL
  if [[ "$3" == *"$2"* ]]; then echo "ok   $1"; else
    echo "FAIL $1: expected to contain: $2"; echo "     got: ${3:0:400}"; fails=$((fails + 1)); fi
}

out=$(printf '%s\n' '{"text": "My name is John", "text_pair": "pair"}' |
      "$BIN" tokenize --model "$DATA/tokenizers/bert-base-uncased")
check "tokenize: Hugging Face's pair expectation" \
  '{"ids":[101,2026,2171,2003,2198,102,3940,102],"num_tokens":8,"offsets":[[0,0],[0,2],[3,7],[8,10],[11,15],[0,0],[0,4],[0,0]],"tokens":["[CLS]","my","name","is","john","[SEP]","pair","[SEP]"],"type_ids":[0,0,0,0,0,0,1,1]}' "$out"

out=$(printf '%s\n' '{"text": "one two three four"}' 'not json' '{"txt": 1}' '{"text": "ok"}' |
      "$BIN" tokenize --model "$DATA/tokenizers/bert-base-uncased" --max-length 4 --truncate)
rc=$?
check "tokenize: --truncate" '"ids":[101,2028,2048,102]' "$out"
check "tokenize: truncated flag" '"truncated":true' "$out"
check "tokenize: bad JSON line" '{"error":"line 2: not valid JSON' "$out"
check "tokenize: missing text" '{"error":"line 3: expected {\"text\": \"...\"}' "$out"
check "tokenize: later lines still answered" '"ids":[101,7929,102]' "$out"
check "tokenize: exit code 1 after a bad line" "rc=1;" "rc=$rc;"

out=$(printf '%s\n' '{"text": "one two three four"}' |
      "$BIN" tokenize --model "$DATA/tokenizers/bert-base-uncased" --max-length 4)
check "tokenize: too long without --truncate" 'line 1: has 6 tokens; the maximum is 4' "$out"

out=$(printf '%s\n' '{"text": "hello [MASK]"}' |
      "$BIN" tokenize --model "$DATA/tokenizers/bert-base-uncased" --add-special-tokens=false)
check "tokenize: --add-special-tokens=false" '"ids":[7592,103]' "$out"

out=$(printf '%s\n' '{"text": "Hello world", "text_pair": "a question?"}' '{"ids": [101, 102]}' |
      "$BIN" encode --model demo)
rc=$?
check "encode: text pair" '"num_tokens":8' "$out"
check "encode: ids still accepted" '"num_tokens":2' "$out"
check "encode: exit code 0" "rc=0;" "rc=$rc;"

long=$(printf 'hello %.0s' $(seq 1 600))
out=$(printf '{"text": "%s"}\n' "$long" | "$BIN" encode --model demo)
check "encode: too long without --truncate" \
  'line 1: the input has 602 tokens; the maximum is 512 (use --truncate to cut it)' "$out"
out=$(printf '{"text": "%s"}\n' "$long" | "$BIN" encode --model demo --truncate)
check "encode: --truncate" '"num_tokens":512' "$out"

out=$(printf '%s\n' '{"text": "hello"}' | "$BIN" encode --model "$DATA/encoder/h96_heads3")
check "encode: model without tokenizer" 'line 1: the model has no tokenizer' "$out"

if ((fails > 0)); then echo "$fails checks failed"; exit 1; fi
echo "all checks passed"
