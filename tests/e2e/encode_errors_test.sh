#!/usr/bin/env bash
# Bad input and bad models: a clear message and a non-zero exit, never a crash.
set -uo pipefail
BIN=$1
TESTDATA=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

# A bad line is answered in place; the good lines around it still are; exit code 1.
out=$(printf '%s\n' '{"ids":[101,5,102]}' '{"ids":[101,999999,102]}' 'not json' '{"ids":[1,2]}' |
      "$BIN" encode --model demo)
rc=$?
[ $rc -eq 1 ] || fail "exit code $rc, expected 1"
[ "$(echo "$out" | wc -l)" -eq 4 ] || fail "expected 4 lines: $out"
echo "$out" | sed -n 2p | grep -q '"error":"line 2: the input has token id 999999 at position 1 outside the vocabulary' || fail "line 2: $out"
echo "$out" | sed -n 3p | grep -q '"error":"line 3: not a JSON object"' || fail "line 3: $out"
echo "$out" | sed -n 4p | grep -q '"embedding"' || fail "line 4: $out"

# Validated as the server validates an Embed input (the same function, the same words): empty
# text is an error for its line, not an embedding of "[CLS] [SEP]".
out=$(printf '%s\n' '{"text":""}' '{"text":"fine"}' '{"ids":[101,102],"type_ids":[0]}' |
      "$BIN" encode --model demo)
[ $? -eq 1 ] || fail "empty text: exit code, expected 1"
echo "$out" | sed -n 1p | grep -qx '{"error":"line 1: the input has empty text"}' || fail "empty text: $out"
echo "$out" | sed -n 2p | grep -q '"embedding"' || fail "line after empty text: $out"
echo "$out" | sed -n 3p | grep -q '"error":"line 3: the input has 1 type_ids for 2 ids"' || fail "type ids: $out"

# One output line per input line, a blank one answered in its place (encode and tokenize alike),
# so outputs can be pasted next to their inputs.
for cmd in encode tokenize; do
  out=$(printf '%s\n' '{"text":"first"}' '' '  ' '{"text":"last"}' | "$BIN" $cmd --model demo)
  [ $? -eq 1 ] || fail "$cmd blank lines: exit code, expected 1"
  [ "$(echo "$out" | wc -l)" -eq 4 ] || fail "$cmd blank lines: expected 4 lines: $out"
  echo "$out" | sed -n 2p | grep -qx '{"error":"line 2: blank line; expected {\\"text\\": \\"...\\"}"}' ||
    fail "$cmd line 2: $out"
  echo "$out" | sed -n 3p | grep -q '"error":"line 3: blank line' || fail "$cmd line 3: $out"
  echo "$out" | sed -n 4p | grep -q '"num_tokens"' || fail "$cmd line 4: $out"
done

# Bad flags.
"$BIN" encode --model demo --pooling median </dev/null 2>/tmp/attnserve_e2e_err.$$ && fail "bad --pooling accepted"
grep -q "pooling must be cls, mean, max, mean_sqrt_len, weighted_mean or last_token" /tmp/attnserve_e2e_err.$$ || fail "$(cat /tmp/attnserve_e2e_err.$$)"
"$BIN" encode --model demo --dimensions 4096 </dev/null 2>/tmp/attnserve_e2e_err.$$ && fail "bad --dimensions accepted"
grep -q "dimensions 4096 is outside \[0, 128\]" /tmp/attnserve_e2e_err.$$ || fail "$(cat /tmp/attnserve_e2e_err.$$)"

# Damaged model directories: one clear line naming the file, exit code 1, no crash (a crash
# would give 128+signal).
work=$(mktemp -d)
trap 'rm -rf "$work" /tmp/attnserve_e2e_err.$$' EXIT
cp -r "$TESTDATA/encoder/h96_heads3" "$work/m"
head -c 100000 "$TESTDATA/encoder/h96_heads3/model.safetensors" > "$work/m/model.safetensors"
"$BIN" encode --model "$work/m" </dev/null 2>"$work/err"
rc=$?
[ $rc -eq 1 ] || fail "truncated weights: exit code $rc"
grep -q "model.safetensors: tensor '.*'.*run past the end of the data section" "$work/err" || fail "$(cat "$work/err")"
[ "$(wc -l < "$work/err")" -eq 1 ] || fail "expected one line: $(cat "$work/err")"

"$BIN" encode --model "$work/nonexistent" </dev/null 2>"$work/err"
[ $? -eq 1 ] || fail "missing dir: wrong exit code"
grep -q "does not exist" "$work/err" || fail "$(cat "$work/err")"

printf 'garbage' > "$work/m/config.json"
"$BIN" encode --model "$work/m" </dev/null 2>"$work/err"
[ $? -eq 1 ] || fail "bad config: wrong exit code"
grep -q "config.json: not valid JSON" "$work/err" || fail "$(cat "$work/err")"
echo "ok"
