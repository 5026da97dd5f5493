#!/usr/bin/env bash
# Installs every Debian bookworm package that attnserve's build, tests and tools need.
# Idempotent: packages already present are skipped without touching the network.
# Run as root on a fresh Debian bookworm machine (or with sudo available).
#
#   scripts/install-deps.sh            # build + run + test dependencies
#   scripts/install-deps.sh --fixtures # also what regenerating test fixtures needs
#                                      # (unicode-data for DerivedAge.txt); the tests never do
#   scripts/install-deps.sh --build    # only what compiling attnserve needs (docker/Dockerfile's
#                                      # builder stage)
#   scripts/install-deps.sh --runtime  # only the shared libraries the binaries load (the image's
#                                      # runtime stage)
#
# Daemons that come with packages (docker.io's dockerd, prometheus) are installed but not started:
# the tests start their own instances on private sockets and free ports.
set -euo pipefail

BUILD=(
  # toolchain (ccache: the image's builder stage keeps its cache between builds)
  build-essential cmake ninja-build pkg-config ccache
  # libraries
  # ocl-icd-opencl-dev: Debian builds oneDNN with its OpenCL GPU runtime, so dnnl-config.cmake
  # needs OpenCL headers and libOpenCL.so to configure
  libdnnl-dev ocl-icd-opencl-dev libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  libabsl-dev prometheus-cpp-dev nlohmann-json3-dev libutf8proc-dev
  # PCRE2 (JIT): the tokenizer's regular expressions (Split, ByteLevel pre-tokenizers)
  libpcre2-dev
  # OpenSSL (Debian's gRPC's own TLS library): the server checks its TLS files with it, and
  # the HTTP front end serves HTTPS with it (asio::ssl)
  libssl-dev
  # Boost.Beast (header-only, on asio): the HTTP/JSON front end (server/http/README.md)
  libboost-dev
  # the Debian packages (cpack -G DEB): dpkg-shlibdeps finds the runtime Depends, CPack needs file
  dpkg-dev file
)
DEVELOP=(
  # the clang presets (thread-safety analysis, sanitizers), tests and micro-benchmarks
  # (libomp-14-dev: clang's OpenMP headers and runtime; a Recommends of clang, which
  # --no-install-recommends leaves out, and the clang presets do not configure without it)
  git clang libclang-rt-14-dev libomp-14-dev libgtest-dev libgmock-dev libbenchmark-dev
  # test tools (curl: the HTTP front end's e2e test, tests/e2e/http_e2e.py)
  python3 ca-certificates openssl curl
  # the reference virtualenv of scripts/install-references.sh (Hugging Face tokenizers from
  # PyPI) and the Unicode data files its corpus generator reads (Scripts.txt)
  python3-venv unicode-data
  # clients: the Python client's runtime (stubs come from protoc + grpc_python_plugin above)
  python3-grpcio python3-protobuf
  # load-sweep plots (scripts/plot_load.py), manifest checks (python3-yaml), and a real
  # Prometheus + promtool for the metrics and dashboard tests
  python3-matplotlib python3-yaml prometheus
  # the docker test: Debian's engine (dockerd, containerd, runc), started by the test itself,
  # and debootstrap for the bookworm base image (no registry is used); docker-compose (1.29)
  # validates docker/compose.yaml
  docker.io debootstrap docker-compose
)
# What `attnserve` and `attnserve-cli` load at run time (their -dev packages pull these in too).
RUNTIME=(
  libdnnl2 ocl-icd-libopencl1 libgomp1 libgrpc++1.51 libprotobuf32 libabsl20220623
  libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libutf8proc2 libssl3 libpcre2-8-0
)

case "${1:-}" in
  --build) PACKAGES=("${BUILD[@]}") ;;
  --runtime) PACKAGES=("${RUNTIME[@]}") ;;
  "" | --fixtures)
    PACKAGES=("${BUILD[@]}" "${DEVELOP[@]}")
    # The Node client (npm ci of @grpc/grpc-js). A node from elsewhere (e.g. NodeSource, which
    # bundles npm) is fine: only add Debian's when the commands are missing.
    command -v node >/dev/null || PACKAGES+=(nodejs)
    command -v npm >/dev/null || PACKAGES+=(npm)
    if [[ "${1:-}" == "--fixtures" ]]; then PACKAGES+=(unicode-data); fi
    ;;
  *)
    echo "usage: $0 [--fixtures | --build | --runtime]" >&2
    exit 2
    ;;
esac

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
# No service starts during the install (Debian's policy-rc.d switch, honoured by invoke-rc.d and
# deb-systemd-invoke); an existing policy is left as it is.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# attnserve install-deps.sh: no daemon starts while it installs\nexit 101\n' |
    $SUDO tee $policy >/dev/null
  $SUDO chmod 755 $policy
  trap '$SUDO rm -f $policy' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
