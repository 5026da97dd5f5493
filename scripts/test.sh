#!/usr/bin/env bash
# Fresh Debian bookworm -> every test: installs the packages, then
#   1. release build (GCC, -Werror): unit, integration and e2e tests;
#   2. ASan+UBSan build (Clang): the same tests under the sanitizers.
# Long soak, fuzz and benchmark runs are separate targets (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

start=$(date +%s)
echo "=== release build + tests"
scripts/build.sh release
ctest --preset release

echo "=== ASan + UBSan build + tests"
scripts/build.sh asan
ctest --preset asan

echo "=== all tests passed in $(( $(date +%s) - start )) s"
