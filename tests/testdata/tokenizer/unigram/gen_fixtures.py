"""Writes fixtures.json, the expected results of the SentencePiece-side stages (normalizers
Sequence/Lowercase/Strip/StripAccents/Replace/Prepend/Precompiled, the Metaspace pre-tokenizer,
the Unigram model, the ByteFallback/Fuse/Strip/Replace/Metaspace/Sequence decoders) as Hugging
Face tokenizers 0.23.3 computes them. Read by tests/unit/tokenizer/unigram_fixtures_test.cc.

  ~/.cache/attnserve-refvenv/bin/python gen_fixtures.py   (needs tokenizers, sentencepiece)

Everything is built here, deterministically, and small: two Unigram vocabularies trained by
SentencePiece on the corpus (identity normalization, low character coverage so that unknown
characters occur; one with byte_fallback), a precompiled_charsmap compiled by SentencePiece from
rules.tsv (a few rules that hit every odd path of the Precompiled normalizer: 1->n, n->1, removal,
a rule on the first character of a longer grapheme, "\\r\\n"), and the Llama 2 and Gemma 3 normalizer
and decoder objects (copied below from their tokenizer.json). For every case: the tokenizer.json, and
per text the normalized string, ids, byte offsets and both decodes.
"""
import base64
import json
import pathlib
import tempfile

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb
from tokenizers import Tokenizer

from byte_offsets import byte_offsets

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE.parent / "corpus.jsonl"
META = "\u2581"

LLAMA2_NORMALIZER = {"type": "Sequence", "normalizers": [
    {"type": "Prepend", "prepend": META},
    {"type": "Replace", "pattern": {"String": " "}, "content": META}]}
LLAMA2_DECODER = {"type": "Sequence", "decoders": [
    {"type": "Replace", "pattern": {"String": META}, "content": " "},
    {"type": "ByteFallback"}, {"type": "Fuse"},
    {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}

# Gemma 3's (its BPE model aside).
GEMMA3_NORMALIZER = {"type": "Replace", "pattern": {"String": " "}, "content": META}
GEMMA3_DECODER = {"type": "Sequence", "decoders": [
    {"type": "Replace", "pattern": {"String": META}, "content": " "},
    {"type": "ByteFallback"}, {"type": "Fuse"}]}


def corpus_lines():
    return [json.loads(l)["text"] for l in CORPUS.read_text(encoding="utf-8").split("\n")
            if l.strip()]


def train(tmp, name, text_lines, **kw):
    inp = pathlib.Path(tmp) / f"{name}.txt"
    inp.write_text("\n".join(text_lines) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(inp), model_prefix=str(pathlib.Path(tmp) / name),
                                   model_type="unigram", hard_vocab_limit=False,
                                   num_threads=1, minloglevel=2, **kw)
    m = pb.ModelProto()
    m.ParseFromString((pathlib.Path(tmp) / f"{name}.model").read_bytes())
    return m


def unigram(m, byte_fallback):
    return {"type": "Unigram", "unk_id": m.trainer_spec.unk_id,
            "vocab": [[p.piece, p.score] for p in m.pieces], "byte_fallback": byte_fallback}


def added(vocab, specials, others=()):
    ids = {p: i for i, (p, _) in enumerate(vocab)}
    out = []
    for t in specials:
        out.append({"id": ids[t], "content": t, "single_word": False, "lstrip": False,
                    "rstrip": False, "normalized": False, "special": True})
    for t, i in others:
        out.append({"id": i, "content": t, "single_word": False, "lstrip": False,
                    "rstrip": False, "normalized": True, "special": False})
    return out


def template(vocab):
    ids = {p: i for i, (p, _) in enumerate(vocab)}
    return {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "</s>", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]} for t in ("<s>", "</s>")}}


def tokenizer_json(model, normalizer, pre, decoder, added_tokens, post):
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added_tokens,
            "normalizer": normalizer, "pre_tokenizer": pre, "post_processor": post,
            "decoder": decoder, "model": model}


EDGE_TEXTS = [
    "", " ", "  ", "a", " a", "a ", "  a  b   c  ", "hello world", "Hello World!", "\u2581",
    "\u2581hello", "x\u2581 y", "<s>", "a<s>b", "<s> hello </s>", "hello</s>", "extra  spaces",
    "ＡＢＣ ａ\u0301 ｘ", "\ufb01ne\u2026 done", "so\u00adft", "e\u0301t\u00e9", "A\u030a",
    "a\r\nb", "\u3000x\ty", "\u2163\U0001F600\u2460", "\u00adstart", "end\u00ad",
    "\U0001F600\U0001F600 x", "``quoted'' text", "İstanbul ΣΑΣ straße", "ǅ ﬃ",
    "e\u0301\u0302\u0303 x", "日本語のテキスト", "ﾃｽﾄ", "Ｈｅｌｌｏ　Ｗｏｒｌｄ", "\u200b\u200d",
    "a\u00a0b", "tab\there", "new\nline", "x" * 80, "\u00e9" * 20, "a b " * 12,
    "unknown ☃ ☃☃ chars ✓✗", "mixed 中文 and English", "<unk>", "a<unk>b ☃<unk>",
]


