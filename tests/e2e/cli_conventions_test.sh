#!/usr/bin/env bash
# Command-line conventions of both binaries (issue 16, part 3): per-command help in dash form
# (exit 0; -h == --help == help CMD), the command list, flags of another command rejected (exit
# 2, naming the command), did-you-mean for typos and unknown commands, --version fields.
#   cli_conventions_test.sh ATTNSERVE ATTNSERVE_CLI
set -uo pipefail
SERVER=$1
CLI=$2
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# run NAME WANT_RC CMD...: runs CMD, sets $out (stdout), $err (stderr), checks the exit code.
run() {
  local name=$1 want=$2
  shift 2
  local tmp
  tmp=$(mktemp)
  out=$("$@" 2>"$tmp")
  rc=$?
  err=$(cat "$tmp")
  rm -f "$tmp"
  [[ $rc -eq $want ]] || fail "$name: exit code $rc, want $want (stderr: $err)"
}
has() { grep -qF -- "$2" <<<"$3" || fail "$1: no '$2' in: $3"; }
lacks() { ! grep -qF -- "$2" <<<"$3" || fail "$1: unexpected '$2' in: $3"; }

# --- attnserve: per-command help ---
run "serve --help" 0 "$SERVER" serve --help
help=$out
has "serve --help" "usage: attnserve serve" "$help"
has "serve --help" "--max-batch-tokens=16384" "$help"
has "serve --help" "--model=demo" "$help"
has "serve --help" "[int64]" "$help"
has "serve --help" "--tls-cert=\"\"" "$help"
for foreign in --seq --batch --pooling --input --add-special-tokens --encode-batch-tokens; do
  lacks "serve --help" "$foreign=" "$help"
done
lacks "serve --help: no underscore names" "max_batch_tokens" "$help"
lacks "serve --help: no build paths" ".cc" "$help"
lacks "serve --help: no Abseil flags" "--flagfile" "$help"
run "serve -h" 0 "$SERVER" serve -h
[[ "$out" == "$help" ]] || fail "serve -h differs from serve --help"
run "help serve" 0 "$SERVER" help serve
[[ "$out" == "$help" ]] || fail "help serve differs from serve --help"
run "encode --help" 0 "$SERVER" encode --help
has "encode --help" "--pooling=\"\"" "$out"
has "encode --help" "--token-embeddings=false" "$out"
lacks "encode --help" "--port=" "$out"
run "bench -h" 0 "$SERVER" bench -h
has "bench -h" "--seq=128" "$out"
lacks "bench -h" "--max-batch-tokens" "$out"
for h in --help -h help; do
  run "attnserve $h" 0 "$SERVER" $h
  for c in serve encode tokenize bench; do has "attnserve $h" "  $c " "$out"; done
done

# --- attnserve: foreign and unknown flags, unknown commands (exit 2; nothing runs) ---
run "serve --seq 4" 2 "$SERVER" serve --seq 4
has "serve --seq" "attnserve serve: --seq is a flag of 'bench', not of 'serve'" "$err"
run "encode --port 1" 2 "$SERVER" encode --port 1
has "encode --port" "attnserve encode: --port is a flag of 'serve', not of 'encode'" "$err"
run "--port before the command" 2 "$SERVER" --port=1 tokenize
has "--port tokenize" "--port is a flag of 'serve', not of 'tokenize'" "$err"
run "typo" 2 "$SERVER" serve --max-batch-token=3
has "typo" "unknown flag --max-batch-token; did you mean --max-batch-tokens?" "$err"
run "typo, underscores" 2 "$SERVER" serve --max_queued_token 3
has "typo, underscores" "did you mean --max-queued-tokens?" "$err"
run "bad value" 2 "$SERVER" serve --port abc
has "bad value" "attnserve serve: --port: 'abc' is not a valid int" "$err"
run "missing value" 2 "$SERVER" encode --dimensions
has "missing value" "attnserve encode: --dimensions needs a value" "$err"
run "unknown command" 2 "$SERVER" srve
has "unknown command" "unknown command 'srve'; did you mean 'serve'?" "$err"
run "no command" 2 "$SERVER"
has "no command" "commands:" "$err"
# Flags in either spelling, --flag value and --flag=value, --noflag, all accepted.
run "encode accepts its flags" 0 "$SERVER" encode --model demo --pooling=CLS --token_embeddings \
  --notoken-embeddings --dimensions 4 --input /dev/null

# --- attnserve --version ---
for v in --version version "--version serve"; do
  run "attnserve $v" 0 "$SERVER" $v
  has "$v" "attnserve " "$out"
  for field in "commit:" "build type:" "compiler:" "oneDNN:" "CPU ISA:"; do has "$v" "$field" "$out"; done
  lacks "$v" "NDEBUG" "$out"
done
version=$(sed -n 's/^attnserve \([0-9][0-9.]*\)$/\1/p' <<<"$out")
[[ -n "$version" ]] || fail "--version: no 'attnserve X.Y.Z' line: $out"
commit=$(sed -n 's/^commit: *//p' <<<"$out")
[[ "$commit" =~ ^([0-9a-f]{7,40}(-dirty)?|unknown)$ ]] || fail "--version: commit '$commit'"
has "--version oneDNN" "oneDNN:     2." "$out"

# --- attnserve-cli: the same conventions (no server needed: nothing connects) ---
run "cli embed --help" 0 "$CLI" embed --help
help=$out
has "cli embed --help" "usage: attnserve-cli embed" "$help"
has "cli embed --help" "--target=localhost:50051" "$help"
has "cli embed --help" "--token-embeddings=false" "$help"
has "cli embed --help" "--ids=false" "$help"
lacks "cli embed --help" "--concurrency" "$help"
lacks "cli embed --help" "--service=" "$help"
run "cli embed -h" 0 "$CLI" embed -h
[[ "$out" == "$help" ]] || fail "cli embed -h differs from --help"
run "cli help embed" 0 "$CLI" help embed
[[ "$out" == "$help" ]] || fail "cli help embed differs from --help"
for c in tokenize info health load; do
  run "cli $c --help" 0 "$CLI" $c --help
  has "cli $c --help" "usage: attnserve-cli $c" "$out"
  has "cli $c --help" "--target=" "$out"
done
run "cli --help" 0 "$CLI" --help
for c in embed tokenize info health load; do has "cli --help" "  $c " "$out"; done
run "cli health --concurrency" 2 "$CLI" health --concurrency 4
has "cli foreign" "attnserve-cli health: --concurrency is a flag of 'load', not of 'health'" "$err"
run "cli typo" 2 "$CLI" embed --pooing cls
has "cli typo" "unknown flag --pooing; did you mean --pooling?" "$err"
run "cli unknown command" 2 "$CLI" embedd x
has "cli unknown command" "did you mean 'embed'?" "$err"
run "cli --version" 0 "$CLI" --version
has "cli --version" "attnserve-cli $version" "$out"
for field in "commit:" "build type:" "compiler:"; do has "cli --version" "$field" "$out"; done

if ((fails > 0)); then echo "$fails checks failed"; exit 1; fi
echo "all checks passed"
