"""Fixtures of the encoder families against Hugging Face transformers itself.

Regenerate (needs torch and transformers; the default test suite needs neither, the outputs are
committed):

    ~/.cache/attnserve-stvenv/bin/python tests/testdata/families/generate_fixtures.py [NAME...]

(NAMEs: only those configurations; all by default)
(that virtualenv has transformers 5.23.0 and torch 2.15.0; any environment with
`pip install torch transformers safetensors` works). The script is deterministic: the same
versions give the same files.

For each configuration in CONFIGS it builds a randomly initialised transformers model of the
family (BertModel, RobertaModel, XLMRobertaModel, CamembertModel, DistilBertModel, MPNetModel,
ModernBertModel, Qwen3Model, or their *ForMaskedLM for checkpoints whose tensors sit under the "bert." /
"roberta." / "distilbert." / "mpnet." / "model." prefix), with weights re-drawn larger than
transformers' init (std 0.02 would make every layer nearly the identity), saves it with
save_pretrained (safetensors, F32) into <name>/, reloads it with AutoModel.from_pretrained (what
a user gets), and writes <name>/expected.safetensors:

    seq{i}.ids, seq{i}.type_ids           I32 [L]   the i-th sequence (no special tokens added)
    seq{i}.batch_hidden_state             F32 [L, H] last hidden state of the sequence when run
                                                    in one padded batch of all sequences
                                                    (attention_mask 0 on the padding)
    seq{i}.alone_hidden_state             F32 [L, H] the same sequence run alone
    seq{i}.mean_normalized                F32 [H]   mean over its tokens, then L2-normalized
    seq{i}.cls_normalized                 F32 [H]   first token, L2-normalized
    seq{i}.last_normalized                F32 [H]   Qwen3 only: last token, L2-normalized

MPNet fixtures also hold transformers' own relative position buckets (MPNetEncoder's
relative_position_bucket, 32 buckets, max_distance 128), checked by the C++ bucket function:

    relative_position_bucket.distance    I32 [N]   key-minus-query distances, -600 .. 600
    relative_position_bucket.bucket      I32 [N]   their buckets

The reference forward runs in float64 (the F32 weights are exact in float64; attention
"eager"), pooling as sentence-transformers' Pooling + Normalize do. Position ids are left to
transformers (RoBERTa's create_position_ids_from_input_ids). RoBERTa-family configurations put a
pad_token_id inside one sequence, attended to (attention_mask 1): transformers gives that token
position padding_idx and does not count it, and the C++ side must match. MPNet does the same with
its fixed padding_idx 1; its configurations have sequences longer than the bias buckets'
boundaries (8, 11, 16, 22, 32, 45, 64, 90, 128 tokens apart) and than max_distance.

The C++ test is tests/unit/model/family_reference_test.cc.
"""
import json
import os
import shutil
import sys

import torch
from safetensors.torch import save_file
from transformers import (AutoModel, BertConfig, BertForMaskedLM, BertModel, CamembertConfig,
                          CamembertModel, DistilBertConfig, DistilBertForMaskedLM,
                          DistilBertModel, ModernBertConfig, ModernBertForMaskedLM,
                          ModernBertModel, MPNetConfig, MPNetForMaskedLM, MPNetModel, Qwen3Config,
                          Qwen3Model,
                          RobertaConfig, RobertaForMaskedLM, RobertaModel, XLMRobertaConfig,
                          XLMRobertaModel)

HERE = os.path.dirname(os.path.abspath(__file__))

