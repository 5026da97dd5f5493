#!/usr/bin/python3
"""Regenerates the encoder correctness fixtures in this directory from PyTorch.

    /usr/bin/python3 tests/testdata/encoder/generate_fixtures.py      (Debian python3-torch)

For each configuration below it writes a Hugging Face model directory <name>/ (config.json,
model.safetensors and, where listed, sentence-transformers files) with seeded random weights, and
<name>/expected.safetensors with the reference outputs of a set of sequences:

    seq{i}.ids, seq{i}.type_ids                     I32 [L]
    seq{i}.last_hidden_state                        F32 [L, H]
    seq{i}.cls / .mean / .max                       F32 [H]   pooled, not normalized
    seq{i}.mean_normalized                          F32 [H]
    seq{i}.mean_dims16_normalized                   F32 [16]  Matryoshka: first 16 dims, then L2

The reference runs in float64 on the weights exactly as stored (F16/BF16 checkpoints are rounded
first), through torch.nn.TransformerEncoderLayer (post-LN, the layer math of BERT); it is
cross-checked against a direct transcription of Hugging Face's BertModel equations, and the script
fails if the two differ by more than 1e-9.
"""
import json
import math
import os
import struct
from collections import OrderedDict

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIGS = [
    # hidden 96 with 3 heads (head dim 32); intermediate 200 is not a multiple of 16; every
    # length from 1 to max_position_embeddings.
    dict(name="h96_heads3", hidden=96, heads=3, layers=2, intermediate=200, vocab=300, max_pos=40,
         type_vocab=2, act="gelu", dtype="F32", prefix="", legacy_ln=False,
         lengths=list(range(1, 41)), sentence_transformers=None),
    # F16 weights under "bert." names with TF-era LayerNorm gamma/beta, extra tensors to ignore,
    # sentence-transformers files: CLS pooling + Normalize, max_seq_length 48.
    dict(name="h64_heads4_f16", hidden=64, heads=4, layers=3, intermediate=150, vocab=250,
         max_pos=64, type_vocab=2, act="gelu", dtype="F16", prefix="bert.", legacy_ln=True,
         lengths=[1, 2, 3, 5, 8, 13, 21, 34, 55, 64], pairs=True,
         sentence_transformers=dict(pooling="cls", normalize=True, max_seq_length=48)),
    # BF16 weights, 8 heads of 16, tanh GELU (gelu_new), three token types, MAX pooling.
    dict(name="h128_heads8_bf16", hidden=128, heads=8, layers=2, intermediate=320, vocab=400,
         max_pos=128, type_vocab=3, act="gelu_new", dtype="BF16", prefix="", legacy_ln=False,
         lengths=[1, 7, 16, 17, 31, 64, 100, 128], pairs=True,
         sentence_transformers=dict(pooling="max", normalize=False, max_seq_length=512)),
]


def write_safetensors(path, tensors):
    """tensors: OrderedDict name -> (dtype string, torch tensor already in that dtype)."""
    header, blobs, off = OrderedDict(), [], 0
    for name, (code, t) in tensors.items():
        t = t.contiguous()
        if code == "BF16":
            raw = t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raw = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    header["__metadata__"] = {"format": "pt"}
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)


def make_weights(c, gen):
    H, I = c["hidden"], c["intermediate"]

    def rnd(*shape, std=0.05):
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * std

    w = OrderedDict()
    w["embeddings.word_embeddings.weight"] = rnd(c["vocab"], H, std=0.5)
    w["embeddings.position_embeddings.weight"] = rnd(c["max_pos"], H, std=0.5)
    w["embeddings.token_type_embeddings.weight"] = rnd(c["type_vocab"], H, std=0.5)
    w["embeddings.LayerNorm.weight"] = 1 + rnd(H, std=0.1)
    w["embeddings.LayerNorm.bias"] = rnd(H, std=0.1)
    for i in range(c["layers"]):
        p = f"encoder.layer.{i}."
        for n in ("query", "key", "value"):
            w[p + f"attention.self.{n}.weight"] = rnd(H, H, std=1 / math.sqrt(H) * 1.5)
            w[p + f"attention.self.{n}.bias"] = rnd(H, std=0.1)
        w[p + "attention.output.dense.weight"] = rnd(H, H, std=1 / math.sqrt(H))
        w[p + "attention.output.dense.bias"] = rnd(H, std=0.1)
        w[p + "attention.output.LayerNorm.weight"] = 1 + rnd(H, std=0.1)
        w[p + "attention.output.LayerNorm.bias"] = rnd(H, std=0.1)
        w[p + "intermediate.dense.weight"] = rnd(I, H, std=1 / math.sqrt(H))
        w[p + "intermediate.dense.bias"] = rnd(I, std=0.1)
        w[p + "output.dense.weight"] = rnd(H, I, std=1 / math.sqrt(I))
        w[p + "output.dense.bias"] = rnd(H, std=0.1)
        w[p + "output.LayerNorm.weight"] = 1 + rnd(H, std=0.1)
        w[p + "output.LayerNorm.bias"] = rnd(H, std=0.1)
    return w


