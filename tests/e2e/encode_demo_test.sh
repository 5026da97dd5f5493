#!/usr/bin/env bash
# `attnserve encode` on the built-in demo model and on a fixture checkpoint: one JSON line out per
# line in, in order, with the requested pooling / dimensions / token embeddings.
set -euo pipefail
BIN=$1
TESTDATA=$2

out=$(printf '%s\n' '{"ids":[101,7,8,9,102]}' '{"ids":[101,7,102],"type_ids":[0,0,1]}' |
      "$BIN" encode --model demo --token-embeddings)
python3 - "$out" <<'PY'
import json, math, sys
lines = sys.argv[1].splitlines()
assert len(lines) == 2, lines
a, b = (json.loads(l) for l in lines)
assert a["num_tokens"] == 5 and b["num_tokens"] == 3, (a["num_tokens"], b["num_tokens"])
for o, n in ((a, 5), (b, 3)):
    assert len(o["embedding"]) == 128
    assert abs(math.sqrt(sum(v * v for v in o["embedding"])) - 1) < 1e-5  # demo default: normalize
    assert len(o["token_embeddings"]) == n and all(len(r) == 128 for r in o["token_embeddings"])
assert a["embedding"] != b["embedding"]
PY

# A checkpoint with sentence-transformers files: CLS + normalize by default; flags override.
dir=$TESTDATA/encoder/h64_heads4_f16
out=$(echo '{"ids":[3,4,5,6]}' | "$BIN" encode --model "$dir" --pooling max --normalize=false --dimensions 8)
python3 - "$out" <<'PY'
import json, sys
o = json.loads(sys.argv[1])
assert len(o["embedding"]) == 8 and "token_embeddings" not in o, o
assert abs(sum(v * v for v in o["embedding"]) - 1) > 1e-3  # not normalized
PY
echo "ok"
