#!/usr/bin/env bash
# Fresh Debian bookworm -> attnserve running on its built-in demo model.
# Installs the packages (scripts/install-deps.sh), builds the release preset, then embeds two
# example inputs with `attnserve encode` (the gRPC server is the next milestone).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
echo "--- attnserve encode --model demo (JSON lines in, JSON lines out)"
# Token ids of the demo vocabulary ([CLS] = 101, [SEP] = 102); text inputs come with the tokenizer.
printf '%s\n' '{"ids": [101, 300, 301, 102]}' '{"ids": [101, 302, 303, 102, 304, 102], "type_ids": [0, 0, 0, 0, 1, 1]}' |
  build/release/server/attnserve encode --model demo --dimensions 8
