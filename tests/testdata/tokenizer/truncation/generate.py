#!/usr/bin/env python3
"""Regenerates truncation.json: what Hugging Face `tokenizers` gives for pairs and single inputs
cut to a maximum length by each truncation strategy (LongestFirst, OnlyFirst, OnlySecond), in
both directions, with a stride (which must not change the ids), or the error it raises.

    $(scripts/install-references.sh --venv) tests/testdata/tokenizer/truncation/generate.py

The tokenizer is tests/testdata/tokenizers/bert-base-uncased/tokenizer.json with its truncation
set by enable_truncation; the test (TruncationStrategyTest in tests/unit/tokenizer) writes the
same truncation object into the file and compares ids, type ids, or that both refuse.
"""
import json
import os

import tokenizers

HERE = os.path.dirname(os.path.abspath(__file__))
TOKENIZER = os.path.join(HERE, "..", "..", "tokenizers", "bert-base-uncased", "tokenizer.json")

TEXTS = [
    "one two three four five six seven eight nine ten",
    "a b c",
    "the quick brown fox jumps over the lazy dog",
    "",
]


def main():
    cases = []
    # Left truncation once; the stride (right) only to show it leaves the ids alone.
    settings = [(strategy, direction, stride, max_length)
                for strategy in ("longest_first", "only_first", "only_second")
                for direction, stride in (("right", 0), ("left", 0), ("right", 2))
                for max_length in (3, 5, 8, 12)]
    for strategy, direction, stride, max_length in settings:
        for first in TEXTS:
            for second in [None] + TEXTS:
                tok = tokenizers.Tokenizer.from_file(TOKENIZER)
                try:
                    tok.enable_truncation(max_length, stride=stride, strategy=strategy,
                                          direction=direction)
                except ValueError:  # a stride the length leaves no room for
                    continue
                case = {"strategy": strategy, "direction": direction, "stride": stride,
                        "max_length": max_length, "text": first, "pair": second}
                try:
                    enc = tok.encode(first, second)
                    case["ids"] = enc.ids
                    case["type_ids"] = enc.type_ids
                except Exception as e:  # the Rust TruncationError, as a Python one
                    case["error"] = str(e)
                except BaseException as e:  # pyo3's PanicException
                    # The crate panics when a stride is not below the length a sequence is cut
                    # to; attnserve returns no overflowing tokens, so a stride changes nothing
                    # there and it answers these.
                    case["panic"] = str(e).split(" (note")[0]
                cases.append(case)
    out = {"tokenizers_version": tokenizers.__version__, "cases": cases}
    with open(os.path.join(HERE, "truncation.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    errors = sum(1 for c in cases if "error" in c)
    print(f"{len(cases)} cases ({errors} errors) from tokenizers {tokenizers.__version__}")


if __name__ == "__main__":
    main()
