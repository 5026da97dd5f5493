"""Compares `attnserve tokenize` with Hugging Face tokenizers (the reference, 0.23.3) on real
SentencePiece Unigram tokenizer.json files: ids and byte offsets of every line of
../corpus.jsonl plus variations (doubled / leading / trailing spaces, added tokens in the text,
pairs). Prints the mismatch count per file and the first mismatches; exit 1 on any mismatch.

  ~/.cache/attnserve-refvenv/bin/python compare_real.py --attnserve build/release/server/attnserve \
      [DIR ...]   (default: ~/.cache/attnserve-tokenizers/spm-*, made by make_real.py)

Each DIR holds a tokenizer.json; DIR/converted/tokenizer.json, when present (the converter's
original output), is reported too: attnserve must either load and match it or refuse it with a
load error (printed).
"""
import argparse
import glob
import json
import os
import pathlib
import subprocess
import sys
import tempfile

from tokenizers import Tokenizer

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from byte_offsets import byte_offsets  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE.parent / "corpus.jsonl"


def inputs(tok):
    lines = [json.loads(l)["text"] for l in CORPUS.read_text(encoding="utf-8").split("\n") if l.strip()]
    out = [{"text": t} for t in lines]
    specials = [t.content for t in tok.get_added_tokens_decoder().values()][:3]
    for i, t in enumerate(lines[:600]):
        out.append({"text": "  " + t.replace(" ", "  ") + " "})
        out.append({"text": t.upper()})
        if specials:
            s = specials[i % len(specials)]
            out.append({"text": f"{s}{t}{s} x {s}"})
        out.append({"text": t, "text_pair": lines[(i * 7 + 3) % len(lines)]})
    out.append({"text": "x" * 100000})
    out.append({"text": "héllo " * 20000})
    return out


def reference(tok, items):
    res = []
    for it in items:
        e = tok.encode(it["text"], it.get("text_pair"))
        res.append({"ids": e.ids, "offsets": byte_offsets(e, it["text"], it.get("text_pair"))})
    return res


def ours(binary, d, items):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for it in items:
            f.write(json.dumps(it, ensure_ascii=False) + "\n")
        path = f.name
    try:
        p = subprocess.run([binary, "tokenize", f"--model={d}", f"--input={path}"],
                           capture_output=True, text=True, encoding="utf-8")
    finally:
        os.unlink(path)
    if p.returncode != 0 and not p.stdout:
        return None, p.stderr.strip()
    return [json.loads(l) for l in p.stdout.split("\n") if l.strip()], None


def compare(binary, d, label):
    tok = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
    items = inputs(tok)
    got, err = ours(binary, d, items)
    if got is None:
        print(f"{label}: attnserve does not load it: {err}")
        return None
    want = reference(tok, items)
    bad = 0
    for it, g, w in zip(items, got, want):
        if g.get("ids") != w["ids"] or g.get("offsets") != w["offsets"]:
            bad += 1
            if bad <= 5:
                print(f"  MISMATCH {json.dumps(it, ensure_ascii=False)[:200]}\n"
                      f"    ref  {w['ids'][:30]} {w['offsets'][:12]}\n"
                      f"    ours {g.get('ids', g)!s:.300} {g.get('offsets', '')!s:.200}")
    print(f"{label}: {len(items)} inputs, {bad} mismatches (ids or offsets)")
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attnserve", required=True)
    ap.add_argument("dirs", nargs="*")
    a = ap.parse_args()
    dirs = a.dirs or sorted(glob.glob(os.path.expanduser("~/.cache/attnserve-tokenizers/spm-*")))
    total = 0
    for d in dirs:
        total += compare(a.attnserve, d, d) or 0
        conv = os.path.join(d, "converted")
        if os.path.exists(os.path.join(conv, "tokenizer.json")):
            total += compare(a.attnserve, conv, conv) or 0
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
