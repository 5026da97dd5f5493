#!/usr/bin/env bash
# Per-vector accuracy of --dtype int8 against fp32 on a real model: the sentences of Debian's
# licence texts (/usr/share/common-licenses: 1,055 distinct ones of 20..400 characters) embedded by
# `attnserve encode` in both dtypes, cosine of each pair; prints count, min, mean, p01 of the
# cosines, and the fp32/int8 encode times.
#   bench/int8_accuracy.sh [MODEL_DIR]   (default: all-MiniLM-L6-v2 from scripts/install-models.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${ATTNSERVE_BIN:-build/release/server/attnserve}
MODEL=${1:-$(scripts/install-models.sh --dir all-MiniLM-L6-v2)}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
/usr/bin/python3 - "$WORK/in.jsonl" <<'PY'
import glob, json, re, sys
seen, out = set(), []
for path in sorted(glob.glob("/usr/share/common-licenses/*")):
    try:
        text = open(path, encoding="utf-8").read()
    except (UnicodeDecodeError, IsADirectoryError):
        continue
    for s in re.split(r"(?<=[.;:!?])\s+|\n\s*\n", text):
        s = " ".join(s.split())
        if 20 <= len(s) <= 400 and s not in seen:
            seen.add(s)
            out.append(s)
with open(sys.argv[1], "w") as f:
    for s in out:
        f.write(json.dumps({"text": s}) + "\n")
PY
for dtype in fp32 int8; do
  start=$(date +%s.%N)
  "$BIN" encode --model "$MODEL" --dtype "$dtype" --truncate --ignore-accuracy-gate \
    --input "$WORK/in.jsonl" > "$WORK/$dtype.jsonl"
  echo "$dtype encode: $(echo "$(date +%s.%N) - $start" | bc) s" >&2
done
/usr/bin/python3 - "$WORK/fp32.jsonl" "$WORK/int8.jsonl" <<'PY'
import json, sys
import numpy as np
a = np.array([json.loads(l)["embedding"] for l in open(sys.argv[1])], dtype=np.float64)
b = np.array([json.loads(l)["embedding"] for l in open(sys.argv[2])], dtype=np.float64)
cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
print(f"texts {len(cos)}  cosine int8 vs fp32: min {cos.min():.4f}  mean {cos.mean():.4f}  "
      f"p01 {np.percentile(cos, 1):.4f}")
PY
