#!/usr/bin/env bash
# Runs a real-weights test on a model installed by scripts/install-models.sh (nothing is
# downloaded here: a missing model fails the test with the command that installs it).
#   run.sh MODEL_NAME SCRIPT ARGS...     (SCRIPT gets ARGS, then the model's directory)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
INSTALL=$HERE/../../scripts/install-models.sh
name=$1
shift
if ! dir=$("$INSTALL" --dir "$name"); then
  echo "the real checkpoint '$name' is not installed: run scripts/install-models.sh" >&2
  exit 1
fi
script=$1
shift
exec /usr/bin/python3 "$script" "$@" "$dir"