# Head dims 20 and 24 (not a power of two), intermediate sizes that are not multiples of 16,
# 2 to 4 layers, every family with and without its prefix where a task head saves one.
CONFIGS = [
    dict(name="bert_h60_heads3", cls=BertModel, config=BertConfig, type_ids=True,
         kw=dict(vocab_size=120, hidden_size=60, num_hidden_layers=3, num_attention_heads=3,
                 intermediate_size=100, max_position_embeddings=40, type_vocab_size=2,
                 hidden_act="gelu", pad_token_id=0)),
    dict(name="bert_prefixed_h48_heads2_tanh", cls=BertForMaskedLM, config=BertConfig,
         type_ids=True,
         kw=dict(vocab_size=90, hidden_size=48, num_hidden_layers=2, num_attention_heads=2,
                 intermediate_size=70, max_position_embeddings=32, type_vocab_size=3,
                 hidden_act="gelu_new", layer_norm_eps=1e-7, pad_token_id=0)),
    dict(name="roberta_h48_heads2", cls=RobertaModel, config=RobertaConfig, pad_inside=True,
         kw=dict(vocab_size=100, hidden_size=48, num_hidden_layers=3, num_attention_heads=2,
                 intermediate_size=70, max_position_embeddings=34, type_vocab_size=1,
                 hidden_act="gelu", layer_norm_eps=1e-5, pad_token_id=1)),
    dict(name="roberta_prefixed_h60_heads3_relu", cls=RobertaForMaskedLM, config=RobertaConfig,
         pad_inside=True,
         kw=dict(vocab_size=80, hidden_size=60, num_hidden_layers=2, num_attention_heads=3,
                 intermediate_size=84, max_position_embeddings=30, type_vocab_size=1,
                 hidden_act="relu", layer_norm_eps=1e-5, pad_token_id=1)),
    dict(name="xlm-roberta_h40_heads2", cls=XLMRobertaModel, config=XLMRobertaConfig,
         pad_inside=True,
         kw=dict(vocab_size=110, hidden_size=40, num_hidden_layers=4, num_attention_heads=2,
                 intermediate_size=52, max_position_embeddings=30, type_vocab_size=1,
                 hidden_act="gelu", layer_norm_eps=1e-5, pad_token_id=1)),
    # pad_token_id 4: positions start at 5, 28 rows take 23 tokens.
    dict(name="camembert_h48_heads2_pad4", cls=CamembertModel, config=CamembertConfig,
         pad_inside=True,
         kw=dict(vocab_size=70, hidden_size=48, num_hidden_layers=2, num_attention_heads=2,
                 intermediate_size=66, max_position_embeddings=28, type_vocab_size=1,
                 hidden_act="gelu", layer_norm_eps=1e-5, pad_token_id=4)),
    dict(name="distilbert_h48_heads2", cls=DistilBertModel, config=DistilBertConfig,
         kw=dict(vocab_size=100, dim=48, n_layers=3, n_heads=2, hidden_dim=90,
                 max_position_embeddings=32, activation="gelu", pad_token_id=0)),
    dict(name="distilbert_prefixed_h60_heads3_relu", cls=DistilBertForMaskedLM,
         config=DistilBertConfig,
         kw=dict(vocab_size=80, dim=60, n_layers=2, n_heads=3, hidden_dim=100,
                 max_position_embeddings=24, activation="relu", pad_token_id=0)),
    # ModernBERT: local windows (local_attention 8: +-4 tokens; 7: +-3) far shorter than the
    # longest sequence, a global layer every 3rd / 2nd layer, head dims 24 and 20, intermediate
    # sizes 70 and 50. The first has transformers' defaults (no biases, rope thetas 160000 /
    # 10000); the prefixed one every bias (norm, attention, MLP), tanh GELU and thetas small
    # enough that every rotary frequency turns within 32 positions.
    dict(name="modernbert_h48_heads2_w8", cls=ModernBertModel, config=ModernBertConfig,
         kw=dict(vocab_size=100, hidden_size=48, num_hidden_layers=4, num_attention_heads=2,
                 intermediate_size=70, max_position_embeddings=40, local_attention=8,
                 global_attn_every_n_layers=3, hidden_activation="gelu", pad_token_id=0,
                 bos_token_id=1, eos_token_id=2, cls_token_id=1, sep_token_id=2)),
    dict(name="modernbert_prefixed_h60_heads3_w7_bias", cls=ModernBertForMaskedLM,
         config=ModernBertConfig,
         kw=dict(vocab_size=90, hidden_size=60, num_hidden_layers=3, num_attention_heads=3,
                 intermediate_size=50, max_position_embeddings=32, local_attention=7,
                 global_attn_every_n_layers=2, hidden_activation="gelu_pytorch_tanh",
                 norm_bias=True, attention_bias=True, mlp_bias=True, norm_eps=1e-6,
                 global_rope_theta=1000.0, local_rope_theta=100.0, pad_token_id=0,
                 bos_token_id=1, eos_token_id=2, cls_token_id=1, sep_token_id=2)),
    # Sequences of up to 160 tokens: several of the C++ side's 64-row query blocks under a
    # +-8-token window.
    dict(name="modernbert_h32_heads2_w16_len160", cls=ModernBertModel, config=ModernBertConfig,
         kw=dict(vocab_size=60, hidden_size=32, num_hidden_layers=3, num_attention_heads=2,
                 intermediate_size=40, max_position_embeddings=160, local_attention=16,
                 global_attn_every_n_layers=2, hidden_activation="gelu", pad_token_id=0,
                 bos_token_id=1, eos_token_id=2, cls_token_id=1, sep_token_id=2)),
    # Head dim 15 (odd); 148 tokens: distances past max_distance 128, lengths across the bucket
    # boundaries.
    dict(name="mpnet_h60_heads4", cls=MPNetModel, config=MPNetConfig, pad_inside=True,
         lengths=[1, 2, 9, 12, 17, 23, 33, 46, 65, 91, 129, 145, 148],
         kw=dict(vocab_size=100, hidden_size=60, num_hidden_layers=2, num_attention_heads=4,
                 intermediate_size=76, max_position_embeddings=150, hidden_act="gelu",
                 layer_norm_eps=1e-5, relative_attention_num_buckets=32, pad_token_id=1)),
    # The MaskedLM checkpoint ("mpnet." prefix), a bias table with more rows than the 32 buckets
    # used, tanh GELU.
    dict(name="mpnet_prefixed_h48_heads2_tanh", cls=MPNetForMaskedLM, config=MPNetConfig,
         pad_inside=True, lengths=[1, 3, 8, 16, 30, 47, 60],
         kw=dict(vocab_size=90, hidden_size=48, num_hidden_layers=3, num_attention_heads=2,
                 intermediate_size=70, max_position_embeddings=62, hidden_act="gelu_new",
                 layer_norm_eps=1e-12, relative_attention_num_buckets=40, pad_token_id=1)),
    # Qwen3 (Qwen3-Embedding's architecture): causal attention with grouped-query heads (4 query
    # heads over 2 key/value heads; 3 over 1), a head_dim that is not hidden / heads (16 vs 12,
    # 20 vs 16), intermediate sizes 70 and 50, q_norm / k_norm, SwiGLU, RMSNorm. Sequences of up
    # to 100 tokens: two of the C++ side's 64-row query blocks. The second has q/k/v/o biases
    # (attention_bias) and a small rope_theta, so that every rotary frequency turns.
    dict(name="qwen3_h48_heads4_kv2_hd16", cls=Qwen3Model, config=Qwen3Config,
         lengths=[1, 2, 5, 9, 16, 63, 64, 65, 97, 100],
         kw=dict(vocab_size=100, hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, head_dim=16, intermediate_size=70,
                 max_position_embeddings=100, rms_norm_eps=1e-6, rope_theta=10000.0,
                 hidden_act="silu", pad_token_id=0)),
    dict(name="qwen3_h64_heads3_kv1_hd20_bias", cls=Qwen3Model, config=Qwen3Config,
         lengths=[1, 3, 8, 17, 40, 70],
         kw=dict(vocab_size=90, hidden_size=64, num_hidden_layers=2, num_attention_heads=3,
                 num_key_value_heads=1, head_dim=20, intermediate_size=50,
                 max_position_embeddings=70, rms_norm_eps=1e-5, rope_theta=100.0,
                 attention_bias=True, hidden_act="silu", pad_token_id=0)),
]


