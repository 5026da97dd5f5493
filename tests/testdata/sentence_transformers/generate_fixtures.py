"""Fixtures of sentence-transformers' modules (Pooling, Dense, Normalize) against
sentence-transformers itself.

Regenerate (needs torch, transformers and sentence-transformers; the default test suite needs
none of them, the outputs are committed):

    ~/.cache/attnserve-stvenv/bin/python tests/testdata/sentence_transformers/generate_fixtures.py

(that virtualenv has sentence-transformers 6.2.0, transformers 5.23.0 and torch 2.15.0).

For each configuration in CONFIGS it builds a small random-init BertModel with transformers
(weights re-drawn larger than transformers' init, as tests/testdata/families/ does), wraps it in
a SentenceTransformer of Transformer + Pooling (the mode under test) + the configuration's Dense
layers (random weights, their activation) + Normalize when listed, saves it with
SentenceTransformer.save() into <name>/ (modules.json, 1_Pooling/config.json, 2_Dense/...,
the encoder's config.json and model.safetensors), reloads it with SentenceTransformer(<name>)
(what a user gets), and writes <name>/expected.safetensors:

    seq{i}.ids, seq{i}.type_ids    I32 [L]  the i-th sequence (token ids, no special tokens added)
    seq{i}.sentence_embedding      F32 [D]  the model's sentence embedding of the sequence when
                                            run in one right-padded batch of all sequences

computed by the reloaded model's forward (the modules in order, on input_ids / attention_mask /
token_type_ids) in float64. No tokenizer is involved: the C++ test feeds the same ids.
`legacy_pooling_config` rewrites 1_Pooling/config.json in the pre-6.x form
(pooling_mode_*_token booleans), which models on the Hub still have.

The C++ test is tests/unit/model/sentence_transformers_test.cc.

PROMPT_CONFIGS are models with sentence-transformers prompts (config_sentence_transformers.json's
`prompts` and `default_prompt_name`), a small WordPiece tokenizer (saved with the model: prompts
are text, so these go through the tokenizer) and Normalize. One has Pooling's include_prompt
false (the prompt's tokens are left out of pooling, as INSTRUCTOR models need). For each case
(a prompt name or none, and for that model every pooling mode, set on the reloaded Pooling
module) <name>/expected.json records what SentenceTransformer.encode(TEXTS, prompt_name=...)
returns in float64, with the ids of prompt + text and the prompt length sentence-transformers
computed. Their C++ test is tests/unit/requests/prompts_test.cc (through the request layer:
prompt_name, the server default, the tokenizer, the batcher's pooling).
"""
import json
import os
import re
import shutil
import sys

import torch
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Pooling, Transformer
from transformers import BertConfig, BertModel, BertTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))

LEGACY_KEYS = {
    "cls": "pooling_mode_cls_token", "mean": "pooling_mode_mean_tokens",
    "max": "pooling_mode_max_tokens", "mean_sqrt_len_tokens": "pooling_mode_mean_sqrt_len_tokens",
    "weightedmean": "pooling_mode_weightedmean_tokens", "lasttoken": "pooling_mode_lasttoken",
}

# dense: (out_features, activation module or None for Identity, bias)
CONFIGS = [
    dict(name="mean_dense_tanh_dense_identity_normalize", pooling="mean",
         dense=[(24, torch.nn.Tanh(), True), (16, None, True)], normalize=True),
    dict(name="weightedmean_dense_relu", pooling="weightedmean",
         dense=[(20, torch.nn.ReLU(), True)], normalize=False),
    dict(name="lasttoken_normalize", pooling="lasttoken", dense=[], normalize=True),
    dict(name="mean_sqrt_len_dense_gelu_nobias", pooling="mean_sqrt_len_tokens",
         dense=[(28, torch.nn.GELU(), False)], normalize=False),
    dict(name="max_dense_sigmoid_normalize", pooling="max",
         dense=[(12, torch.nn.Sigmoid(), True)], normalize=True),
    dict(name="cls_legacy_config", pooling="cls", dense=[], normalize=False,
         legacy_pooling_config=True),
]

ENCODER = dict(vocab_size=60, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
               intermediate_size=40, max_position_embeddings=24, type_vocab_size=2,
               hidden_act="gelu", pad_token_id=0)


