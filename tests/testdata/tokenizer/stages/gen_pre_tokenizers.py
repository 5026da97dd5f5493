#!/usr/bin/env python3
"""Writes pre_tokenizers.json: for each pre-tokenizer configuration (tokenizer.json form) and each
input of inputs.py, the words Hugging Face tokenizers (the reference, 0.23.3) gives, with their
byte offsets in the input. Run with the reference venv:
  ~/.cache/attnserve-refvenv/bin/python tests/testdata/tokenizer/stages/gen_pre_tokenizers.py
"""
import json
import os

import tokenizers
from tokenizers import pre_tokenizers

from inputs import INPUTS

HERE = os.path.dirname(os.path.abspath(__file__))

LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
          r"|\s*[\r\n]+|\s+(?!\S)|\s+")
CONFIGS = [
    {"type": "Whitespace"},
    {"type": "WhitespaceSplit"},
    {"type": "Punctuation"},
    {"type": "Punctuation", "behavior": "Removed"},
    {"type": "Punctuation", "behavior": "MergedWithPrevious"},
    {"type": "Punctuation", "behavior": "MergedWithNext"},
    {"type": "Punctuation", "behavior": "Contiguous"},
    {"type": "Digits", "individual_digits": True},
    {"type": "Digits", "individual_digits": False},
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": False},
    {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
]
for behavior in ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]:
    for invert in [False, True]:
        CONFIGS.append({"type": "Split", "pattern": {"String": " "}, "behavior": behavior,
                        "invert": invert})
        CONFIGS.append({"type": "Split", "pattern": {"Regex": r"\s+|\d"}, "behavior": behavior,
                        "invert": invert})
CONFIGS += [
    {"type": "Split", "pattern": {"Regex": LLAMA3}, "behavior": "Isolated", "invert": False},
    {"type": "Split", "pattern": {"Regex": r"\w+"}, "behavior": "Isolated", "invert": False},
    {"type": "Split", "pattern": {"Regex": r"x*"}, "behavior": "Isolated", "invert": False},
    {"type": "Split", "pattern": {"Regex": r"x*"}, "behavior": "MergedWithNext", "invert": False},
    {"type": "Split", "pattern": {"String": "ll"}, "behavior": "Contiguous", "invert": False},
    {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": LLAMA3}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
    {"type": "Sequence", "pretokenizers": [
        {"type": "WhitespaceSplit"}, {"type": "Digits", "individual_digits": True},
        {"type": "Punctuation"}]},
    {"type": "Sequence", "pretokenizers": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": False},
        {"type": "Digits", "individual_digits": True}]},
    {"type": "Sequence", "pretokenizers": []},
]


def byte_offsets(text, start, end):
    return len(text[:start].encode()), len(text[:end].encode())


def main():
    cases = []
    for config in CONFIGS:
        pt = pre_tokenizers.PreTokenizer.custom if False else None
        tok = tokenizers.Tokenizer.from_str(json.dumps({
            "version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
            "normalizer": None, "pre_tokenizer": config, "post_processor": None,
            "decoder": None, "model": {"type": "WordLevel", "vocab": {"[UNK]": 0},
                                       "unk_token": "[UNK]"}}))
        pt = tok.pre_tokenizer
        for text in INPUTS:
            words = [[w, *byte_offsets(text, s, e)] for w, (s, e) in pt.pre_tokenize_str(text)]
            cases.append({"config": config, "text": text, "words": words})
    with open(os.path.join(HERE, "pre_tokenizers.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "gen_pre_tokenizers.py", "tokenizers": tokenizers.__version__,
                   "cases": cases}, f, ensure_ascii=False, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
