"""Random-init BERT-base and ModernBERT-base shaped models for bench/modernbert_vs_bert.sh.

    ~/.cache/attnserve-stvenv/bin/python bench/make_random_models.py OUT_DIR

Writes OUT_DIR/bert-base (BertModel: H 768, 12 heads, 12 layers, I 3072, 512 positions) and
OUT_DIR/modernbert-base-l12 (ModernBertModel with ModernBERT-base's settings — I 1152 GeGLU,
local_attention 128, a global layer every 3rd, 8192 positions — but 12 layers, so the two stacks
are the same depth, width and heads). Random weights: speed does not depend on them.
"""
import os
import sys

import torch
from transformers import BertConfig, BertModel, ModernBertConfig, ModernBertModel


def save(model, path):
    model.save_pretrained(path)
    for f in os.listdir(path):
        if f not in ("config.json", "model.safetensors"):
            os.remove(os.path.join(path, f))


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    save(BertModel(BertConfig(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                              intermediate_size=3072, max_position_embeddings=512)),
         os.path.join(out, "bert-base"))
    save(ModernBertModel(ModernBertConfig(hidden_size=768, num_hidden_layers=12,
                                          num_attention_heads=12, intermediate_size=1152,
                                          max_position_embeddings=8192, local_attention=128,
                                          global_attn_every_n_layers=3)),
         os.path.join(out, "modernbert-base-l12"))
    # Qwen3 at BERT-base's depth and width: 12 x 768, 12 query heads over 4 key/value heads of
    # 64, SwiGLU I 2048 (3 matrices: about BERT's 2 x 3072), causal attention.
    from transformers import Qwen3Config, Qwen3Model
    save(Qwen3Model(Qwen3Config(vocab_size=30522, hidden_size=768, num_hidden_layers=12,
                                num_attention_heads=12, num_key_value_heads=4, head_dim=64,
                                intermediate_size=2048, max_position_embeddings=8192)),
         os.path.join(out, "qwen3-l12-h768"))


if __name__ == "__main__":
    main()
