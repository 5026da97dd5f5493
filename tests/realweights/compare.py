#!/usr/bin/python3
"""attnserve on a real checkpoint against sentence-transformers' own vectors for the same texts
(tests/realweights/<model>.jsonl, written by generate_reference.py; Python stdlib only).

    compare.py ATTNSERVE FIXTURE MODEL_DIR [--bound 2e-5]

Every text goes through `attnserve encode --model MODEL_DIR --truncate` (attnserve's tokenizer,
the model's pooling and Normalize, cut at max_seq_length as sentence-transformers cuts). Checks,
per text: the same number of tokens, and max |attnserve - sentence-transformers| over the
normalized pooled vector <= bound. Prints the measured maximum and the worst texts.
"""
import argparse
import json
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("attnserve")
    ap.add_argument("fixture")
    ap.add_argument("model_dir")
    ap.add_argument("--bound", type=float, default=2e-5)
    args = ap.parse_args()

    with open(args.fixture, encoding="utf-8") as f:
        header = json.loads(f.readline())
        refs = [json.loads(l) for l in f if l.strip()]
    if len(refs) < 100:
        sys.exit(f"FAIL: {args.fixture} holds {len(refs)} texts; expected ~200")
    stdin = "".join(json.dumps({"text": r["text"]}) + "\n" for r in refs)
    r = subprocess.run([args.attnserve, "encode", "--model", args.model_dir, "--truncate"],
                       input=stdin, capture_output=True, text=True, timeout=1200)
    outs = [json.loads(l) for l in r.stdout.splitlines()]
    if len(outs) != len(refs):
        sys.exit(f"FAIL: {len(refs)} lines in, {len(outs)} out (exit {r.returncode}): "
                 f"{r.stderr[-2000:]}")

    failures, diffs = [], []
    for i, (ref, out) in enumerate(zip(refs, outs)):
        where = f"text {i} {ref['text'][:60]!r}"
        if "error" in out:
            failures.append(f"{where}: attnserve error: {out['error']}")
            continue
        if out["num_tokens"] != ref["num_tokens"]:
            failures.append(f"{where}: {out['num_tokens']} tokens; sentence-transformers "
                            f"{ref['num_tokens']}")
        a, b = out["embedding"], ref["embedding"]
        if len(a) != len(b) or len(a) != header["dim"]:
            failures.append(f"{where}: {len(a)} dimensions; expected {len(b)}")
            continue
        d = max(abs(x - y) for x, y in zip(a, b))
        diffs.append((d, i, ref["num_tokens"]))
        if d > args.bound:
            failures.append(f"{where}: max abs diff {d:.3g} > {args.bound:g}")

    diffs.sort(reverse=True)
    print(f"{header['model']} ({header['package']}) vs sentence-transformers "
          f"{header['sentence_transformers']} / torch {header['torch']}: {len(refs)} texts, "
          f"{sum(x['num_tokens'] for x in refs)} tokens, "
          f"{sum(1 for x in refs if x['num_tokens'] == header['max_seq_length'])} cut at "
          f"{header['max_seq_length']}")
    if diffs:
        print(f"max abs diff over normalized vectors: {diffs[0][0]:.3g} (bound {args.bound:g}); "
              f"median {diffs[len(diffs) // 2][0]:.3g}")
        for d, i, n in diffs[:3]:
            print(f"  worst: text {i} ({n} tokens): {d:.3g}")
    for f_ in failures[:20]:
        print("FAIL:", f_, file=sys.stderr)
    if failures:
        sys.exit(f"FAIL: {len(failures)} of {len(refs)} texts")
    print("ok")


if __name__ == "__main__":
    main()
