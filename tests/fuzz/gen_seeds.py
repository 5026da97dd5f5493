#!/usr/bin/env python3
"""Writes the derived seeds of the fuzz targets (tests/fuzz/<target>_seeds/<name>).

  python3 tests/fuzz/gen_seeds.py        (from anywhere; needs protoc for request_fuzz)

Seeds are small and each exercises one feature or one error path of the parser; regress-* are the
reproducers of findings (each also a unit test). The encode-mode seeds of tokenizer_fuzz
(accents, chinese, ...) are hand-made and kept as they are; this script writes the others.
"""
import json
import os
import struct
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEP = b"\x1e"  # fuzz_util.h kFileSeparator


def write(target, name, data):
    d = os.path.join(HERE, target + "_seeds")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def js(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


# ---- safetensors_fuzz: u64 LE header length | JSON header | data ----
def safetensors(tensors, data, metadata=None, pad=True, header_delta=0):
    header = dict(tensors)
    if metadata is not None:
        header["__metadata__"] = metadata
    h = js(header)
    if pad:  # the reference writer pads the header with spaces to a multiple of 8
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h) + header_delta) + h + data


def t(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def safetensors_seeds():
    f32 = struct.pack("<2f", 1.0, -2.5)
    f16 = struct.pack("<2H", 0x3C00, 0x0001)  # 1.0, the smallest subnormal
    bf16 = struct.pack("<2H", 0x3F80, 0xC000)
    w = lambda *a, **k: write("safetensors", a[0], safetensors(*a[1:], **k))
    w("f32_f16_bf16", {"w": t("F32", [2], 0, 8), "h": t("F16", [1, 2], 8, 12),
                       "b": t("BF16", [2, 1], 12, 16)}, f32 + f16 + bf16, {"format": "pt"})
    w("int_and_other_dtypes", {"position_ids": t("I64", [1, 2], 0, 16), "i32": t("I32", [1], 16, 20),
                               "i16": t("I16", [1], 20, 22), "i8": t("I8", [1], 22, 23),
                               "u8": t("U8", [1], 23, 24), "bool": t("BOOL", [1], 24, 25),
                               "e4m3": t("F8_E4M3", [1], 25, 26), "e5m2": t("F8_E5M2", [1], 26, 27),
                               "f64": t("F64", [1], 27, 35)}, bytes(range(35)))
    w("scalar_and_empty", {"s": t("F32", [], 0, 4), "e": t("F32", [0, 3], 4, 4)}, f32[:4])
    w("empty_file", {}, b"")
    # Finding: memcpy(nullptr, ..., 0) reading an empty F32 tensor (WeightsReaderTest.
    # ReadsEmptyTensorsOfEveryFloatDtype).
    w("regress-empty-f32-tensor", {"e": t("F32", [0, 3], 0, 0)}, b"")
    w("nan_weight", {"w": t("F32", [1], 0, 4)}, struct.pack("<f", float("nan")))
    w("inf_half", {"h": t("F16", [1], 0, 2)}, struct.pack("<H", 0x7C00))
    # Refused: the header length 3 bytes short (issue 15), overlap, gap, trailing bytes, bad
    # dtype / shape / offsets.
    w("header_length_short", {"w": t("F32", [2], 0, 8)}, f32, header_delta=-3)
    w("overlap", {"a": t("F32", [1], 0, 4), "b": t("F32", [1], 2, 6)}, f32 + f32[:0])
    w("gap", {"a": t("F32", [1], 4, 8)}, f32)
    w("trailing_bytes", {"a": t("F32", [1], 0, 4)}, f32)
    w("bad_dtype", {"a": t("F31", [1], 0, 4)}, f32[:4])
    w("huge_shape", {"a": t("F32", [2**62, 2**62, 0], 0, 0)}, b"")
    w("negative_offset", {"a": {"dtype": "F32", "shape": [1], "data_offsets": [-4, 0]}}, f32[:4])
    w("offsets_past_end", {"a": t("F32", [4], 0, 16)}, f32)
    write("safetensors", "header_length_huge", struct.pack("<Q", 2**64 - 1) + b"{}")
    write("safetensors", "truncated", b"\x02\x00\x00")


# ---- model_config_fuzz: config.json | modules.json | 1_Pooling/config.json | sbert config ----
MINILM = {"architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1,
          "hidden_act": "gelu", "hidden_size": 384, "initializer_range": 0.02,
          "intermediate_size": 1536, "layer_norm_eps": 1e-12, "max_position_embeddings": 512,
          "model_type": "bert", "num_attention_heads": 12, "num_hidden_layers": 6,
          "pad_token_id": 0, "position_embedding_type": "absolute", "type_vocab_size": 2,
          "vocab_size": 30522}
MODULES = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
           {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
           {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]


def pooling(mode):
    keys = ["cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens",
            "weightedmean_tokens", "lasttoken"]
    d = {"word_embedding_dimension": 384}
    d.update({"pooling_mode_" + k: k == mode for k in keys})
    return d


def model_dir(config, modules=None, pool=None, sbert=None):
    parts = [config, modules, pool, sbert]
    return SEP.join(b"" if p is None else (p if isinstance(p, bytes) else js(p)) for p in parts)


def model_config_seeds():
    w = lambda name, *a: write("model_config", name, model_dir(*a))
    w("minilm_mean_normalize", MINILM, MODULES, pooling("mean_tokens"),
      {"max_seq_length": 256, "do_lower_case": False})
    w("bge_cls", dict(MINILM, hidden_act="gelu_new"), MODULES[:2], pooling("cls_token"),
      {"max_seq_length": 1024})
    w("max_pooling_other_path", dict(MINILM, hidden_act="relu"),
      [MODULES[0], dict(MODULES[1], path="pool")], pooling("max_tokens"))
    old = {k: v for k, v in MINILM.items() if k != "model_type"}
    w("no_model_type_plain_hf", old)
    w("unsupported_pooling", MINILM, None, pooling("weightedmean_tokens"))
    both = pooling("cls_token")
    both["pooling_mode_mean_tokens"] = True
    w("several_poolings", MINILM, None, both)
    w("dense_module", MINILM, MODULES + [{"path": "3_Dense", "type": "sentence_transformers.models.Dense"}])
    w("bad_max_seq_length", MINILM, None, None, {"max_seq_length": 0})
    w("roberta", dict(MINILM, model_type="roberta"))
    w("heads_do_not_divide", dict(MINILM, num_attention_heads=7))
    w("decoder_and_relative", dict(MINILM, is_decoder=True))
    w("out_of_range", dict(MINILM, vocab_size=2**40, layer_norm_eps=1e300))
    write("model_config", "not_json", b"{\"hidden_size\": 384," + SEP + b"[" + SEP + b"1" + SEP + b"\"x\"")


# ---- tokenizer_fuzz, load mode: flags(bit 7) max_length pair | tokenizer.json | config | text | pair
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "quick", "brown", "fox", "##es",
         "un", "##aff", "##able", "caf", "##e", "中", "北", ",", ".", "!", "a", "b", "##b",
         "hello", "world", "##s", "é"]


def tokenizer_json(normalizer="bert", pre="bert", model="typed", post="template", decoder="wp",
                   added=True, truncation=None):
    vocab = {tok: i for i, tok in enumerate(VOCAB)}
    special = [{"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True} for i, c in enumerate(VOCAB[:5])]
    if added:
        special.append({"id": len(VOCAB), "content": "<new tok>", "single_word": True,
                        "lstrip": True, "rstrip": True, "normalized": True, "special": False})
    norms = {"bert": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                      "strip_accents": None, "lowercase": True},
             "cased": {"type": "BertNormalizer", "clean_text": False, "handle_chinese_chars": False,
                       "strip_accents": False, "lowercase": False},
             None: None}
    pres = {"bert": {"type": "BertPreTokenizer"},
            "sequence": {"type": "Sequence", "pretokenizers": [{"type": "BertPreTokenizer"}]}}
    m = {"unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 12,
         "vocab": vocab}
    if model == "typed":
        m = dict(m, type="WordPiece")
    st = lambda i: {"SpecialToken": {"id": VOCAB[i], "type_id": 0}}
    posts = {"template": {"type": "TemplateProcessing",
                          "single": [st(2), {"Sequence": {"id": "A", "type_id": 0}}, st(3)],
                          "pair": [st(2), {"Sequence": {"id": "A", "type_id": 0}}, st(3),
                                   {"Sequence": {"id": "B", "type_id": 1}},
                                   {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                          "special_tokens": {c: {"id": c, "ids": [i], "tokens": [c]}
                                             for i, c in ((2, "[CLS]"), (3, "[SEP]"))}},
             "bert": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
             None: None}
    decs = {"wp": {"type": "WordPiece", "prefix": "##", "cleanup": True},
            "wp_nocleanup": {"type": "WordPiece", "prefix": "##", "cleanup": False}, None: None}
    return js({"version": "1.0", "truncation": truncation, "padding": None,
               "added_tokens": special, "normalizer": norms[normalizer],
               "pre_tokenizer": pres[pre], "post_processor": posts[post],
               "decoder": decs[decoder], "model": m})


def load_seed(flags, max_length, files, config=b"", text="", pair=None):
    body = [files, config, text.encode() if isinstance(text, str) else text]
    if pair is not None:
        body.append(pair.encode())
    return bytes([0x80 | flags, max_length, 0]) + SEP.join(body)


TEXT = "The quick brown foxes, unaffable café 北中! <new tok> [MASK]hello"


def tokenizer_seeds():
    w = lambda name, *a, **k: write("tokenizer", name, load_seed(*a, **k))
    w("load_template_wordpiece", 0x0B, 0, tokenizer_json(), text=TEXT, pair="hello world")
    w("load_bert_processing_sequence", 0x1B, 9, tokenizer_json(pre="sequence", post="bert",
                                                               truncation={"max_length": 8, "strategy": "LongestFirst", "stride": 0}),
      text=TEXT, pair="a bb")
    w("load_cased_untyped_model", 0x0D, 0, tokenizer_json(normalizer="cased", model="untyped",
                                                          decoder="wp_nocleanup", added=False),
      config=js({"do_lower_case": False, "model_max_length": 16}), text=TEXT)
    w("load_null_stages", 0x08, 0, tokenizer_json(normalizer=None, post=None, decoder=None),
      text=TEXT)
    w("load_config_disagrees", 0x08, 0, tokenizer_json(), config=js({"do_lower_case": False}),
      text=TEXT)
    vocab_txt = "\n".join(VOCAB).encode() + b"\r\n\n[unused]\n"
    config = js({"do_lower_case": True, "strip_accents": None, "tokenize_chinese_chars": True,
                 "never_split": None, "unk_token": "[UNK]", "sep_token": {"content": "[SEP]"},
                 "cls_token": "[CLS]", "model_max_length": 512,
                 "added_tokens_decoder": {"27": {"content": "<new tok>", "lstrip": True,
                                                 "normalized": False, "rstrip": False,
                                                 "single_word": False, "special": True}}})
    w("load_vocab_txt_config", 0x2B, 0, vocab_txt, config=config, text=TEXT, pair="x")
    w("load_vocab_txt_no_config", 0x29, 0, vocab_txt, text=TEXT)


# ---- tokenizer_fuzz, load mode: the SentencePiece-side stages (Precompiled, the small
# normalizers, Metaspace, Unigram, the SentencePiece decoders). The precompiled_charsmap is the
# small rule set of tests/testdata/tokenizer/unigram (its fixtures.json), so every stage of those
# files is reachable from a seed.
SP_PIECES = [["<unk>", 0.0], ["<s>", 0.0], ["</s>", 0.0], ["\u2581", -2.0], ["\u2581the", -3.5],
             ["\u2581hello", -4.0], ["he", -4.5], ["llo", -5.0], ["a", -3.0], ["b", -3.1],
             ["ab", -5.5], ["\u2581a", -3.2], ["fi", -6.0], ["\u00e9", -4.0], [".", -3.0],
             ["x", -7.0], ["xx", -9.0]]


def sentencepiece_json(normalizer, pre, decoder, byte_fallback=False):
    vocab = list(SP_PIECES)
    if byte_fallback:
        vocab += [["<0x%02X>" % b, -10.0] for b in range(256)]
    special = [{"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True} for i, c in enumerate(["<unk>", "<s>", "</s>"])]
    st = lambda c: {"SpecialToken": {"id": c, "type_id": 0}}
    post = {"type": "TemplateProcessing", "single": [st("<s>"), {"Sequence": {"id": "A", "type_id": 0}}, st("</s>")],
            "pair": [st("<s>"), {"Sequence": {"id": "A", "type_id": 0}}, st("</s>"),
                     {"Sequence": {"id": "B", "type_id": 1}}, st("</s>")],
            "special_tokens": {c: {"id": c, "ids": [i], "tokens": [c]} for i, c in ((1, "<s>"), (2, "</s>"))}}
    return js({"version": "1.0", "truncation": None, "padding": None, "added_tokens": special,
               "normalizer": normalizer, "pre_tokenizer": pre, "post_processor": post,
               "decoder": decoder, "model": {"type": "Unigram", "unk_id": 0, "vocab": vocab,
                                             "byte_fallback": byte_fallback}})


def sentencepiece_seeds():
    with open(os.path.join(ROOT, "tests", "testdata", "tokenizer", "unigram", "fixtures.json"),
              encoding="utf-8") as f:
        fixtures = json.load(f)
    charsmap = next(c for c in fixtures["cases"] if c["name"] == "precompiled_alone")[
        "tokenizer"]["normalizer"]["precompiled_charsmap"]
    meta = lambda scheme, split=True: {"type": "Metaspace", "replacement": "\u2581",
                                       "prepend_scheme": scheme, "split": split}
    norm = {"type": "Sequence", "normalizers": [
        {"type": "Precompiled", "precompiled_charsmap": charsmap},
        {"type": "Replace", "pattern": {"String": "``"}, "content": "\""},
        {"type": "Lowercase"}, {"type": "StripAccents"},
        {"type": "Strip", "strip_left": False, "strip_right": True},
        {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "\u2581"}]}]}
    dec = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 1}]}
    text = "\uff21\uff42 ``hello'' the \ufb01ne\u2026 e\u0301 a\r\nb \U0001F600 xxxxx <s> \u00e9\u0400"
    w = lambda name, *a, **k: write("tokenizer", name, load_seed(*a, **k))
    w("load_unigram_precompiled_metaspace", 0x0B, 0, sentencepiece_json(norm, meta("always"), meta("always")),
      text=text, pair="  the   a b ")
    w("load_unigram_byte_fallback_first", 0x0B, 0,
      sentencepiece_json({"type": "Sequence", "normalizers": []}, meta("first", False), dec,
                         byte_fallback=True), text=text)


# ---- request_fuzz: text protos encoded by protoc ----
REQUESTS = {
    "embed_text": ("EmbedRequest", 'inputs { text: "Hello, world!" } inputs { text: "café 北京" text_pair: "pair" } pooling: POOLING_MEAN normalize: true'),
    "embed_token_ids": ("EmbedRequest", 'inputs { token_ids { ids: [101, 7592, 102] type_ids: [0, 0, 0] } } pooling: POOLING_CLS dimensions: 64 return_token_embeddings: true'),
    "embed_truncate_left": ("EmbedRequest", 'inputs { text: "%s" } truncate: true truncation_direction: TRUNCATION_DIRECTION_LEFT' % ("word " * 80)),
    "embed_bad_ids": ("EmbedRequest", 'inputs { token_ids { ids: [101, 999999, 102] type_ids: [0, 5] } } pooling: POOLING_MAX'),
    "embed_too_many_dims": ("EmbedRequest", 'inputs { text: "x" } dimensions: 4096'),
    "tokenize_pair": ("TokenizeRequest", 'inputs { text: "Hello there" text_pair: "General Kenobi" } add_special_tokens: true truncate: true'),
    "tokenize_token_ids": ("TokenizeRequest", 'inputs { token_ids { ids: [1] } }'),
}


def request_seeds():
    proto = os.path.join(ROOT, "proto")
    for name, (msg, text) in REQUESTS.items():
        data = subprocess.run(
            ["protoc", "--proto_path=" + proto, "--encode=attnserve.v1." + msg,
             "attnserve/v1/attnserve.proto"], input=text.encode(), check=True,
            capture_output=True).stdout
        write("request", name, data)
    # Invalid UTF-8 in a text (DiagnoseParseFailure names the input and the byte), and bytes
    # that are no protobuf at all.
    write("request", "invalid_utf8_text", b"\x0a\x05\x0a\x03a\xff\x62")
    write("request", "not_protobuf", b"\x0a\xff\xff\xff\xff\x0f")


# Byte-level BPE stages (tests/testdata/tokenizer/bpe/pipelines.json): one seed per pipeline of
# that fixture (BPE with each option, WordLevel, ByteLevel, RobertaProcessing, Sequence, the
# Unicode normalizers), plus each splitting pre-tokenizer over the byte-level model.
def bpe_seeds():
    path = os.path.join(HERE, "..", "testdata", "tokenizer", "bpe", "pipelines.json")
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    text = "Hello  world! don't 12345 caf\u00e9 e\u0301 \u4e2d\u6587 \U0001F600\n\t<mask> x"
    byte_level = None
    for c in cases:
        write("tokenizer", "load_bpe_" + c["name"], load_seed(0x0B, 0, js(c["tokenizer"]),
                                                                text=text, pair=" y z"))
        if c["name"] == "bytelevel_bpe":
            byte_level = c["tokenizer"]
    split = lambda p, b, inv=False: {"type": "Split", "pattern": p, "behavior": b, "invert": inv}
    pres = {
        "split_removed": split({"Regex": "\\s+"}, "Removed"),
        "split_merged_next": split({"String": " "}, "MergedWithNext", True),
        "split_merged_previous": split({"Regex": "\\p{N}"}, "MergedWithPrevious"),
        "split_contiguous": split({"Regex": "x*"}, "Contiguous"),
        "whitespace": {"type": "Whitespace"},
        "whitespace_split": {"type": "WhitespaceSplit"},
        "punctuation": {"type": "Punctuation", "behavior": "Isolated"},
        "digits": {"type": "Digits", "individual_digits": True},
    }
    for name, pre in pres.items():
        tj = dict(byte_level, pre_tokenizer={"type": "Sequence", "pretokenizers": [
            pre, {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                  "use_regex": False}]})
        write("tokenizer", "load_bpe_pre_" + name, load_seed(0x0B, 0, js(tj), text=text))


safetensors_seeds()
model_config_seeds()
tokenizer_seeds()
sentencepiece_seeds()
bpe_seeds()
request_seeds()
