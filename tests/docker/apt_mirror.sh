# apt_mirror SUITE COMPONENT [APT_DIR]: prints the URI of the first `deb` source in this machine's
# apt configuration that serves SUITE with COMPONENT (e.g. `apt_mirror bookworm main`), without a
# trailing slash; returns 1 and prints nothing when there is none. Sourced by
# bookworm_base.sh (the debootstrap mirror and the bookworm base's sources.list, for the docker
# and .deb tests) and tested by apt_mirror_test.sh over fake configurations.
#
# Reads what apt reads, in apt's order: APT_DIR/sources.list, then APT_DIR/sources.list.d/*.list
# (one-line format: `deb [options] URI SUITE COMPONENT...`) and *.sources (deb822 stanzas with
# Types:, URIs:, Suites:, Components:, Enabled:) in file-name order. APT_DIR is /etc/apt by
# default. Field names are matched case-insensitively, as apt does; `#` starts a comment in both
# formats; `deb-src` entries and stanzas with `Enabled: no` are skipped.
apt_mirror() {
  local suite=$1 component=$2 dir=${3:-/etc/apt} f
  local files=()
  if [[ -f $dir/sources.list ]]; then files+=("$dir/sources.list"); fi
  for f in "$dir"/sources.list.d/*; do
    if [[ -f $f && ($f == *.list || $f == *.sources) ]]; then files+=("$f"); fi
  done
  ((${#files[@]})) || return 1
  local uri
  uri=$(awk -v suite="$suite" -v comp="$component" '
    function has(list, word,   n, i, w) {
      n = split(list, w, /[ \t]+/)
      for (i = 1; i <= n; i++) if (w[i] == word) return 1
      return 0
    }
    # deb822: judge the stanza read so far, then forget it.
    function stanza(   n, u) {
      key = ""
      if (found || !in_stanza) { in_stanza = 0; split("", f); return }
      if (tolower(f["enabled"]) != "no" && has(f["types"], "deb") && has(f["suites"], suite) &&
          has(f["components"], comp)) {
        n = split(f["uris"], u, /[ \t]+/)
        if (n >= 1 && u[1] != "") { print u[1]; found = 1 }
      }
      in_stanza = 0
      split("", f)
    }
    found { exit }
    FNR == 1 { stanza(); deb822 = FILENAME ~ /\.sources$/ }
    deb822 {
      if ($0 ~ /^[ \t]*#/) next                  # a comment line inside or between stanzas
      if ($0 ~ /^[ \t]*$/) { stanza(); next }    # a blank line ends a stanza
      if ($0 ~ /^[ \t]/) {                       # a continuation line: more of the last field
        if (key != "") f[key] = f[key] " " $0
        next
      }
      i = index($0, ":")
      if (i == 0) next
      key = tolower(substr($0, 1, i - 1))
      sub(/[ \t]+$/, "", key)
      val = substr($0, i + 1)
      sub(/#.*/, "", val)
      sub(/^[ \t]+/, "", val)
      sub(/[ \t]+$/, "", val)
      f[key] = val
      in_stanza = 1
      next
    }
    {
      sub(/#.*/, "")
      if ($1 != "deb") next
      i = 2
      if ($i ~ /^\[/) {                          # [options], possibly spread over several words
        while (i <= NF && $i !~ /\]$/) i++
        i++
      }
      if (i + 2 > NF || $(i + 1) != suite) next
      for (j = i + 2; j <= NF; j++) if ($j == comp) { print $i; found = 1; exit }
    }
    END { stanza() }
  ' "${files[@]}")
  [[ -n $uri ]] || return 1
  echo "${uri%/}"
}
