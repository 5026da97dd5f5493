#!/usr/bin/env bash
# Single-thread tokenization throughput, attnserve vs Hugging Face `tokenizers` (the Rust crate,
# PyPI: its encode_batch with parallelism off), on the same lines, in one run under
# `flock /tmp/bench.lock` (the machine is shared: nothing else should be timing).
#
#   bench/tokenizer_vs_hf.sh [BUILD_DIR] [TOKENIZER...]   (default build/release; every
#                                                         tokenizer of tests/tokenizer_exactness/
#                                                         tokenizers.json that attnserve loads)
#
# Text: 4,000 lines of real words (42 languages) and 400 of other scripts from the exactness
# corpus (newlines inside a line become spaces), one encode per line, special tokens added.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build/release}
shift || true
BENCH=$BUILD/bench/tokenizer_bench
[[ -x $BENCH ]] || { echo "build $BENCH first (cmake --build --preset release --target tokenizer_bench)" >&2; exit 1; }
"$ROOT/scripts/install-references.sh" >/dev/null
PY=$("$ROOT/scripts/install-references.sh" --venv)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The corpus (made and checked by compare.py's corpus_rows), the text, and the tokenizer dirs.
"$PY" - "$ROOT" "$WORK" "$BUILD/server/attnserve" "$@" <<'PY'
import json, os, random, subprocess, sys
root, work, attnserve, only = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
sys.path.insert(0, os.path.join(root, "tests", "tokenizer_exactness"))
import compare
rows = compare.corpus_rows(0)
rng = random.Random(5)
words = [r["text"] for r in rows if r["kind"].startswith("words:")]
letters = [r["text"] for r in rows if r["kind"].startswith("letters:")]
lines = rng.sample(words, 4000) + rng.sample(letters, 400)
with open(os.path.join(work, "text.txt"), "w", encoding="utf-8") as f:
    for l in lines:
        f.write(" ".join(l.split()) + "\n")
manifest = json.load(open(os.path.join(root, "tests", "tokenizer_exactness", "tokenizers.json")))
names = []
for t in manifest["tokenizers"]:
    if only and t["name"] not in only:
        continue
    where, _, rel = t["dir"].partition(":")
    base = os.path.join(compare.TESTDATA, rel) if where == "testdata" else os.path.join(compare.FILES, rel)
    d = os.path.join(work, t["name"])
    os.makedirs(d)
    path = compare.tokenizer_json(base, d)
    if path != os.path.join(d, "tokenizer.json"):
        import shutil
        shutil.copy(path, os.path.join(d, "tokenizer.json"))
    ok = subprocess.run([attnserve, "tokenize", "--model", d], input=b'{"text": "x"}\n',
                        capture_output=True).returncode == 0
    if ok:
        names.append(t["name"])
    else:
        print(f"skipped {t['name']}: attnserve does not load it", file=sys.stderr)
open(os.path.join(work, "names"), "w").write("".join(n + "\n" for n in names))
PY

cat > "$WORK/hf.py" <<'PY'
import json, os, sys, time
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["RAYON_NUM_THREADS"] = "1"
import tokenizers
path, text = sys.argv[1], sys.argv[2]
tok = tokenizers.Tokenizer.from_file(path)
tok.no_truncation(); tok.no_padding()
lines = [l for l in open(text, encoding="utf-8").read().split("\n") if l.strip()]
size = sum(len(l.encode()) for l in lines)
best, tokens = 1e9, 0
for _ in range(5):
    t = time.perf_counter()
    encs = tok.encode_batch(lines, add_special_tokens=True)
    best = min(best, time.perf_counter() - t)
    tokens = sum(len(e.ids) for e in encs)
print(json.dumps({"mb_per_s": size / best / 1e6, "tokens_per_s": tokens / best}))
PY

run_all() {
  while read -r name; do
    [[ -n $name ]] || continue
    "$BENCH" --tokenizer="$WORK/$name" --text="$WORK/text.txt" --benchmark_format=json \
      --benchmark_repetitions=3 > "$WORK/ours_$name.json"
    "$PY" "$WORK/hf.py" "$WORK/$name/tokenizer.json" "$WORK/text.txt" > "$WORK/hf_$name.json"
  done < "$WORK/names"
}
export -f run_all
export BENCH WORK PY
flock /tmp/bench.lock bash -c run_all

"$PY" - "$WORK" <<'PY'
import json, os, sys
w = sys.argv[1]
print("single thread, one encode per line, special tokens added; attnserve best of 3, "
      "tokenizers encode_batch (parallelism off) best of 5")
print(f"{'tokenizer':<30} {'attnserve MB/s':>14} {'tokens/s':>11} {'HF tokenizers MB/s':>18} "
      f"{'tokens/s':>11} {'ratio':>6}")
for name in open(os.path.join(w, "names")).read().split():
    runs = [b for b in json.load(open(os.path.join(w, f"ours_{name}.json")))["benchmarks"]
            if b.get("run_type") == "iteration"]
    best = max(runs, key=lambda b: b["bytes_per_second"])
    hf = json.load(open(os.path.join(w, f"hf_{name}.json")))
    ours_mb = best["bytes_per_second"] / 1e6
    print(f"{name:<30} {ours_mb:>14.1f} {best['tokens_per_second']:>11.0f} {hf['mb_per_s']:>18.1f} "
          f"{hf['tokens_per_s']:>11.0f} {ours_mb / hf['mb_per_s']:>5.2f}x")
PY
