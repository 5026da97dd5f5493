#!/usr/bin/env bash
# Regenerates corpus.jsonl and expected/*.jsonl (see README.md). Needs node + npm and Debian's
# unicode-data (scripts/install-deps.sh --fixtures). Installs the pinned transformers.js into a
# cache directory outside the repository; never touches the Hugging Face Hub.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${ATTNSERVE_FIXTURES_CACHE:-$HOME/.cache/attnserve-tokenizer-fixtures}
mkdir -p "$CACHE"
cp "$HERE/package.json" "$CACHE/package.json"
if [[ ! -f "$CACHE/node_modules/@huggingface/transformers/package.json" ]] ||
   ! grep -q '"version": "4.3.1"' "$CACHE/node_modules/@huggingface/transformers/package.json"; then
  # onnxruntime-node's postinstall would fetch GPU binaries; the tokenizer needs none of it.
  (cd "$CACHE" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund -s)
fi
/usr/bin/python3 "$HERE/make_corpus.py" > "$HERE/corpus.jsonl"
/usr/bin/python3 "$HERE/generate_fixtures.py" --node-modules "$CACHE/node_modules"
