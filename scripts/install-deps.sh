#!/usr/bin/env bash
# Installs every Debian bookworm package that attnserve's build, tests and tools need.
# Idempotent: packages already present are skipped without touching the network.
# Run as root on a fresh Debian bookworm machine (or with sudo available).
#
#   scripts/install-deps.sh            # build + run + test dependencies
#   scripts/install-deps.sh --fixtures # also what regenerating test fixtures needs (node, npm for
#                                      # transformers.js; unicode-data for DerivedAge.txt); the
#                                      # tests themselves never need these
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang libclang-rt-14-dev
  # libraries
  # ocl-icd-opencl-dev: Debian builds oneDNN with its OpenCL GPU runtime, so dnnl-config.cmake
  # needs OpenCL headers and libOpenCL.so to configure
  libdnnl-dev ocl-icd-opencl-dev libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libabsl-dev prometheus-cpp-dev nlohmann-json3-dev libutf8proc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # test tools
  python3 ca-certificates openssl prometheus
)
if [[ "${1:-}" == "--fixtures" ]]; then
  PACKAGES+=(unicode-data)
  # A node from elsewhere (e.g. NodeSource, which bundles npm) is fine: only add Debian's when
  # the commands are missing.
  command -v node >/dev/null || PACKAGES+=(nodejs)
  command -v npm >/dev/null || PACKAGES+=(npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
