#!/usr/bin/env python3
"""Compares `attnserve tokenize --model DIR` with Hugging Face tokenizers (the reference, 0.23.3)
on real tokenizer.json files: ids, type ids and offsets of every line of a corpus, and reports
the mismatches per file. Offsets: the reference's Python binding reports characters (the crate's
OffsetType::Char), so our byte offsets are projected as its BytesToCharOffsetConverter does (a
byte inside a character maps to that character) before comparing.

  ~/.cache/attnserve-refvenv/bin/python tests/testdata/tokenizer/bpe/compare_real.py \
      --attnserve build/release/server/attnserve [--lines 3000] [DIR ...]

DIR: a directory with tokenizer.json (default: ~/.cache/attnserve-tokenizers/*/models). Needs
PyPI's tokenizers, so it is not part of the default test suite. Prints one summary line per
file and the first mismatches; exits 1 when any line differs.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))


def corpus(n):
    """The shared corpus, then variants of its lines (prefix spaces, case, joined pairs of lines,
    repeated words) up to n lines: varied whitespace and casing for the byte-level regexes."""
    base = []
    with open(os.path.join(HERE, "..", "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            base.append(json.loads(line)["text"])
    lines = list(base)
    i = 0
    while len(lines) < n and base:
        t = base[i % len(base)]
        k = (i // len(base)) % 4
        lines.append([" " + t, t.upper() + "  \n", t + " " + base[(i * 7 + 3) % len(base)],
                      "\t" + t.replace(" ", "   ")][k])
        i += 1
    return lines[:n]


def char_offset(text_bytes, char_starts, b):
    # index of the character holding byte b, or the character count at the end
    if b >= len(text_bytes):
        return len(char_starts)
    lo, hi = 0, len(char_starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if char_starts[mid] <= b:
            lo = mid
        else:
            hi = mid - 1
    return lo


def project(text, offsets):
    tb = text.encode()
    starts, pos = [], 0
    for ch in text:
        starts.append(pos)
        pos += len(ch.encode())
    return [[char_offset(tb, starts, s), char_offset(tb, starts, e)] for s, e in offsets]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attnserve", default="build/release/server/attnserve")
    ap.add_argument("--lines", type=int, default=3000)
    ap.add_argument("--show", type=int, default=3)
    ap.add_argument("dirs", nargs="*")
    args = ap.parse_args()
    dirs = args.dirs or sorted(glob.glob(os.path.expanduser("~/.cache/attnserve-tokenizers/*/models")))
    texts = corpus(args.lines)
    inp = "".join(json.dumps({"text": t}) + "\n" for t in texts if t.strip(" \t\r"))
    kept = [t for t in texts if t.strip(" \t\r")]  # attnserve tokenize skips blank lines
    failed = False
    for d in dirs:
        name = os.path.basename(os.path.dirname(d)) if d.endswith("models") else os.path.basename(d)
        proc = subprocess.run([args.attnserve, "tokenize", "--model", d], input=inp.encode(),
                              capture_output=True)
        if proc.returncode != 0 and not proc.stdout:
            print(f"{name}: LOAD ERROR {proc.stderr.decode().strip()}")
            failed = True
            continue
        ours = [json.loads(l) for l in proc.stdout.decode().split("\n") if l]
        ref = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
        bad_ids = bad_offsets = errors = 0
        shown = 0
        for t, o in zip(kept, ours):
            e = ref.encode(t)
            if "error" in o:
                errors += 1
                continue
            ids_ok = o["ids"] == e.ids and o["type_ids"] == e.type_ids
            offs = project(t, o["offsets"])
            offs_ok = offs == [list(x) for x in e.offsets]
            bad_ids += not ids_ok
            bad_offsets += ids_ok and not offs_ok
            if (not ids_ok or not offs_ok) and shown < args.show:
                shown += 1
                print(f"  {name} {json.dumps(t, ensure_ascii=False)[:120]}\n    ours {o['ids'][:20]} "
                      f"{offs[:10]}\n    ref  {e.ids[:20]} {[list(x) for x in e.offsets][:10]}")
        print(f"{name}: {len(kept)} lines, {bad_ids} differ in ids/type ids, {bad_offsets} more in "
              f"offsets only, {errors} errors, {len(ours)} outputs")
        failed = failed or bad_ids or bad_offsets or errors or len(ours) != len(kept)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