def max_tokens(c):
    kw = c["kw"]
    if c["config"] in (RobertaConfig, XLMRobertaConfig, CamembertConfig):
        return kw["max_position_embeddings"] - kw["pad_token_id"] - 1
    if c["config"] is MPNetConfig:
        return kw["max_position_embeddings"] - 2  # MPNetEmbeddings.padding_idx is 1, always
    return kw["max_position_embeddings"]


def redraw_weights(model, gen):
    """Weights large enough that attention and the FFN matter (transformers' init is tiny)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ("LayerNorm" in name or "layer_norm" in name or
                    name.split(".")[-2].endswith("norm")):
                if name.endswith("weight"):
                    p.copy_(1 + 0.1 * torch.randn(p.shape, generator=gen))
                else:
                    p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif "embeddings" in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
            elif name.endswith("weight"):
                p.copy_(1.2 / p.shape[1] ** 0.5 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))


def make_sequences(c, gen):
    kw = c["kw"]
    vocab, pad = kw["vocab_size"], kw["pad_token_id"]
    top = max_tokens(c)
    lengths = c.get("lengths", [1, 2, 5, 9, 16, top - 3, top])
    assert max(lengths) == top, (c["name"], top)
    seqs = []
    for k, n in enumerate(lengths):
        ids = torch.randint(0, vocab, (n,), generator=gen)
        ids[ids == pad] = (pad + 1) % vocab  # padding only where placed on purpose
        if c.get("pad_inside") and k in (3, len(lengths) - 1):
            ids[n // 2] = pad  # a real token equal to pad_token_id, attended to
        types = torch.zeros(n, dtype=torch.long)
        if c.get("type_ids") and n > 1:
            types[n // 2:] = 1
            if kw.get("type_vocab_size", 2) > 2:
                types[-1] = 2
        seqs.append((ids, types))
    return seqs


def run(model, c, seqs):
    """Last hidden states of `seqs` in one padded batch, and of each alone (float64)."""
    pad = c["kw"]["pad_token_id"]
    longest = max(len(s[0]) for s in seqs)
    ids = torch.full((len(seqs), longest), pad, dtype=torch.long)
    types = torch.zeros((len(seqs), longest), dtype=torch.long)
    mask = torch.zeros((len(seqs), longest), dtype=torch.long)
    for i, (s, t) in enumerate(seqs):
        ids[i, :len(s)] = s
        types[i, :len(s)] = t
        mask[i, :len(s)] = 1

    def forward(ids, types, mask):
        kwargs = dict(input_ids=ids, attention_mask=mask)
        if c.get("type_ids"):
            kwargs["token_type_ids"] = types
        with torch.no_grad():
            return model(**kwargs).last_hidden_state

    batch = forward(ids, types, mask)
    batch_out = [batch[i, :len(s)] for i, (s, _) in enumerate(seqs)]
    alone_out = [forward(s[None], t[None], torch.ones((1, len(s)), dtype=torch.long))[0]
                 for s, t in seqs]
    return batch_out, alone_out


def generate(c):
    out_dir = os.path.join(HERE, c["name"])
    shutil.rmtree(out_dir, ignore_errors=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(sum(map(ord, c["name"])))
    config = c["config"](**c["kw"])
    model = c["cls"](config)
    redraw_weights(model, gen)
    model.save_pretrained(out_dir)
    # Only what a model directory needs: config.json and model.safetensors.
    for f in os.listdir(out_dir):
        if f not in ("config.json", "model.safetensors"):
            os.remove(os.path.join(out_dir, f))

    # What a user of the saved directory gets, in float64.
    ref = AutoModel.from_pretrained(out_dir, attn_implementation="eager").to(torch.float64).eval()
    seqs = make_sequences(c, gen)
    batch_out, alone_out = run(ref, c, seqs)
    expected = {}
    worst_batch_vs_alone = 0.0
    for i, ((ids, types), b, a) in enumerate(zip(seqs, batch_out, alone_out)):
        p = f"seq{i}."
        expected[p + "ids"] = ids.to(torch.int32)
        expected[p + "type_ids"] = types.to(torch.int32)
        expected[p + "batch_hidden_state"] = b.to(torch.float32).contiguous()
        expected[p + "alone_hidden_state"] = a.to(torch.float32).contiguous()
        mean = a.mean(dim=0)
        expected[p + "mean_normalized"] = (mean / mean.norm()).to(torch.float32)
        expected[p + "cls_normalized"] = (a[0] / a[0].norm()).to(torch.float32)
        if c["config"] is Qwen3Config:  # Qwen3-Embedding pools the last token
            expected[p + "last_normalized"] = (a[-1] / a[-1].norm()).to(torch.float32)
        worst_batch_vs_alone = max(worst_batch_vs_alone, (a - b).abs().max().item())
    # Padding and batching must not change transformers' own result. (Qwen3's padded batch
    # differs from alone by ~4e-7 in float64 already: transformers' rotary angles are computed
    # in float32 on a batch-shaped matmul.)
    bound = 1e-6 if c["config"] is Qwen3Config else 1e-10
    assert worst_batch_vs_alone < bound, (c["name"], worst_batch_vs_alone)
    if c["config"] is MPNetConfig:
        distance = torch.arange(-600, 601)
        bucket = ref.encoder.relative_position_bucket(distance, num_buckets=32, max_distance=128)
        expected["relative_position_bucket.distance"] = distance.to(torch.int32)
        expected["relative_position_bucket.bucket"] = bucket.to(torch.int32)
    save_file(expected, os.path.join(out_dir, "expected.safetensors"))
    with open(os.path.join(out_dir, "config.json")) as f:
        model_type = json.load(f)["model_type"]
    size = sum(os.path.getsize(os.path.join(out_dir, f)) for f in os.listdir(out_dir))
    print(f"{c['name']}: model_type {model_type}, {len(seqs)} sequences up to {max_tokens(c)} "
          f"tokens, {size / 1024:.0f} KiB, batch vs alone {worst_batch_vs_alone:.1e}")
    return size


def main():
    # Optional arguments: the names of the configurations to (re)generate; default all.
    only = set(sys.argv[1:])
    unknown = only - {c["name"] for c in CONFIGS}
    assert not unknown, f"unknown configurations: {sorted(unknown)}"
    total = sum(generate(c) for c in CONFIGS if not only or c["name"] in only)
    print(f"total {total / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
