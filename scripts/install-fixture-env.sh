#!/usr/bin/env bash
# The virtualenv the fixture generators and reference scripts run in (never the default test
# suite, never the product): torch, transformers and sentence-transformers from PyPI, pinned.
# The committed fixtures under tests/testdata and tests/realweights were made with it; regenerate
# them with e.g. `$(scripts/install-fixture-env.sh --venv) tests/testdata/families/generate_fixtures.py`.
# torch from PyPI brings its CUDA wheels: several GB, once. Idempotent.
#
#   scripts/install-fixture-env.sh            # install (needs python3-venv: install-deps.sh)
#   scripts/install-fixture-env.sh --check    # exit 1 when something is missing
#   scripts/install-fixture-env.sh --venv     # print the virtualenv's python
set -euo pipefail
VENV=${ATTNSERVE_ST_VENV:-$HOME/.cache/attnserve-stvenv}
PY_PACKAGES=(torch==2.15.0 transformers==5.23.0 sentence-transformers==6.2.0)

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

case "${1:-}" in
  --venv) echo "$VENV/bin/python"; exit 0 ;;
  --check) venv_ok; exit $? ;;
  "") ;;
  *) echo "usage: $0 [--check|--venv]" >&2; exit 2 ;;
esac

if ! venv_ok; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}"
  venv_ok || { echo "install-fixture-env: $VENV does not have ${PY_PACKAGES[*]}" >&2; exit 1; }
fi
echo "install-fixture-env: $VENV ready"
