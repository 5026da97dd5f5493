# What the tests that need a fresh Debian bookworm share (sourced; defines functions only):
# docker_image_test.sh builds its base image from the tarball, tests/install/deb_install_test.sh
# installs the .deb into a chroot made from it.
#
#   bookworm_mirrors          sets mirror, updates, security: this machine's apt sources for
#                             bookworm, bookworm-updates and bookworm-security main (apt_mirror.sh),
#                             or ATTNSERVE_DEBIAN_MIRROR / ATTNSERVE_DEBIAN_SECURITY_MIRROR;
#                             returns 1 with a message when there is no bookworm main source
#   bookworm_base_tarball TARBALL WORK_DIR
#                             makes TARBALL (debootstrap --variant=minbase, sources.list from
#                             bookworm_mirrors, docs excluded as in debian:bookworm-slim) unless it
#                             is there and younger than 30 days; WORK_DIR is scratch space
#   free_ports N              prints N free 127.0.0.1 TCP ports, space-separated
# No Debian mirror host is named here: only the machine's own apt sources are used.
source "$(dirname "${BASH_SOURCE[0]}")/apt_mirror.sh"

bookworm_mirrors() {
  mirror=${ATTNSERVE_DEBIAN_MIRROR:-$(apt_mirror bookworm main || true)}
  if [[ -z $mirror ]]; then
    echo "no 'deb' source for bookworm main in /etc/apt/sources.list or" \
      "/etc/apt/sources.list.d/*.list|*.sources: set ATTNSERVE_DEBIAN_MIRROR to a Debian mirror URI" >&2
    return 1
  fi
  mirror=${mirror%/}
  # -updates and -security where the host has them (-updates from the main mirror otherwise,
  # which always carries it). ATTNSERVE_DEBIAN_MIRROR moves -updates along with it.
  updates=${ATTNSERVE_DEBIAN_MIRROR:+$mirror}
  updates=${updates:-$(apt_mirror bookworm-updates main || true)}
  updates=${updates:-$mirror}
  security=${ATTNSERVE_DEBIAN_SECURITY_MIRROR:-$(apt_mirror bookworm-security main || true)}
  security=${security%/}
}

bookworm_base_tarball() {
  local tarball=$1 work=$2 rootfs
  bookworm_mirrors || return 1
  mkdir -p "$(dirname "$tarball")"
  # One maker at a time (the docker test and the .deb test share the tarball); readers need no
  # lock: the tarball appears with a rename.
  exec 8>"$tarball.lock"
  flock -w 1800 8 || { echo "$tarball.lock held for 30 minutes" >&2; return 1; }
  if [[ -s $tarball ]] && [[ -z $(find "$tarball" -mtime +30) ]]; then
    exec 8>&-
    return 0
  fi
  echo "debootstrap bookworm from $mirror (cached in $tarball, refreshed after 30 days)"
  rootfs=$work/rootfs
  timeout 1800 /usr/sbin/debootstrap --variant=minbase bookworm "$rootfs" "$mirror" \
    >"$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log" >&2
    echo "debootstrap failed (network? mirror $mirror)" >&2
    exec 8>&-
    return 1
  }
  {
    echo "deb $mirror bookworm main"
    echo "deb $updates bookworm-updates main"
    if [[ -n $security ]]; then
      echo "deb $security bookworm-security main"
    else
      echo "warning: this machine has no bookworm-security source; the bookworm base gets none" \
        "either (set ATTNSERVE_DEBIAN_SECURITY_MIRROR)" >&2
    fi
  } >"$rootfs/etc/apt/sources.list"
  # What debian:bookworm-slim does: no docs, man pages or translations, now or in later installs.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
SLIM
  find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
  rm -rf "$rootfs"/usr/share/{man,info}/* "$rootfs/var/lib/apt/lists/"*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  rm -f "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin
  tar -C "$rootfs" --numeric-owner -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  rm -rf "$rootfs"
  exec 8>&-
}

free_ports() {
  /usr/bin/python3 -c '
import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])' "$1"
}