def stored(t, dtype):
    """The tensor as the checkpoint stores it, and its float64 value."""
    if dtype == "F32":
        s = t.to(torch.float32)
    elif dtype == "F16":
        s = t.to(torch.float16)
    else:
        s = t.to(torch.bfloat16)
    return s, s.to(torch.float64)


def act_fn(c):
    return (lambda x: F.gelu(x, approximate="tanh")) if c["act"] == "gelu_new" else F.gelu


def embed(c, w, ids, types):
    L = ids.shape[0]
    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:L]
         + w["embeddings.token_type_embeddings.weight"][types])
    return F.layer_norm(x, (c["hidden"],), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], 1e-12)


def forward_hf_equations(c, w, ids, types):
    """Hugging Face BertModel, transcribed (one sequence, no padding)."""
    H, nh = c["hidden"], c["heads"]
    d = H // nh
    x = embed(c, w, ids, types)
    L = x.shape[0]
    for i in range(c["layers"]):
        p = f"encoder.layer.{i}."
        lin = lambda t, n: t @ w[p + n + ".weight"].T + w[p + n + ".bias"]
        q = lin(x, "attention.self.query").view(L, nh, d).transpose(0, 1)
        k = lin(x, "attention.self.key").view(L, nh, d).transpose(0, 1)
        v = lin(x, "attention.self.value").view(L, nh, d).transpose(0, 1)
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d), dim=-1)
        ctx = (probs @ v).transpose(0, 1).reshape(L, H)
        x = F.layer_norm(lin(ctx, "attention.output.dense") + x, (H,), w[p + "attention.output.LayerNorm.weight"],
                         w[p + "attention.output.LayerNorm.bias"], 1e-12)
        h = act_fn(c)(lin(x, "intermediate.dense"))
        x = F.layer_norm(lin(h, "output.dense") + x, (H,), w[p + "output.LayerNorm.weight"],
                         w[p + "output.LayerNorm.bias"], 1e-12)
    return x