def cases(tmp):
    lines = corpus_lines()
    # Latin lines only: a small vocabulary, and every other script is unknown.
    train_lines = [l.replace("\n", " ") for l in lines
                   if l.strip() and all(ord(c) < 0x250 for c in l)]
    m_plain = train(tmp, "plain", train_lines, vocab_size=400, character_coverage=0.98,
                    normalization_rule_name="identity")
    m_bytes = train(tmp, "bytes", train_lines, vocab_size=400, character_coverage=0.98,
                    normalization_rule_name="identity", byte_fallback=True)
    rules = pathlib.Path(tmp) / "rules.tsv"
    rules.write_text((HERE / "rules.tsv").read_text(encoding="utf-8"), encoding="utf-8")
    m_rules = train(tmp, "rules", ["hello world this is a test"] * 20, vocab_size=30,
                    normalization_rule_tsv=str(rules), add_dummy_prefix=False,
                    remove_extra_whitespaces=False)
    charsmap = base64.b64encode(m_rules.normalizer_spec.precompiled_charsmap).decode()

    plain = unigram(m_plain, False)
    bytes_ = unigram(m_bytes, True)
    pv = plain["vocab"]
    bv = bytes_["vocab"]
    specials = ["<unk>", "<s>", "</s>"]
    meta = lambda scheme, split=True: {"type": "Metaspace", "replacement": META,
                                       "prepend_scheme": scheme, "split": split}
    extra_added = [("hello world", len(pv)), ("\u2581x", len(pv) + 1)]
    out = {
        "metaspace_always": tokenizer_json(plain, None, meta("always"), meta("always"),
                                           added(pv, specials, extra_added), template(pv)),
        "metaspace_first_nosplit": tokenizer_json(plain, None, meta("first", False),
                                                  meta("first", False), added(pv, specials),
                                                  template(pv)),
        "metaspace_legacy_never": tokenizer_json(
            plain, None, {"type": "Metaspace", "replacement": META, "add_prefix_space": False,
                          "prepend_scheme": "never"},
            {"type": "Metaspace", "replacement": META, "add_prefix_space": True,
             "str_rep": META}, added(pv, specials), None),
        "precompiled_sequence": tokenizer_json(
            plain, {"type": "Sequence", "normalizers": [
                {"type": "Precompiled", "precompiled_charsmap": charsmap},
                {"type": "Replace", "pattern": {"String": "``"}, "content": "\""},
                {"type": "Replace", "pattern": {"String": "''"}, "content": "\""},
                {"type": "Lowercase"},
                {"type": "Strip", "strip_left": False, "strip_right": True}]},
            meta("always"), meta("always"), added(pv, specials, [("hello", len(pv))]),
            template(pv)),
        "precompiled_alone": tokenizer_json(
            plain, {"type": "Precompiled", "precompiled_charsmap": charsmap}, meta("always"),
            meta("always"), added(pv, specials), template(pv)),
        "strip_accents_prepend": tokenizer_json(
            plain, {"type": "Sequence", "normalizers": [
                {"type": "Strip", "strip_left": True, "strip_right": True},
                {"type": "StripAccents"},
                {"type": "Sequence", "normalizers": []},
                {"type": "Prepend", "prepend": META},
                {"type": "Replace", "pattern": {"String": " "}, "content": META}]},
            meta("never", False), LLAMA2_DECODER, added(pv, specials), None),
        "byte_fallback": tokenizer_json(
            bytes_, {"type": "Sequence", "normalizers": []}, meta("always"),
            {"type": "Sequence", "decoders": [
                {"type": "Metaspace", "replacement": META, "prepend_scheme": "always", "split": True},
                {"type": "ByteFallback"},
                {"type": "Strip", "content": "x", "start": 2, "stop": 1},
                {"type": "Replace", "pattern": {"String": "ab"}, "content": "<AB>"},
                {"type": "Fuse"}]},
            added(bv, specials), template(bv)),
        "llama2_stages": tokenizer_json(bytes_, LLAMA2_NORMALIZER, meta("never", False),
                                        LLAMA2_DECODER, added(bv, specials), None),
        "gemma3_stages": tokenizer_json(bytes_, GEMMA3_NORMALIZER, meta("never", False),
                                        GEMMA3_DECODER, added(bv, specials), template(bv)),
    }
    return out, lines, {"plain": plain, "bytes": bytes_}


def decode(tok, ids, skip):
    """The reference's decode; None where it panics (the Strip decoder with stop > 0 indexes
    before the start of an empty token), which the C++ test then does not compare."""
    try:
        return tok.decode(ids, skip_special_tokens=skip)
    except BaseException as e:  # pyo3's PanicException derives from BaseException
        if "PanicException" not in type(e).__name__:
            raise
        return None


def main():
    with tempfile.TemporaryDirectory() as tmp:
        configs, lines, models = cases(tmp)
    sample = [l for l in lines if len(l) <= 120][::13][:50]
    texts = EDGE_TEXTS + sample
    pairs = [(texts[i], texts[-1 - i]) for i in range(0, 40, 4)]
    result = {"generator": "tests/testdata/tokenizer/unigram/gen_fixtures.py",
              "reference": "tokenizers " + __import__("tokenizers").__version__,
              "models": models, "cases": []}
    for name, cfg in configs.items():
        tok = Tokenizer.from_str(json.dumps(cfg))
        encs = []
        for t, p in [(t, None) for t in texts] + pairs:
            e = tok.encode(t, p)
            entry = {"text": t, "ids": e.ids, "offsets": byte_offsets(e, t, p),
                     "decode": decode(tok, e.ids, False), "decode_skip": decode(tok, e.ids, True)}
            if p is not None:
                entry["text_pair"] = p
            elif tok.normalizer is not None:
                entry["normalized"] = tok.normalizer.normalize_str(t)
            encs.append(entry)
        # The model is stored once, under "models"; the case names it.
        cfg = dict(cfg, model="plain" if cfg["model"] is models["plain"] else "bytes")
        result["cases"].append({"name": name, "tokenizer": cfg, "encodings": encs})
    (HERE / "fixtures.json").write_text(json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n",
                                        encoding="utf-8")


if __name__ == "__main__":
    main()
