#!/usr/bin/env python3
"""Writes pipelines.json: small complete tokenizer.json files exercising the byte-level BPE
stages (BPE with every option, WordLevel, ByteLevel, RobertaProcessing, post-processor Sequence,
NFC/NFD/NFKC/NFKD) and, for each, the ids and byte offsets Hugging Face tokenizers (the
reference, 0.23.3) gives on the inputs of ../stages/inputs.py and some corpus lines. The small
vocabularies are trained here with the reference's own trainer. Run with the reference venv:
  ~/.cache/attnserve-refvenv/bin/python tests/testdata/tokenizer/bpe/gen_fixtures.py
"""
import json
import os
import sys

import tokenizers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "stages"))
from inputs import INPUTS  # noqa: E402


def corpus_lines(n):
    out = []
    with open(os.path.join(HERE, "..", "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)["text"]
            if t and len(t) < 300 and t not in out:
                out.append(t)
    step = max(1, len(out) // n)
    return out[::step][:n]


TEXTS = INPUTS + corpus_lines(60)
TRAIN = TEXTS * 3


def trained_byte_level(vocab_size=400):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(TRAIN, trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False))
    return json.loads(tok.to_str())


def trained_affixes():
    tok = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##",
                               end_of_word_suffix="</w>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(TRAIN, trainers.BpeTrainer(
        vocab_size=300, special_tokens=["[UNK]"], continuing_subword_prefix="##",
        end_of_word_suffix="</w>", show_progress=False, limit_alphabet=60))
    return json.loads(tok.to_str())


def base(model, pre, normalizer=None, post=None, decoder=None, added=()):
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": list(added),
            "normalizer": normalizer, "pre_tokenizer": pre, "post_processor": post,
            "decoder": decoder, "model": model}


def added_token(i, content, special=True, lstrip=False, rstrip=False, normalized=False):
    return {"id": i, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": rstrip,
            "normalized": normalized, "special": special}


