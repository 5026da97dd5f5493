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
"""
import json
import os
import shutil
import sys

import torch
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.modules import Dense, Normalize, Pooling, Transformer
from transformers import BertConfig, BertModel

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


def main():
    names = set(sys.argv[1:])
    total = sum(generate(c) for c in CONFIGS if not names or c["name"] in names)
    print(f"total {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
