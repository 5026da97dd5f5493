#!/usr/bin/env bash
# Installs the Go command-line tools that the tests and the README use beside attnserve-cli:
#   grpcurl (github.com/fullstorydev/grpcurl)  calls any RPC as JSON through server reflection;
#   ghz     (github.com/bojand/ghz)            a second, independent gRPC load generator.
# Each is built from the Go module proxy with `go install MODULE@VERSION` at the pinned version
# below, into a cache outside the repository and outside the user's GOPATH:
#   ${ATTNSERVE_TOOLS_DIR:-${XDG_CACHE_HOME:-~/.cache}/attnserve-tools}/bin
# (GOPATH, GOMODCACHE and GOCACHE live under the same directory; `rm -rf` it to start over).
# Idempotent: a binary already built from the pinned module version (read from the binary itself
# with `go version -m`) is kept, so a warm run takes well under a second. The product build never
# needs these tools; scripts/test.sh runs this script before the tests.
#
#   scripts/install-tools.sh            install what is missing, print the bin directory
#   scripts/install-tools.sh --check    install nothing: print the bin directory if every tool is
#                                       there at its pinned version, else say what is missing (exit 1)
#   scripts/install-tools.sh --bin-dir  print the bin directory only
set -euo pipefail

# MODULE_PATH VERSION BINARY. Bump a version here and every caller follows.
TOOLS=(
  "github.com/fullstorydev/grpcurl/cmd/grpcurl v1.9.4 grpcurl"
  "github.com/bojand/ghz/cmd/ghz v0.120.0 ghz"
)

tools_dir=${ATTNSERVE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/attnserve-tools}
bin_dir=$tools_dir/bin

mode=install
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  --bin-dir) echo "$bin_dir"; exit 0 ;;
  -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
  *) echo "install-tools.sh: unknown argument '$1' (--check, --bin-dir)" >&2; exit 2 ;;
esac

# The go command: on PATH, else where the Go tarball installs it (/usr/local/go, as on our
# machines, whose non-login shells may not have it on PATH).
go_bin=$(command -v go || true)
if [[ -z "$go_bin" && -x /usr/local/go/bin/go ]]; then go_bin=/usr/local/go/bin/go; fi

# installed_version BINARY MODULE: the module version BINARY was built from, or nothing.
# The package path's module is the longest prefix that `go version -m` lists as "mod".
installed_version() {
  [[ -x "$1" && -n "$go_bin" ]] || return 0
  "$go_bin" version -m "$1" 2>/dev/null | awk -v pkg="$2" '
    $1 == "mod" && index(pkg "/", $2 "/") == 1 { print $3; exit }'
}

missing=()
for t in "${TOOLS[@]}"; do
  read -r pkg version name <<<"$t"
  have=$(installed_version "$bin_dir/$name" "$pkg")
  [[ "$have" == "$version" ]] || missing+=("$t")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "$bin_dir"
  exit 0
fi

if [[ "$mode" == check ]]; then
  for t in "${missing[@]}"; do
    read -r pkg version name <<<"$t"
    echo "install-tools.sh: $name $version is not installed in $bin_dir" >&2
  done
  echo "install-tools.sh: run scripts/install-tools.sh (needs Go and the Go module proxy)" >&2
  exit 1
fi

if [[ -z "$go_bin" ]]; then
  echo "install-tools.sh: the go command was not found (on PATH or in /usr/local/go/bin): install" \
    "Go 1.25 or newer to build grpcurl and ghz; attnserve itself does not need them" >&2
  exit 1
fi

mkdir -p "$bin_dir"
# One install at a time: two test runs (or a test and a person) may start this together.
exec 9>"$tools_dir/.lock"
flock 9

export GOPATH=$tools_dir/gopath
export GOMODCACHE=$tools_dir/gopath/pkg/mod
export GOCACHE=$tools_dir/gocache
export GOBIN=$bin_dir
# -modcacherw: a module cache that `rm -rf` can remove. GOTOOLCHAIN=local: a module that needs a
# newer Go fails with Go's own message instead of downloading another toolchain. No cgo: both
# tools are pure Go, and a static binary does not depend on the machine's C libraries.
export GOFLAGS="-modcacherw -buildvcs=false -trimpath"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
export GO111MODULE=on

for t in "${missing[@]}"; do
  read -r pkg version name <<<"$t"
  # Another process may have installed it while this one waited for the lock.
  [[ "$(installed_version "$bin_dir/$name" "$pkg")" == "$version" ]] && continue
  echo "install-tools.sh: go install $pkg@$version ($("$go_bin" env GOVERSION))" >&2
  start=$(date +%s)
  if ! (cd "$tools_dir" && "$go_bin" install "$pkg@$version"); then
    echo "install-tools.sh: 'go install $pkg@$version' failed (see above): is the Go module" \
      "proxy ($("$go_bin" env GOPROXY)) reachable?" >&2
    exit 1
  fi
  have=$(installed_version "$bin_dir/$name" "$pkg")
  if [[ "$have" != "$version" ]]; then
    echo "install-tools.sh: $bin_dir/$name reports module version '$have', not $version" >&2
    exit 1
  fi
  echo "install-tools.sh: $name $version in $(( $(date +%s) - start )) s" >&2
done
echo "$bin_dir"