def redraw(module, gen):
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "LayerNorm" in name:
                p.copy_((1 if name.endswith("weight") else 0) + 0.1 * torch.randn(p.shape, generator=gen))
            elif "embeddings" in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
            elif name.endswith("weight"):
                p.copy_(1.2 / p.shape[1] ** 0.5 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=gen))


def generate(c):
    out_dir = os.path.join(HERE, c["name"])
    shutil.rmtree(out_dir, ignore_errors=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(sum(map(ord, c["name"])))
    # The encoder, saved as a plain transformers model, wrapped by sentence-transformers.
    enc_dir = out_dir + ".encoder"
    shutil.rmtree(enc_dir, ignore_errors=True)
    bert = BertModel(BertConfig(**ENCODER), add_pooling_layer=False)
    redraw(bert, gen)
    bert.save_pretrained(enc_dir)
    transformer = Transformer(enc_dir, max_seq_length=ENCODER["max_position_embeddings"])
    modules = [transformer, Pooling(ENCODER["hidden_size"], pooling_mode=c["pooling"])]
    width = ENCODER["hidden_size"]
    for out, act, bias in c["dense"]:
        d = Dense(width, out, bias=bias, activation_function=act)
        redraw(d, gen)
        modules.append(d)
        width = out
    if c["normalize"]:
        modules.append(Normalize())
    SentenceTransformer(modules=modules).save(out_dir)
    shutil.rmtree(enc_dir)
    # What attnserve reads: no tokenizer (the C++ test feeds ids), no README.
    for f in os.listdir(out_dir):
        if f.startswith(("tokenizer", "special_tokens", "vocab", "README")):
            os.remove(os.path.join(out_dir, f))
    if c.get("legacy_pooling_config"):
        path = os.path.join(out_dir, "1_Pooling", "config.json")
        with open(path) as f:
            cfg = json.load(f)
        legacy = {"word_embedding_dimension": cfg["embedding_dimension"]}
        for mode, key in LEGACY_KEYS.items():
            legacy[key] = mode == c["pooling"]
        legacy["include_prompt"] = cfg.get("include_prompt", True)
        with open(path, "w") as f:
            json.dump(legacy, f, indent=4)

    ref = SentenceTransformer(out_dir, device="cpu").to(torch.float64).eval()
    lengths = [1, 2, 5, 9, 16, 21, 24]
    seqs = []
    for n in lengths:
        ids = torch.randint(1, ENCODER["vocab_size"], (n,), generator=gen)
        types = torch.zeros(n, dtype=torch.long)
        types[n // 2:] = 1 if n > 1 else 0
        seqs.append((ids, types))
    longest = max(lengths)
    ids = torch.zeros((len(seqs), longest), dtype=torch.long)
    types = torch.zeros_like(ids)
    mask = torch.zeros_like(ids)
    for i, (s, t) in enumerate(seqs):
        ids[i, :len(s)], types[i, :len(s)], mask[i, :len(s)] = s, t, 1
    with torch.no_grad():
        emb = ref({"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[
            "sentence_embedding"]
    assert emb.shape == (len(seqs), width), emb.shape
    expected = {}
    for i, (s, t) in enumerate(seqs):
        expected[f"seq{i}.ids"] = s.to(torch.int32)
        expected[f"seq{i}.type_ids"] = t.to(torch.int32)
        expected[f"seq{i}.sentence_embedding"] = emb[i].to(torch.float32).contiguous()
    save_file(expected, os.path.join(out_dir, "expected.safetensors"))
    size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(out_dir) for f in fs)
    print(f"{c['name']}: {c['pooling']} pooling, dense {[d[0] for d in c['dense']]}, "
          f"normalize {c['normalize']}, embedding size {width}, {size / 1024:.0f} KiB")
    return size


PROMPTS = {
    "query": "query: ",
    "passage": "passage: ",
    "instruct": "Instruct: Given a web search query, retrieve relevant passages\nQuery:",
    "empty": "",  # sentence-transformers 6.2 saves "document": "" and "query": "" by default
}
TEXTS = [
    "The weather is lovely today.",
    "It's so sunny outside!",
    "He drove to the stadium.",
    "what is the capital of France?",
    "Paris",
    "Paris is the capital and largest city of France, on the river Seine.",
]
ALL_MODES = ["mean", "cls", "max", "weightedmean", "lasttoken", "mean_sqrt_len_tokens"]
PROMPT_CONFIGS = [
    dict(name="prompts_mean_normalize", pooling="mean", include_prompt=True,
         default_prompt_name="query", modes=["mean"],
         prompt_names=[None, "query", "passage", "instruct", "empty"]),
    dict(name="prompts_exclude_prompt_normalize", pooling="mean", include_prompt=False,
         default_prompt_name=None, modes=ALL_MODES,
         prompt_names=[None, "query", "instruct", "empty"]),
]


def vocabulary():
    words = set()
    for t in list(PROMPTS.values()) + TEXTS:
        words.update(re.findall(r"\w+|[^\w\s]", t.lower()))
    # A few words cut into pieces, so that WordPiece continuation is exercised too.
    words -= {"stadium", "passages", "largest"}
    pieces = ["stad", "##ium", "passage", "##s", "large", "##st"]
    return ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(words) + [
        p for p in pieces if p not in words]


def generate_prompts(c):
    out_dir = os.path.join(HERE, c["name"])
    shutil.rmtree(out_dir, ignore_errors=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(sum(map(ord, c["name"])))
    enc_dir = out_dir + ".encoder"
    shutil.rmtree(enc_dir, ignore_errors=True)
    os.makedirs(enc_dir)
    vocab = vocabulary()
    tokenizer = BertTokenizer(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    assert tokenizer.unk_token_id not in tokenizer(" ".join(TEXTS))["input_ids"]
    config = dict(ENCODER, vocab_size=len(vocab), max_position_embeddings=48)
    bert = BertModel(BertConfig(**config), add_pooling_layer=False)
    redraw(bert, gen)
    bert.save_pretrained(enc_dir)
    tokenizer.save_pretrained(enc_dir)
    transformer = Transformer(enc_dir, max_seq_length=config["max_position_embeddings"])
    modules = [transformer,
               Pooling(config["hidden_size"], pooling_mode=c["pooling"],
                       include_prompt=c["include_prompt"]),
               Normalize()]
    SentenceTransformer(modules=modules, prompts=PROMPTS,
                        default_prompt_name=c["default_prompt_name"]).save(out_dir)
    shutil.rmtree(enc_dir)
    for f in os.listdir(out_dir):
        if f.startswith("README"):
            os.remove(os.path.join(out_dir, f))

    ref = SentenceTransformer(out_dir, device="cpu").to(torch.float64).eval()
    # (save() adds its own "document" and "query" entries where the model has none.)
    assert all(ref.prompts[k] == v for k, v in PROMPTS.items()), ref.prompts
    assert ref.default_prompt_name == c["default_prompt_name"]
    pooling = ref[1]
    assert pooling.include_prompt == c["include_prompt"]
    cases = []
    for mode in c["modes"]:
        pooling.pooling_mode = mode
        for name in c["prompt_names"]:
            # What encode prepends: the named prompt, else the model's default.
            prompt = PROMPTS[name] if name is not None else PROMPTS.get(c["default_prompt_name"], "")
            emb = ref.encode(TEXTS, prompt_name=name, batch_size=len(TEXTS), convert_to_numpy=True)
            cases.append(dict(
                pooling=mode, prompt_name=name,
                prompt_length=ref[0]._get_prompt_length(prompt) if prompt else 0,
                ids=[tokenizer(prompt + t)["input_ids"] for t in TEXTS],
                embeddings=[[float(x) for x in v] for v in emb.astype("float32")]))
    with open(os.path.join(out_dir, "expected.json"), "w") as f:
        json.dump(dict(texts=TEXTS, prompts=PROMPTS, cases=cases), f)
    size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(out_dir) for f in fs)
    print(f"{c['name']}: include_prompt {c['include_prompt']}, {len(cases)} cases, "
          f"{size / 1024:.0f} KiB")
    return size


def main():
    names = set(sys.argv[1:])
    total = sum(generate(c) for c in CONFIGS if not names or c["name"] in names)
    total += sum(generate_prompts(c) for c in PROMPT_CONFIGS if not names or c["name"] in names)
    print(f"total {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
