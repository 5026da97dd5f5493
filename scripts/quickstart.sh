#!/usr/bin/env bash
# Fresh Debian bookworm -> attnserve serving its built-in demo model.
# Installs the packages (scripts/install-deps.sh), builds the release preset, then runs
# `attnserve serve` in the foreground: gRPC on :50051, Prometheus metrics on :9000/metrics.
# Extra arguments go to `attnserve serve` (e.g. --model /path/to/hf-model --port 50052).
# Stop it with Ctrl-C (it drains and exits 0).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
cat <<'MSG'
--- attnserve is starting on the demo model. From another terminal:
  build/release/client/attnserve-cli health
  build/release/client/attnserve-cli embed "hello world" "the quick brown fox"
  build/release/client/attnserve-cli tokenize "Hello, world!"
  curl -s localhost:9000/metrics | grep ^attnserve_
MSG
exec build/release/server/attnserve serve --model demo "$@"
