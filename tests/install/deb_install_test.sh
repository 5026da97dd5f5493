#!/usr/bin/env bash
# The Debian packages, for real (ctest label deb; `ctest --preset deb`; root):
#   1. cpack builds attnserve_*.deb and attnserve-dev_*.deb from the release build; their
#      Depends and contents are checked;
#   2. the out-of-tree example (client/examples/cpp) builds on this machine with CMake against
#      the unpacked attnserve-dev package, and with pkg-config against a `cmake --install
#      --prefix` staging directory;
#   3. a fresh bookworm root (debootstrap, the tarball the docker test caches) gets the runtime
#      package through `apt-get install ./attnserve_*.deb`, so apt resolves its Depends from the
#      mirror: no -dev package, no compiler. In a chroot there: every library resolves,
#      `attnserve serve --model demo` starts, `attnserve-cli health` says SERVING,
#      `attnserve-cli embed` and both example binaries embed, SIGTERM drains and exits 0.
# Every step has a time limit. apt's lists and downloaded packages are cached between runs.
#
#   deb_install_test.sh SOURCE_DIR BUILD_DIR
# Environment: ATTNSERVE_DOCKER_CACHE (default ~/.cache/attnserve-docker: the bookworm tarball,
#   shared with the docker test, and deb-apt/), ATTNSERVE_DEBIAN_MIRROR and
#   ATTNSERVE_DEBIAN_SECURITY_MIRROR as in the docker test (tests/docker/bookworm_base.sh).
set -euo pipefail
SRC=$(cd "$1" && pwd)
BUILD=$(cd "$2" && pwd)
CACHE=${ATTNSERVE_DOCKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/attnserve-docker}
t0=$(date +%s)
source "$SRC/tests/docker/bookworm_base.sh"

fail() {
  echo "deb test: FAIL: $*" >&2
  exit 1
}
phase() { echo "=== [$(($(date +%s) - t0)) s] $*"; }

[[ $(id -u) -eq 0 ]] || fail "chroot and apt-get in the root need root"
for tool in /usr/sbin/debootstrap /usr/sbin/chroot /usr/bin/dpkg-deb /usr/bin/dpkg-shlibdeps \
  /usr/bin/file /usr/bin/python3 /usr/bin/pkg-config; do
  [[ -x $tool ]] || fail "$tool is missing: run scripts/install-deps.sh"
done
[[ -x $BUILD/server/attnserve && -x $BUILD/client/attnserve-cli ]] ||
  fail "no binaries in $BUILD: build it first (scripts/build.sh release)"

# Where the packages put the libraries, CMake package and .pc (GNUInstallDirs, relative to /usr).
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$BUILD/CMakeCache.txt")
[[ -n $libdir ]] || fail "no CMAKE_INSTALL_LIBDIR in $BUILD/CMakeCache.txt"

tmp=$(mktemp -d /tmp/attnserve-deb.XXXXXX)
root=$tmp/root
server_pid=""
mounts_under() { awk -v t="$1" 'index($2, t "/") == 1 {print $2}' /proc/mounts | sort -r; }
cleanup() {
  local rc=$?
  set +e
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid"
    wait "$server_pid" 2>/dev/null
  fi
  mounts_under "$tmp" | while read -r m; do umount -l "$m"; done
  # Never delete through a mount (the root's /dev is the host's).
  if [[ -n $(mounts_under "$tmp") ]]; then
    echo "deb test: mounts remain under $tmp; not deleting it:" $(mounts_under "$tmp") >&2
  else
    rm -rf --one-file-system "$tmp"
  fi
  echo "=== deb test: $( ((rc == 0)) && echo passed || echo FAILED) in $(($(date +%s) - t0)) s"
}
trap cleanup EXIT
trap 'echo "deb test: FAIL at line $LINENO: $BASH_COMMAND" >&2' ERR

# ---- 1. the packages -----------------------------------------------------------------------
phase "cpack -G DEB ($BUILD)"
timeout 600 cpack -G DEB -B "$tmp/pkg" --config "$BUILD/CPackConfig.cmake" >"$tmp/cpack.log" 2>&1 || {
  tail -n 30 "$tmp/cpack.log" >&2
  fail "cpack failed"
}
debs=("$tmp"/pkg/attnserve_*.deb)
devs=("$tmp"/pkg/attnserve-dev_*.deb)
[[ -f ${debs[0]} && -f ${devs[0]} ]] || fail "cpack made no attnserve_*.deb / attnserve-dev_*.deb: $(ls "$tmp/pkg")"
deb=${debs[0]}
dev=${devs[0]}
for p in "$deb" "$dev"; do
  echo "$(basename "$p"): $(du -k "$p" | cut -f1) kB"
  dpkg-deb -f "$p" Package Version Architecture Maintainer Section Depends | sed 's/^/  /'
