#!/usr/bin/env bash
# Runs compare.py with the reference virtualenv (scripts/install-references.sh).
#   run.sh ATTNSERVE [compare.py flags]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REFS=$HERE/../../scripts/install-references.sh
if ! "$REFS" --check; then
  echo "run scripts/install-references.sh first (scripts/test.sh does)" >&2
  exit 1
fi
exec "$("$REFS" --venv)" "$HERE/compare.py" "$@"
