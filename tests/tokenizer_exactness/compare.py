#!/usr/bin/env python3
"""attnserve's tokenizers against Hugging Face `tokenizers` (the Rust crate, from PyPI) on the
exactness corpus: ids, type ids and byte offsets of every line, for every tokenizer of
tokenizers.json. Prints the mismatch table (tokenizer x corpus part) and exits 1 on any mismatch
of a tokenizer marked exact, or on a tokenizer whose expectation no longer holds.

  tests/tokenizer_exactness/run.sh ATTNSERVE [--only NAME ...] [--limit N] [--report FILE]

Runs with the virtualenv of scripts/install-references.sh (run.sh finds it). The corpus is made
by make_corpus.py into the tokenizer files' cache and checked against corpus.sha256; each
tokenizer also gets lines with each of its added tokens glued to text. Both sides see the same
tokenizer.json alone (tokenizer_config.json is not read by `Tokenizer.from_file` either).
"""
import argparse
import collections
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import tokenizers

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
TESTDATA = os.path.join(SOURCE, "tests", "testdata")
FILES = os.environ.get("ATTNSERVE_TOKENIZER_FILES",
                       os.path.expanduser("~/.cache/attnserve-tokenizer-files"))


def corpus_rows(limit):
    path = os.path.join(FILES, "exactness_corpus.jsonl")
    with open(os.path.join(HERE, "corpus.sha256")) as f:
        want = f.read().split()[0]

    def digest():
        if not os.path.exists(path):
            return None
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    if digest() != want:
        os.makedirs(FILES, exist_ok=True)
        with open(path + ".tmp", "w") as out:
            subprocess.run([sys.executable, os.path.join(HERE, "make_corpus.py")], stdout=out,
                           check=True)
        os.replace(path + ".tmp", path)
        if digest() != want:
            sys.exit(f"compare.py: make_corpus.py wrote a corpus whose sha256 is {digest()}, not "
                     f"{want} (corpus.sha256): different wordfreq / Unicode data? Regenerate on "
                     "purpose and update corpus.sha256.")
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return rows[:limit] if limit else rows


def part_of(kind):
    return kind.split(":")[0]