def torch_layers(c, w):
    layers = []
    for i in range(c["layers"]):
        p = f"encoder.layer.{i}."
        t = torch.nn.TransformerEncoderLayer(c["hidden"], c["heads"], c["intermediate"], dropout=0.0,
                                             activation=act_fn(c), batch_first=True, norm_first=False,
                                             layer_norm_eps=1e-12, dtype=torch.float64)
        with torch.no_grad():
            t.self_attn.in_proj_weight.copy_(torch.cat([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")]))
            t.self_attn.in_proj_bias.copy_(torch.cat([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]))
            t.self_attn.out_proj.weight.copy_(w[p + "attention.output.dense.weight"])
            t.self_attn.out_proj.bias.copy_(w[p + "attention.output.dense.bias"])
            t.norm1.weight.copy_(w[p + "attention.output.LayerNorm.weight"])
            t.norm1.bias.copy_(w[p + "attention.output.LayerNorm.bias"])
            t.linear1.weight.copy_(w[p + "intermediate.dense.weight"])
            t.linear1.bias.copy_(w[p + "intermediate.dense.bias"])
            t.linear2.weight.copy_(w[p + "output.dense.weight"])
            t.linear2.bias.copy_(w[p + "output.dense.bias"])
            t.norm2.weight.copy_(w[p + "output.LayerNorm.weight"])
            t.norm2.bias.copy_(w[p + "output.LayerNorm.bias"])
        layers.append(t.eval())
    return layers


def forward_torch_layers(c, w, layers, ids, types):
    x = embed(c, w, ids, types).unsqueeze(0)
    with torch.no_grad():
        for t in layers:
            x = t(x)
    return x[0]


def checkpoint_name(c, name):
    if c["legacy_ln"]:
        if name.endswith("LayerNorm.weight"):
            name = name[: -len("weight")] + "gamma"
        elif name.endswith("LayerNorm.bias"):
            name = name[: -len("bias")] + "beta"
    return c["prefix"] + name


def write_model_dir(c, w_stored, out):
    os.makedirs(out, exist_ok=True)
    act = {"gelu": "gelu", "gelu_new": "gelu_new"}[c["act"]]
    config = OrderedDict([
        ("architectures", ["BertModel"]), ("model_type", "bert"), ("hidden_act", act),
        ("hidden_size", c["hidden"]), ("intermediate_size", c["intermediate"]), ("layer_norm_eps", 1e-12),
        ("max_position_embeddings", c["max_pos"]), ("num_attention_heads", c["heads"]),
        ("num_hidden_layers", c["layers"]), ("pad_token_id", 0), ("position_embedding_type", "absolute"),
        ("type_vocab_size", c["type_vocab"]), ("vocab_size", c["vocab"]),
    ])
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    tensors = OrderedDict()
    for name, (s, _) in w_stored.items():
        tensors[checkpoint_name(c, name)] = (c["dtype"], s)
    if c["prefix"]:  # tensors a BertModel checkpoint carries that the encoder does not use
        H = c["hidden"]
        tensors["bert.embeddings.position_ids"] = ("I64", torch.arange(c["max_pos"], dtype=torch.int64).unsqueeze(0))
        tensors["bert.pooler.dense.weight"] = (c["dtype"], stored(torch.zeros(H, H, dtype=torch.float64), c["dtype"])[0])
        tensors["bert.pooler.dense.bias"] = (c["dtype"], stored(torch.zeros(H, dtype=torch.float64), c["dtype"])[0])
    write_safetensors(os.path.join(out, "model.safetensors"), tensors)
    st = c.get("sentence_transformers")
    if st:
        modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                   {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
        if st["normalize"]:
            modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
        with open(os.path.join(out, "modules.json"), "w") as f:
            json.dump(modules, f, indent=2)
        os.makedirs(os.path.join(out, "1_Pooling"), exist_ok=True)
        with open(os.path.join(out, "1_Pooling", "config.json"), "w") as f:
            json.dump({"word_embedding_dimension": c["hidden"],
                       "pooling_mode_cls_token": st["pooling"] == "cls",
                       "pooling_mode_mean_tokens": st["pooling"] == "mean",
                       "pooling_mode_max_tokens": st["pooling"] == "max",
                       "pooling_mode_mean_sqrt_len_tokens": False}, f, indent=2)
        with open(os.path.join(out, "sentence_bert_config.json"), "w") as f:
            json.dump({"max_seq_length": st["max_seq_length"], "do_lower_case": False}, f, indent=2)


def main():
    for ci, c in enumerate(CONFIGS):
        gen = torch.Generator().manual_seed(1000 + ci)
        w64 = make_weights(c, gen)
        w_stored = OrderedDict((n, stored(t, c["dtype"])) for n, t in w64.items())
        w = OrderedDict((n, v) for n, (_, v) in w_stored.items())
        out = os.path.join(HERE, c["name"])
        write_model_dir(c, w_stored, out)
        layers = torch_layers(c, w)
        expected = OrderedDict()
        worst = 0.0
        for i, L in enumerate(c["lengths"]):
            ids = torch.randint(0, c["vocab"], (L,), generator=gen)
            types = torch.zeros(L, dtype=torch.long)
            if c.get("pairs") and L >= 4 and i % 2 == 1:  # second segment: a sentence pair
                types[L // 2:] = 1
            if c["type_vocab"] > 2 and L >= 6 and i % 3 == 2:
                types[-2:] = c["type_vocab"] - 1
            ref = forward_torch_layers(c, w, layers, ids, types)
            hf = forward_hf_equations(c, w, ids, types)
            worst = max(worst, (ref - hf).abs().max().item())
            mean = ref.mean(0)
            expected[f"seq{i}.ids"] = ("I32", ids.to(torch.int32))
            expected[f"seq{i}.type_ids"] = ("I32", types.to(torch.int32))
            expected[f"seq{i}.last_hidden_state"] = ("F32", ref.to(torch.float32))
            expected[f"seq{i}.cls"] = ("F32", ref[0].to(torch.float32))
            expected[f"seq{i}.mean"] = ("F32", mean.to(torch.float32))
            expected[f"seq{i}.max"] = ("F32", ref.max(0).values.to(torch.float32))
            expected[f"seq{i}.mean_normalized"] = ("F32", F.normalize(mean, dim=0).to(torch.float32))
            expected[f"seq{i}.mean_dims16_normalized"] = ("F32", F.normalize(mean[:16], dim=0).to(torch.float32))
        assert worst < 1e-9, f"{c['name']}: TransformerEncoderLayer vs BertModel equations differ by {worst}"
        write_safetensors(os.path.join(out, "expected.safetensors"), expected)
        print(f"{c['name']}: {len(c['lengths'])} sequences, {c['dtype']} weights, "
              f"TransformerEncoderLayer vs BertModel equations max |diff| {worst:.2e}")


if __name__ == "__main__":
    main()
