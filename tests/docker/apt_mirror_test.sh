#!/usr/bin/env bash
# apt_mirror (apt_mirror.sh) over fake apt configurations in a temporary directory: one-line
# .list files, deb822 .sources files, both together, and none. No docker, no network (label unit).
set -euo pipefail
source "$(dirname "$0")/apt_mirror.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# expect NAME WANT SUITE COMPONENT: apt_mirror over $work/NAME prints WANT ("" = returns 1).
expect() {
  local name=$1 want=$2 got rc=0
  got=$(apt_mirror "$3" "$4" "$work/$name") || rc=$?
  if [[ -z $want && $rc -eq 1 && -z $got ]] || [[ -n $want && $rc -eq 0 && $got == "$want" ]]; then
    echo "ok: $name $3 $4 -> ${got:-none}"
  else
    echo "FAIL: $name $3 $4: got '$got' (status $rc), want '${want:-none (status 1)}'" >&2
    failures=$((failures + 1))
  fi
}
conf() { mkdir -p "$work/$1/sources.list.d"; }

# One-line format: comments, deb-src, another suite and component first, [options] with spaces.
conf oneline
cat >"$work/oneline/sources.list" <<'EOF'
# deb http://commented.example/debian bookworm main
deb-src http://src.example/debian bookworm main
deb http://other-suite.example/debian bullseye main
deb http://contrib-only.example/debian bookworm contrib
deb [ arch=amd64 signed-by=/usr/share/keyrings/k.gpg ] http://one.example/debian/ bookworm contrib main  # trailing
deb http://later.example/debian bookworm main
deb [arch=amd64] http://sec.example/debian-security bookworm-security main
EOF
expect oneline http://one.example/debian bookworm main
expect oneline http://sec.example/debian-security bookworm-security main
expect oneline http://contrib-only.example/debian bookworm contrib
expect oneline "" bookworm non-free
expect oneline "" trixie main

# deb822 format, as Debian 12 containers ship it (debian.sources): comment lines inside a stanza,
# several suites in one stanza, a disabled stanza and a deb-src-only one first.
conf deb822
cat >"$work/deb822/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main

Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://two.example/debian/ http://two-b.example/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

types: deb deb-src
uris: https://sec.example/debian-security
suites: bookworm-security
components: main
signed-by:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBF...
 -----END PGP PUBLIC KEY BLOCK-----
EOF
expect deb822 http://two.example/debian bookworm main
expect deb822 http://two.example/debian bookworm-updates contrib
expect deb822 https://sec.example/debian-security bookworm-security main
expect deb822 "" bookworm non-free-firmware

# Both: sources.list first, then sources.list.d in name order; files that are neither .list nor
# .sources (e.g. *.disabled, *.save) are not read.
conf both
echo "# empty but for this comment" >"$work/both/sources.list"
cat >"$work/both/sources.list.d/00-off.list.disabled" <<'EOF'
deb http://disabled.example/debian bookworm main
EOF
cat >"$work/both/sources.list.d/10-vendor.sources" <<'EOF'
Types: deb
URIs: https://vendor.example/apt
Suites: nodistro
Components: main
EOF
cat >"$work/both/sources.list.d/20-mirror.list" <<'EOF'
deb http://three.example/debian bookworm main
EOF
cat >"$work/both/sources.list.d/30-debian.sources" <<'EOF'
Types: deb
URIs: http://four.example/debian
Suites: bookworm
Components: main
EOF
expect both http://three.example/debian bookworm main
expect both https://vendor.example/apt nodistro main

# A stanza at the very end of a file without a trailing newline still counts.
conf noeol
printf 'Types: deb\nURIs: http://five.example/debian\nSuites: bookworm\nComponents: main' \
  >"$work/noeol/sources.list.d/debian.sources"
expect noeol http://five.example/debian bookworm main

# No configuration at all, or an empty sources.list.d.
conf empty
expect empty "" bookworm main
expect missing "" bookworm main

((failures == 0)) || { echo "apt_mirror_test: $failures failure(s)" >&2; exit 1; }
echo "apt_mirror_test: all passed"