def added_token_rows(tok):
    contents = sorted({t.content for t in tok.get_added_tokens_decoder().values()})
    # The special ones first, then an even sample of the rest: at most 64 tokens.
    special = [c for c in contents if c.startswith(("<", "["))][:32]
    rest = [c for c in contents if c not in special]
    chosen = special + rest[:: max(1, len(rest) // 32)][:32]
    rows = []
    for c in chosen:
        for text in (c, f"a{c}b", f" {c} ", f"{c}{c}x", f"word{c}", f"{c}word", f"Hi {c}, {c}!"):
            rows.append({"text": text, "kind": "added"})
        rows.append({"text": f"x{c}", "text_pair": f"{c}y", "kind": "added"})
    return rows


def char_to_byte_offsets(text):
    out, n = [0], 0
    for ch in text:
        n += len(ch.encode("utf-8"))
        out.append(n)
    return out


def reference(path, rows):
    tok = tokenizers.Tokenizer.from_file(path)
    tok.no_truncation()
    tok.no_padding()
    inputs = [r["text"] if r.get("text_pair") is None else (r["text"], r["text_pair"])
              for r in rows]
    start = time.perf_counter()
    encodings = tok.encode_batch(inputs, add_special_tokens=True)
    seconds = time.perf_counter() - start
    out = []
    for r, e in zip(rows, encodings):
        maps = [char_to_byte_offsets(r["text"]), char_to_byte_offsets(r.get("text_pair") or "")]
        offsets = []
        for (s, t), seq in zip(e.offsets, e.sequence_ids):
            m = maps[seq] if seq is not None else None
            offsets.append([m[s], m[t]] if m is not None else [s, t])
        out.append({"ids": e.ids, "type_ids": e.type_ids, "offsets": offsets,
                    "tokens": e.tokens})
    return out, seconds


def tokenizer_json(base, work):
    """base/tokenizer.json, or the committed skeleton of tests/testdata/tokenizers with its
    model.vocab rebuilt from vocab.txt (as tests/unit/tokenizer/testdata.h does)."""
    path = os.path.join(base, "tokenizer.json")
    if os.path.exists(path):
        return path
    skeleton = os.path.join(base, "tokenizer.skeleton.json")
    if not os.path.exists(skeleton):
        return None
    with open(skeleton, encoding="utf-8") as f:
        j = json.load(f)
    with open(os.path.join(base, "vocab.txt"), encoding="utf-8", newline="") as f:
        text = f.read()
    lines = [l[:-1] if l.endswith("\r") else l for l in text.split("\n")]
    if text.endswith("\n"):
        lines.pop()
    j["model"]["vocab"] = {token: i for i, token in enumerate(lines)}
    path = os.path.join(work, "tokenizer.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(j, f, ensure_ascii=False)
    return path


def ours(binary, tokenizer_json, rows, work):
    model = os.path.join(work, "model")
    os.makedirs(model, exist_ok=True)
    shutil.copy(tokenizer_json, os.path.join(model, "tokenizer.json"))
    lines = os.path.join(work, "lines.jsonl")
    with open(lines, "w", encoding="utf-8") as f:
        for r in rows:
            line = {"text": r["text"]}
            if r.get("text_pair") is not None:
                line["text_pair"] = r["text_pair"]
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    start = time.perf_counter()
    p = subprocess.run([binary, "tokenize", "--model", model, "--input", lines],
                       capture_output=True, timeout=3600)
    seconds = time.perf_counter() - start
    out = [json.loads(l) for l in p.stdout.decode("utf-8").splitlines()]
    if not out and p.returncode != 0:
        return None, p.stderr.decode("utf-8", "replace").strip(), seconds
    if len(out) != len(rows):
        return None, f"{len(out)} output lines for {len(rows)} inputs: {p.stderr[-500:]}", seconds
    return out, "", seconds


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def show(row, want, got):
    fields = [k for k in ("ids", "type_ids", "offsets") if want[k] != got.get(k)]
    key = fields[0]
    i = first_difference(want[key], got.get(key, []))
    lo = max(0, i - 2)
    text = row["text"] if len(row["text"]) < 120 else row["text"][:117] + "..."
    return (f"    {row['kind']}: {json.dumps(text, ensure_ascii=False)}"
            + (f" + pair" if row.get("text_pair") is not None else "")
            + f"\n      {key} differ at token {i}: reference {want[key][lo:i + 3]} "
              f"{want['tokens'][lo:i + 3]}, attnserve {got.get(key, [])[lo:i + 3]} "
              f"{got.get('tokens', [])[lo:i + 3]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("attnserve")
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--limit", type=int, default=0, help="first N corpus lines only")
    ap.add_argument("--report", help="also write the table (markdown) here")
    ap.add_argument("--examples", type=int, default=3, help="mismatches shown per tokenizer")
    args = ap.parse_args()
    with open(os.path.join(HERE, "tokenizers.json")) as f:
        manifest = json.load(f)["tokenizers"]
    if args.only:
        manifest = [t for t in manifest if t["name"] in args.only]
    corpus = corpus_rows(args.limit)
    parts = sorted({part_of(r["kind"]) for r in corpus}) + ["added"]
    print(f"tokenizers {tokenizers.__version__}; corpus: {len(corpus)} lines "
          f"({', '.join(parts)}); {len({r['kind'] for r in corpus})} kinds")
    table = ["| tokenizer | kind | " + " | ".join(parts) + " | result | attnserve s | reference s |",
             "|---" * (len(parts) + 5) + "|"]
    failures = []
    for t in manifest:
        where, _, rel = t["dir"].partition(":")
        base = os.path.join(TESTDATA, rel) if where == "testdata" else os.path.join(FILES, rel)
        with tempfile.TemporaryDirectory() as work:
            path = tokenizer_json(base, work)
            if path is None:
                failures.append(f"{t['name']}: no tokenizer.json in {base} "
                                "(scripts/install-references.sh fetches the files: entries)")
                continue
            tok = tokenizers.Tokenizer.from_file(path)
            rows = corpus + added_token_rows(tok)
            got, load_error, our_s = ours(args.attnserve, path, rows, work)
            if got is not None:
                want, ref_s = reference(path, rows)
        if got is None:
            ok = t["expect"] == "unsupported" and "not supported" in load_error
            result = ("refused: " if ok else "LOAD FAILED: ") + load_error.splitlines()[-1][:160]
            table.append(f"| {t['name']} | {t['kind']} | " + " | ".join("-" for _ in parts)
                         + f" | {result} | | |")
            print(f"{t['name']}: {result}")
            if not ok:
                failures.append(f"{t['name']}: {load_error}")
            continue
        bad = collections.Counter()
        total = collections.Counter()
        examples = []
        for row, w, g in zip(rows, want, got):
            p = part_of(row["kind"])
            total[p] += 1
            if "error" in g or any(w[k] != g.get(k) for k in ("ids", "type_ids", "offsets")):
                bad[p] += 1
                if len(examples) < args.examples:
                    examples.append(f"    {row['kind']}: error {g['error']}" if "error" in g
                                    else show(row, w, g))
        n_bad = sum(bad.values())
        result = "exact" if n_bad == 0 else f"{n_bad} mismatched lines"
        if t["expect"] == "unsupported":
            result += " (loads now: mark it exact)"
            failures.append(f"{t['name']}: it loads now; tokenizers.json still says unsupported")
        elif n_bad:
            failures.append(f"{t['name']}: {n_bad} of {len(rows)} lines differ")
        table.append(f"| {t['name']} | {t['kind']} | "
                     + " | ".join(f"{bad[p]}/{total[p]}" for p in parts)
                     + f" | {result} | {our_s:.2f} | {ref_s:.2f} |")
        print(f"{t['name']}: {result} ({len(rows)} lines; attnserve {our_s:.2f} s incl. load, "
              f"reference {ref_s:.2f} s encode_batch)")
        for e in examples:
            print(e)
    print("\n" + "\n".join(table))
    if args.report:
        with open(args.report, "w") as f:
            f.write("\n".join(table) + "\n")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
