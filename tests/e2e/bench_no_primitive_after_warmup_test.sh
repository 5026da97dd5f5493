#!/usr/bin/env bash
# After warm-up, the encoder creates no oneDNN primitive, whatever the batch shapes: with
# ONEDNN_VERBOSE=2 oneDNN logs every creation ("create") and execution ("exec").
set -euo pipefail
BIN=$1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ONEDNN_VERBOSE=2 "$BIN" bench --model demo --batch 5 --lengths 1:300 --iters 6 --warmup 1 \
  --peak=false > "$log"
python3 - "$log" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
marker = lines.index("# warm-up done")
before = [l for l in lines[:marker] if l.startswith("onednn_verbose,create")]
after = lines[marker + 1:]
created = [l for l in after if l.startswith("onednn_verbose,create")]
executed = [l for l in after if l.startswith("onednn_verbose,exec")]
assert before, "no creation logged at all: is ONEDNN_VERBOSE honoured?"
assert executed, "no execution logged after warm-up"
assert not created, "primitives created after warm-up:\n" + "\n".join(created[:5])
print(f"ok: {len(before)} creations before warm-up, {len(executed)} executions after, none created")
PY
