"""Trains small SentencePiece Unigram models on the tokenizer corpus and converts them to
tokenizer.json with transformers' converters (XLM-RoBERTa, T5, ALBERT styles): real files with a
real precompiled_charsmap. Writes ~/.cache/attnserve-tokenizers/spm-<name>/tokenizer.json
(not committed: run with ~/.cache/attnserve-refvenv/bin/python, needs sentencepiece,
transformers, protobuf in that venv)."""
import json
import os
import pathlib
import sys

import sentencepiece as spm

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE.parent / "corpus.jsonl"
OUT = pathlib.Path(os.path.expanduser("~/.cache/attnserve-tokenizers"))


def train(name, **kw):
    d = OUT / f"spm-{name}"
    d.mkdir(parents=True, exist_ok=True)
    lines = [json.loads(l)["text"] for l in CORPUS.read_text(encoding="utf-8").split("\n") if l.strip()]
    text = d / "train.txt"
    text.write_text("\n".join(l.replace("\n", " ") for l in lines if l.strip()) + "\n")
    spm.SentencePieceTrainer.train(input=str(text), model_prefix=str(d / "spm"),
                                   model_type="unigram", hard_vocab_limit=False, **kw)
    return d


def main():
    from transformers import AlbertTokenizer, T5Tokenizer, XLMRobertaTokenizer  # noqa
    from transformers.convert_slow_tokenizer import convert_slow_tokenizer
    from transformers import XLMRobertaTokenizerFast, T5TokenizerFast, AlbertTokenizerFast

    specs = [
        ("xlmr", dict(vocab_size=4000, character_coverage=0.995, normalization_rule_name="nmt_nfkc"), XLMRobertaTokenizerFast, {}),
        ("t5", dict(vocab_size=5000, character_coverage=0.98, normalization_rule_name="nmt_nfkc", byte_fallback=True,
                    pad_id=0, eos_id=1, unk_id=2, bos_id=-1), T5TokenizerFast, {"extra_ids": 0}),
        ("albert", dict(vocab_size=5000, character_coverage=0.98, normalization_rule_name="nmt_nfkc_cf",
                        unk_id=1, pad_id=0, bos_id=2, eos_id=3), AlbertTokenizerFast, {}),
    ]
    for name, kw, cls, extra in specs:
        d = train(name, **kw)
        tok = cls(vocab_file=str(d / "spm.model"), **extra)
        tok.save_pretrained(str(d))
        print(name, "->", d, file=sys.stderr)


if __name__ == "__main__":
    main()