done
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libstdc++6 libgomp1 libdnnl2 libgrpc++1.51 libprotobuf32 \
  libabsl20220623 libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libutf8proc2 libssl3; do
  [[ ", $depends," == *", $lib "* || ", $depends," == *", $lib,"* ]] ||
    fail "attnserve's Depends lacks $lib: $depends"
done
[[ $depends != *-dev* ]] || fail "the runtime package depends on a -dev package: $depends"
[[ $(dpkg-deb -f "$deb" Version) == "$(sed -n 's/^project(attnserve VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")" ]] ||
  fail "the package version is not project(VERSION)"
dpkg-deb -c "$deb" | awk '{print $6}' >"$tmp/deb.files"
dpkg-deb -c "$dev" | awk '{print $6}' >"$tmp/dev.files"
for f in ./usr/bin/attnserve ./usr/bin/attnserve-cli; do
  grep -qx "$f" "$tmp/deb.files" || fail "$f is not in $(basename "$deb")"
done
! grep -qE '^\./usr/(include|lib)/' "$tmp/deb.files" || fail "the runtime package holds headers or libraries"
for f in include/attnserve/client/embedder_client.h include/attnserve/attnserve/v1/attnserve.grpc.pb.h \
  include/attnserve/grpc/health/v1/health.grpc.pb.h "$libdir/libattnserve_client.a" \
  "$libdir/libattnserve_proto.a" "$libdir/cmake/attnserve/attnserveConfig.cmake" \
  "$libdir/cmake/attnserve/attnserveConfigVersion.cmake" "$libdir/cmake/attnserve/attnserveTargets.cmake" \
  "$libdir/pkgconfig/attnserve-client.pc" \
  share/attnserve/proto/attnserve/v1/attnserve.proto; do
  grep -qx "./usr/$f" "$tmp/dev.files" || fail "/usr/$f is not in $(basename "$dev")"
done
phase "packages checked: Depends from dpkg-shlibdeps, binaries in attnserve, the rest in attnserve-dev"

# ---- 2. the example against the installed client library -----------------------------------
phase "example: CMake find_package(attnserve) against the unpacked attnserve-dev"
dpkg-deb -x "$dev" "$tmp/dev"
timeout 120 cmake -S "$SRC/client/examples/cpp" -B "$tmp/example" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$tmp/dev/usr" >"$tmp/example.log" 2>&1 &&
  timeout 600 cmake --build "$tmp/example" >>"$tmp/example.log" 2>&1 || {
  tail -n 30 "$tmp/example.log" >&2
  fail "the example does not build against attnserve-dev"
}
grep -q "attnserve_DIR:PATH=$tmp/dev/usr/$libdir/cmake/attnserve" "$tmp/example/CMakeCache.txt" ||
  fail "find_package(attnserve) found another copy: $(grep attnserve_DIR "$tmp/example/CMakeCache.txt")"
phase "example: pkg-config attnserve-client against cmake --install --prefix (staging)"
timeout 120 cmake --install "$BUILD" --prefix "$tmp/stage" --component development >/dev/null
pc_flags=$(PKG_CONFIG_PATH=$tmp/stage/$libdir/pkgconfig pkg-config --cflags --libs attnserve-client)
[[ $pc_flags == *"-lattnserve_client -lattnserve_proto"* ]] || fail "pkg-config --libs: $pc_flags"
# shellcheck disable=SC2086  # the flags are words
timeout 600 g++ -O1 -Wall -Wextra -Werror "$SRC/client/examples/cpp/main.cc" -o "$tmp/example_pc" \
  $pc_flags || fail "the example does not build with pkg-config attnserve-client"

# ---- 3. a fresh bookworm root, the runtime package through apt --------------------------------
phase "bookworm root from $CACHE/bookworm-base.tar"
bookworm_base_tarball "$CACHE/bookworm-base.tar" "$tmp" || fail "no bookworm base tarball"
mkdir "$root"
timeout 300 tar -C "$root" -xf "$CACHE/bookworm-base.tar"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount -t sysfs -o ro sysfs "$root/sys"
mount --bind /dev "$root/dev"
mkdir -p "$CACHE/deb-apt/archives" "$CACHE/deb-apt/lists"
mount --bind "$CACHE/deb-apt/archives" "$root/var/cache/apt/archives"
mount --bind "$CACHE/deb-apt/lists" "$root/var/lib/apt/lists"
# chroot and env exec what they run: a command started in the background is the process itself.
in_root=(chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root)
in_root() { "${in_root[@]}" "$@"; }
cp "$deb" "$tmp/example/embed_example" "$tmp/example_pc" "$root/tmp/"
phase "apt-get install ./$(basename "$deb") in the root"
t_apt=$(date +%s)
in_root timeout 300 apt-get -qq update >"$tmp/apt.log" 2>&1 &&
  in_root env DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq \
    --no-install-recommends "/tmp/$(basename "$deb")" >>"$tmp/apt.log" 2>&1 || {
  tail -n 30 "$tmp/apt.log" >&2
  fail "apt-get could not install $(basename "$deb") in a fresh bookworm"
}
apt_s=$(($(date +%s) - t_apt))
installed=$(in_root dpkg-query -W -f '${Package}\n')
echo "  apt-get install took $apt_s s; the root now holds $(wc -l <<<"$installed") packages, among them:" \
  $(grep -E '^(attnserve|libdnnl|libgrpc|libprotobuf|libabsl|libprometheus|libutf8proc|libgomp|ocl)' <<<"$installed")
! grep -E -- '-dev$' <<<"$installed" || fail "a -dev package is installed in the runtime root"
! in_root sh -c 'command -v gcc || command -v g++ || command -v cc' || fail "a compiler is in the runtime root"
missing=$(in_root ldd /usr/bin/attnserve /usr/bin/attnserve-cli /tmp/embed_example /tmp/example_pc |
  grep 'not found' || true)
[[ -z $missing ]] || fail "libraries missing in the root: $missing"

# ---- 4. serve, health, embed ----------------------------------------------------------------
read -r port mport < <(free_ports 2)
target=127.0.0.1:$port
phase "attnserve serve --model demo in the root ($target)"
t_serve=$(date +%s)
"${in_root[@]}" attnserve serve --model demo --host 127.0.0.1 --port "$port" --metrics-host 127.0.0.1 \
  --metrics-port "$mport" --http-port 0 --drain-timeout-s 10 >"$tmp/serve.log" 2>&1 &
server_pid=$!
health=""
for _ in $(seq 240); do
  health=$(in_root timeout 10 attnserve-cli --target "$target" health 2>&1) && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; fail "attnserve exited in the root"; }
  sleep 0.5
