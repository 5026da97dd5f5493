#!/usr/bin/python3
"""Writes a BERT model directory with random weights (BERT's init: N(0, 0.02), LayerNorm 1 / 0)
for speed measurements at a real shape, with numpy only (no torch):

  bench/random_bert_model.py --out DIR [--layers 12 --hidden 768 --heads 12 --intermediate 3072]

config.json + model.safetensors (F32, Hugging Face BertModel names). Random weights make the
speed real and the accuracy figures meaningless: measure accuracy on a real checkpoint.
"""
import argparse
import json
import os
import struct

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--layers", type=int, default=12)
    p.add_argument("--hidden", type=int, default=768)
    p.add_argument("--heads", type=int, default=12)
    p.add_argument("--intermediate", type=int, default=3072)
    p.add_argument("--vocab-size", type=int, default=30522)
    p.add_argument("--max-pos", type=int, default=512)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    h, i = a.hidden, a.intermediate
    t = {}

    def normal(name, *shape):
        t[name] = (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float32)

    def norm(name):
        t[name + ".weight"] = np.ones(h, np.float32)
        t[name + ".bias"] = np.zeros(h, np.float32)

    normal("embeddings.word_embeddings.weight", a.vocab_size, h)
    normal("embeddings.position_embeddings.weight", a.max_pos, h)
    normal("embeddings.token_type_embeddings.weight", 2, h)
    norm("embeddings.LayerNorm")
    for l in range(a.layers):
        p_ = f"encoder.layer.{l}."
        for stem, out, inp in [("attention.self.query", h, h), ("attention.self.key", h, h),
                               ("attention.self.value", h, h), ("attention.output.dense", h, h),
                               ("intermediate.dense", i, h), ("output.dense", h, i)]:
            normal(p_ + stem + ".weight", out, inp)
            normal(p_ + stem + ".bias", out)
        norm(p_ + "attention.output.LayerNorm")
        norm(p_ + "output.LayerNorm")
    os.makedirs(a.out, exist_ok=True)
    header, offset = {}, 0
    for name, v in t.items():
        header[name] = {"dtype": "F32", "shape": list(v.shape),
                        "data_offsets": [offset, offset + v.nbytes]}
        offset += v.nbytes
    hj = json.dumps(header).encode()
    hj += b" " * (-len(hj) % 8)
    with open(os.path.join(a.out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for v in t.values():
            f.write(v.tobytes())
    config = {"architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
              "hidden_size": h, "intermediate_size": i, "layer_norm_eps": 1e-12,
              "max_position_embeddings": a.max_pos, "num_attention_heads": a.heads,
              "num_hidden_layers": a.layers, "pad_token_id": 0,
              "position_embedding_type": "absolute", "type_vocab_size": 2,
              "vocab_size": a.vocab_size}
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


if __name__ == "__main__":
    main()