def main():
    bl = trained_byte_level()
    bl_model = bl["model"]
    n = len(bl_model["vocab"])
    bl_pre = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
              "use_regex": True}
    bl_post = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
               "use_regex": True}
    llama3_split = {"type": "Split", "pattern": {"Regex": (
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+"
        r"[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")}, "behavior": "Isolated", "invert": False}
    bl_noregex = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                  "use_regex": False}

    # Byte-level BPE without merges: one token per byte, so the offsets show each normalized
    # character's alignment (the normalizer fixtures).
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    bytes_model = {"type": "BPE", "dropout": None, "unk_token": None,
                   "continuing_subword_prefix": None, "end_of_word_suffix": None,
                   "fuse_unk": False, "byte_fallback": False,
                   "vocab": {c: i for i, c in enumerate(alphabet)}, "merges": []}

    # Character BPE with byte_fallback (gemma / llama2 style): the trained vocabulary minus the
    # rare characters, plus <0x00>..<0xFF> and <unk>.
    fb_vocab = {"<unk>": 0}
    for b in range(256):
        fb_vocab["<0x%02X>" % b] = len(fb_vocab)
    aff = trained_affixes()
    char_tok = Tokenizer(models.BPE())
    char_tok.pre_tokenizer = pre_tokenizers.Split(" ", "merged_with_previous")
    char_tok.train_from_iterator(TRAIN, trainers.BpeTrainer(vocab_size=350, limit_alphabet=70,
                                                            show_progress=False))
    cj = json.loads(char_tok.to_str())["model"]
    for tok in sorted(cj["vocab"], key=lambda t: cj["vocab"][t]):
        fb_vocab.setdefault(tok, len(fb_vocab))
    fb_model = {"type": "BPE", "dropout": None, "unk_token": "<unk>",
                "continuing_subword_prefix": None, "end_of_word_suffix": None, "fuse_unk": True,
                "byte_fallback": True, "vocab": fb_vocab, "merges": cj["merges"]}
    unk_model = dict(fb_model, byte_fallback=False)
    nofuse_model = dict(fb_model, byte_fallback=False, fuse_unk=False)
    gemma_pre = {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious",
                 "invert": False}

    # Merges in the old "a b" string form.
    legacy = dict(bl_model, merges=[" ".join(m) for m in bl_model["merges"]])
    wordlevel = {"type": "WordLevel", "unk_token": "[UNK]",
                 "vocab": {"[UNK]": 0, **{w: i + 1 for i, w in enumerate(
                     sorted({w for t in TEXTS for w, _ in
                             pre_tokenizers.Whitespace().pre_tokenize_str(t)})[::2])}}}

    roberta_added = [added_token(n, "<s>"), added_token(n + 1, "</s>"),
                     added_token(n + 2, "<mask>", lstrip=True)]
    configs = {
        "bytelevel_bpe": base(bl_model, bl_pre, post=bl_post,
                              decoder={"type": "ByteLevel", "add_prefix_space": True,
                                       "trim_offsets": True, "use_regex": True}),
        "bytelevel_no_prefix_no_trim": base(bl_model, dict(bl_pre, add_prefix_space=False),
                                            post=dict(bl_post, trim_offsets=False)),
        "llama3_style": base(dict(bl_model, ignore_merges=True),
                             {"type": "Sequence", "pretokenizers": [llama3_split, bl_noregex]},
                             post={"type": "Sequence", "processors": [
                                 dict(bl_post, trim_offsets=False),
                                 {"type": "TemplateProcessing",
                                  "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                             {"Sequence": {"id": "A", "type_id": 0}}],
                                  "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                           {"Sequence": {"id": "A", "type_id": 0}},
                                           {"SpecialToken": {"id": "<s>", "type_id": 1}},
                                           {"Sequence": {"id": "B", "type_id": 1}}],
                                  "special_tokens": {"<s>": {"id": "<s>", "ids": [n],
                                                             "tokens": ["<s>"]}}}]},
                             added=[added_token(n, "<s>")]),
        "legacy_merges_trim_sequence": base(
            legacy, {"type": "Sequence", "pretokenizers": [llama3_split, bl_noregex]},
            post={"type": "Sequence", "processors": [bl_post]}),
        "roberta": base(bl_model, bl_pre,
                        post={"type": "RobertaProcessing", "sep": ["</s>", n + 1],
                              "cls": ["<s>", n], "trim_offsets": True, "add_prefix_space": True},
                        added=roberta_added),
        "byte_fallback": base(fb_model, gemma_pre),
        "unk_fused": base(unk_model, gemma_pre),
        "unk_not_fused": base(nofuse_model, None),
        "affixes": base(aff["model"], {"type": "Whitespace"}),
        "wordlevel": base(wordlevel, {"type": "WhitespaceSplit"}),
        "digits_punct": base(bl_model, {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True}, {"type": "Punctuation"},
            bl_pre]}),
    }
    for form in ["NFC", "NFD", "NFKC", "NFKD"]:
        configs["bytes_" + form] = base(bytes_model, dict(bl_noregex, use_regex=True),
                                        normalizer={"type": form})
    configs["bytelevel_NFC"] = base(bl_model, bl_pre, normalizer={"type": "NFC"})

    extra = ["e\u0301\u0323 a\u0323\u0301 \u1e0b\u0323 \u0071\u0307\u0323",
             "\u1100\u1161\u11a8 \uac00\u11a8 \u212b \u2126 \u0344",
             "\u00bd \u2075 \ufb03 \u33a1 \uff21\u0301", "<mask> x <s>y</s>"]
    cases = []
    for name, cfg in configs.items():
        tok = Tokenizer.from_str(json.dumps(cfg))
        texts = TEXTS + extra
        encs = []
        # Offsets as the reference gives them in Python: characters of the text (the crate's
        # OffsetType::Char); the test projects ours (bytes) the same way before comparing.
        for t in texts:
            e = tok.encode(t)
            encs.append({"text": t, "ids": e.ids, "char_offsets": [list(o) for o in e.offsets],
                         "type_ids": e.type_ids,
                         "seq": [-1 if q is None else q for q in e.sequence_ids]})
        for a, b in [("Hello world", "How are you?"), ("  x", " y ")]:
            e = tok.encode(a, b)
            encs.append({"text": a, "pair": b, "ids": e.ids, "type_ids": e.type_ids,
                         "char_offsets": [list(o) for o in e.offsets],
                         "seq": [-1 if q is None else q for q in e.sequence_ids]})
        dec = None
        if cfg["decoder"] is not None:
            dec = [{"ids": e["ids"], "text": tok.decode(e["ids"])} for e in encs[:20]]
        cases.append({"name": name, "tokenizer": cfg, "encodings": encs, "decodes": dec})
    with open(os.path.join(HERE, "pipelines.json"), "w", encoding="utf-8") as f:
        json.dump({"generator": "gen_fixtures.py", "tokenizers": tokenizers.__version__,
                   "cases": cases}, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
