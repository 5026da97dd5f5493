"""Makes real SentencePiece Unigram tokenizer.json files for compare_real.py: trains small
SentencePiece unigram models on tests/testdata/tokenizer/corpus.jsonl (nmt_nfkc / nmt_nfkc_cf
rules, so a real precompiled_charsmap) and converts each with transformers' own converter
(XLMRobertaConverter, T5Converter, AlbertConverter). Not committed (a few MB); run with
~/.cache/attnserve-refvenv/bin/python (needs sentencepiece, transformers, protobuf, no torch).

Writes ~/.cache/attnserve-tokenizers/spm-<name>/converted/tokenizer.json (the converter's output
as is) and ~/.cache/attnserve-tokenizers/spm-<name>/tokenizer.json, the same file with the one
stage attnserve once could not load removed: Replace(Regex(" {2,}")); both must match now.
compare_real.py runs both files through the reference, so the comparison stays exact.
"""
import json
import os
import pathlib
import sys

import sentencepiece as spm
from transformers.convert_slow_tokenizer import AlbertConverter, T5Converter, XLMRobertaConverter

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE.parent / "corpus.jsonl"
OUT = pathlib.Path(os.path.expanduser("~/.cache/attnserve-tokenizers"))


class SlowStandIn:
    """What the converters read from a slow tokenizer."""

    def __init__(self, model_file, **attrs):
        self.vocab_file = str(model_file)
        self.add_prefix_space = True
        self.legacy = True
        self._sp = spm.SentencePieceProcessor(model_file=str(model_file))
        for k, v in attrs.items():
            setattr(self, k, v)

    def convert_tokens_to_ids(self, token):
        return self._sp.piece_to_id(token)


def train(name, **kw):
    d = OUT / f"spm-{name}"
    d.mkdir(parents=True, exist_ok=True)
    lines = [json.loads(l)["text"] for l in CORPUS.read_text(encoding="utf-8").split("\n") if l.strip()]
    text = d / "train.txt"
    text.write_text("\n".join(l.replace("\n", " ") for l in lines if l.strip()) + "\n",
                    encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(text), model_prefix=str(d / "spm"),
                                   model_type="unigram", hard_vocab_limit=False, **kw)
    return d


def drop_regex_replace(norm):
    if norm is None:
        return None
    if norm["type"] == "Sequence":
        norm["normalizers"] = [n for n in norm["normalizers"]
                               if not (n["type"] == "Replace" and "Regex" in n["pattern"])]
    return norm


def main():
    specs = [
        ("xlmr", dict(vocab_size=4000, character_coverage=0.995, normalization_rule_name="nmt_nfkc"),
         XLMRobertaConverter, {}, None),
        ("t5", dict(vocab_size=5000, character_coverage=0.98, normalization_rule_name="nmt_nfkc",
                    byte_fallback=True, pad_id=0, eos_id=1, unk_id=2, bos_id=-1),
         T5Converter, {"_extra_ids": 0}, "byte_fallback"),
        ("albert", dict(vocab_size=5000, character_coverage=0.98,
                        normalization_rule_name="nmt_nfkc_cf", unk_id=1, pad_id=0, bos_id=2,
                        eos_id=3, user_defined_symbols=["[CLS]", "[SEP]", "[MASK]"]),
         AlbertConverter, {"keep_accents": True, "do_lower_case": True}, None),
    ]
    for name, kw, conv, attrs, variant in specs:
        d = train(name, **kw)
        tok = conv(SlowStandIn(d / "spm.model", **attrs)).converted()
        (d / "converted").mkdir(exist_ok=True)
        tok.save(str(d / "converted" / "tokenizer.json"))
        j = json.loads(tok.to_str())
        j["normalizer"] = drop_regex_replace(j["normalizer"])
        if variant == "byte_fallback":
            # The Llama-style SentencePiece decoding chain over a byte_fallback Unigram.
            j["model"]["byte_fallback"] = True
            j["decoder"] = {"type": "Sequence", "decoders": [
                {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
                {"type": "ByteFallback"}, {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
        (d / "tokenizer.json").write_text(json.dumps(j, ensure_ascii=False), encoding="utf-8")
        print(name, "->", d, file=sys.stderr)


if __name__ == "__main__":
    main()