done
[[ $health == SERVING ]] || { tail -n 20 "$tmp/serve.log" >&2; fail "attnserve-cli health: $health"; }
[[ $(readlink "/proc/$server_pid/root") == "$root" && $(cat "/proc/$server_pid/comm") == attnserve ]] ||
  fail "the server answering is not the root's /usr/bin/attnserve"
echo "  attnserve-cli health: $health after $(($(date +%s) - t_serve)) s (the root's /usr/bin/attnserve, pid $server_pid)"
embed=$(in_root timeout 60 attnserve-cli --target "$target" embed "hello from a fresh bookworm root")
/usr/bin/python3 - "$embed" <<'PY' || fail "attnserve-cli embed in the root: $embed"
import json, sys
got = json.loads(sys.argv[1])
vector = got.get("embedding", got.get("values"))
assert len(vector) == 128 and got["num_tokens"] > 2, got
print("  attnserve-cli embed: %d tokens -> %d dimensions" % (got["num_tokens"], len(vector)))
PY
for example in "embed_example CMake" "example_pc pkg-config"; do
  read -r exe how <<<"$example"
  out=$(in_root timeout 60 "/tmp/$exe" "$target" "the client library, installed")
  [[ $out == *"1 vector(s) of 128 dimensions"* ]] || fail "$exe ($how build) in the root: $out"
  echo "  the example ($how build) in the root: $out"
done

kill -TERM "$server_pid"
rc=0
timeout 30 tail --pid="$server_pid" -f /dev/null || fail "attnserve did not exit within 30 s of SIGTERM"
wait "$server_pid" || rc=$?
server_pid=""
((rc == 0)) || { tail -n 20 "$tmp/serve.log" >&2; fail "attnserve exited $rc on SIGTERM"; }
grep -q 'drained in' "$tmp/serve.log" || fail "no drain in the server's log: $(tail -n 5 "$tmp/serve.log")"
phase "SIGTERM: drained, exit 0"
phase "deb test summary: $(basename "$deb") + $(basename "$dev"); apt install in the root $apt_s s"
