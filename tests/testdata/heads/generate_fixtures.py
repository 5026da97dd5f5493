"""Fixtures of the sequence-classification heads against Hugging Face transformers itself, and of
reranking against sentence-transformers' CrossEncoder.

Regenerate (needs torch, transformers and sentence-transformers; the default test suite needs
none of them, the outputs are committed):

    ~/.cache/attnserve-stvenv/bin/python tests/testdata/heads/generate_fixtures.py

(that virtualenv has transformers 5.23.0, torch 2.15.0 and sentence-transformers 6.2.0). The
script is deterministic: the same versions give the same files.

For each configuration in CONFIGS it builds a randomly initialised
*ForSequenceClassification model (BERT, RoBERTa, XLM-R, DistilBERT; single-label with 3 labels,
multi-label, regression and one-label cross-encoders), with weights re-drawn larger than
transformers' init, saves it with save_pretrained (safetensors, F32) into <name>/ (with id2label
and problem_type in config.json), reloads it with AutoModelForSequenceClassification (what a
user gets, float64, attention "eager") and writes <name>/expected.safetensors:

    seq{i}.ids, seq{i}.type_ids   I32 [L]          the i-th sequence, special tokens included;
                                                   odd i are sentence pairs in the family's pair
                                                   layout ([CLS] a [SEP] b [SEP] with type ids
                                                   0/1 for BERT, <s> a </s></s> b </s> for RoBERTa)
    seq{i}.logits                 F32 [num_labels] the logits, all sequences in one padded batch
    seq{i}.scores                 F32 [num_labels] softmax / sigmoid / identity of them, as the
                                                   problem type says (attnserve's Predict)

Configurations with a tokenizer ("tokenizer": True) also get a WordPiece tokenizer.json (built
with transformers' BertTokenizerFast from the small vocabulary VOCAB) and <name>/rerank.json: a query,
texts, the ids Hugging Face's tokenizer gives each (query, text) pair, the float64 logits of
AutoModelForSequenceClassification on them, and sentence-transformers' CrossEncoder.predict
scores (its default activation, sigmoid, for one label) and CrossEncoder.rank order.

The C++ tests are tests/unit/model/classifier_reference_test.cc and
tests/integration/rerank_test.cc.
"""
import json
import os
import shutil

import torch
from safetensors.torch import save_file
from transformers import (AutoModelForSequenceClassification, BertConfig,
                          BertForSequenceClassification, BertTokenizerFast, DistilBertConfig,
                          DistilBertForSequenceClassification, RobertaConfig,
                          RobertaForSequenceClassification, XLMRobertaConfig,
                          XLMRobertaForSequenceClassification)

HERE = os.path.dirname(os.path.abspath(__file__))

WORDS = ("the a of and to in is was for on with as by at from that this it be are "
         "deep learning neural network model search query passage rerank score text "
         "cat dog bird fish tree river city paris london france capital weather sunny "
         "rain cold hot music song film book read write code server fast slow").split()
# Each token once ("a" is a word and a letter).
VOCAB = list(dict.fromkeys(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS +
                           ["##s", "##ing", "##ed", ".", ",", "?", "!"] +
                           list("abcdefghijklmnopqrstuvwxyz")))

LABELS3 = {0: "negative", 1: "neutral", 2: "positive"}

CONFIGS = [
    dict(name="bert_single_label3", cls=BertForSequenceClassification, config=BertConfig,
         layout="bert", type_ids=True,
         kw=dict(vocab_size=len(VOCAB), hidden_size=48, num_hidden_layers=2,
                 num_attention_heads=2, intermediate_size=70, max_position_embeddings=40,
                 type_vocab_size=2, hidden_act="gelu", pad_token_id=0, id2label=LABELS3,
                 label2id={v: k for k, v in LABELS3.items()},
                 problem_type="single_label_classification")),
    # A cross-encoder: one label, no problem_type (sigmoid scores, as CrossEncoder gives).
    dict(name="bert_reranker", cls=BertForSequenceClassification, config=BertConfig,
         layout="bert", type_ids=True, tokenizer=True,
         kw=dict(vocab_size=len(VOCAB), hidden_size=40, num_hidden_layers=2,
                 num_attention_heads=2, intermediate_size=64, max_position_embeddings=48,
                 type_vocab_size=2, hidden_act="gelu", pad_token_id=0, num_labels=1)),
    dict(name="roberta_multi_label4", cls=RobertaForSequenceClassification,
         config=RobertaConfig, layout="roberta",
         kw=dict(vocab_size=90, hidden_size=48, num_hidden_layers=2, num_attention_heads=2,
                 intermediate_size=70, max_position_embeddings=34, type_vocab_size=1,
                 hidden_act="gelu", layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0,
                 eos_token_id=2, num_labels=4, problem_type="multi_label_classification")),
    dict(name="xlm-roberta_regression", cls=XLMRobertaForSequenceClassification,
         config=XLMRobertaConfig, layout="roberta",
         kw=dict(vocab_size=100, hidden_size=40, num_hidden_layers=3, num_attention_heads=2,
                 intermediate_size=52, max_position_embeddings=30, type_vocab_size=1,
                 hidden_act="gelu", layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0,
                 eos_token_id=2, num_labels=1, problem_type="regression")),
    # No problem_type and 3 labels: softmax.
    dict(name="distilbert_labels3", cls=DistilBertForSequenceClassification,
         config=DistilBertConfig, layout="bert",
         kw=dict(vocab_size=80, dim=48, n_layers=2, n_heads=2, hidden_dim=90,
                 max_position_embeddings=32, activation="gelu", pad_token_id=0,
                 num_labels=3)),
]


def max_tokens(c):
    kw = c["kw"]
    if c["layout"] == "roberta":
        return kw["max_position_embeddings"] - kw["pad_token_id"] - 1
    return kw["max_position_embeddings"]


def redraw_weights(model, gen):
    """Weights large enough that attention, the FFN and the head matter."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name or "layer_norm" in name:
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


def special_ids(c):
    if c["layout"] == "roberta":
        return 0, 2, True  # <s>, </s>, pairs joined by </s></s>
    return 2, 3, False      # [CLS], [SEP]


def make_sequences(c, gen):
    """Single texts (even i) and pairs (odd i), special tokens included."""
    kw = c["kw"]
    vocab = kw["vocab_size"]
    cls, sep, double_sep = special_ids(c)
    top = max_tokens(c)

    def words(n):
        return torch.randint(5, vocab, (n,), generator=gen).tolist()

    seqs = []
    for k, n in enumerate([1, 4, 9, 14, top - 2, top - 6, top - 2]):
        if k % 2 == 0:
            ids = [cls] + words(n) + [sep]
            types = [0] * len(ids)
        else:
            a, b = n // 3 + 1, n - n // 3
            first = [cls] + words(a) + [sep]
            second = ([sep] if double_sep else []) + words(b) + [sep]
            ids = first + second
            types = [0] * len(first) + [1 if c.get("type_ids") else 0] * len(second)
        ids, types = ids[:top], types[:top]
        seqs.append((torch.tensor(ids), torch.tensor(types)))
    return seqs


def scores(c, logits):
    pt = c["kw"].get("problem_type")
    n = logits.shape[-1]
    if pt == "regression":
        return logits
    if pt == "multi_label_classification" or (pt is None and n == 1):
        return torch.sigmoid(logits)
    return torch.softmax(logits, dim=-1)


def run(model, c, seqs):
    pad = c["kw"]["pad_token_id"]
    longest = max(len(s[0]) for s in seqs)
    ids = torch.full((len(seqs), longest), pad, dtype=torch.long)
    types = torch.zeros((len(seqs), longest), dtype=torch.long)
    mask = torch.zeros((len(seqs), longest), dtype=torch.long)
    for i, (s, t) in enumerate(seqs):
        ids[i, :len(s)] = s
        types[i, :len(s)] = t
        mask[i, :len(s)] = 1
    kwargs = dict(input_ids=ids, attention_mask=mask)
    if c.get("type_ids"):
        kwargs["token_type_ids"] = types
    with torch.no_grad():
        return model(**kwargs).logits


def write_tokenizer(out_dir, c):
    # transformers 5 takes the vocabulary itself (`vocab`), not a vocab.txt path.
    tok = BertTokenizerFast(vocab={t: i for i, t in enumerate(VOCAB)}, do_lower_case=True,
                            model_max_length=c["kw"]["max_position_embeddings"])
    tok.save_pretrained(out_dir)
    return tok


def rerank_fixture(out_dir, c, tok, ref):
    from sentence_transformers import CrossEncoder
    query = "What is the capital of France?"
    texts = ["Paris is the capital of France.",
             "The weather in London is cold and rain falls.",
             "Deep learning models rerank search passages fast.",
             "A cat and a dog read a book by the river.",
             "France has a capital city, Paris, on a river.",
             "Music, songs and films!"]
    enc = [tok(query, t) for t in texts]
    batch = tok([query] * len(texts), texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = ref(**batch).logits[:, 0]
    ce = CrossEncoder(out_dir, device="cpu")
    ce_scores = ce.predict([(query, t) for t in texts], convert_to_numpy=True)
    ranks = ce.rank(query, texts)
    out = dict(query=query, texts=texts,
               ids=[e["input_ids"] for e in enc], type_ids=[e["token_type_ids"] for e in enc],
               logits=[float(x) for x in logits],
               cross_encoder_scores=[float(x) for x in ce_scores],
               cross_encoder_order=[int(r["corpus_id"]) for r in ranks])
    with open(os.path.join(out_dir, "rerank.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    worst = max(abs(float(torch.sigmoid(l)) - s) for l, s in zip(logits, ce_scores))
    return worst


def generate(c):
    out_dir = os.path.join(HERE, c["name"])
    shutil.rmtree(out_dir, ignore_errors=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(sum(map(ord, c["name"])))
    model = c["cls"](c["config"](**c["kw"]))
    redraw_weights(model, gen)
    model.save_pretrained(out_dir)
    for f in os.listdir(out_dir):
        if f not in ("config.json", "model.safetensors"):
            os.remove(os.path.join(out_dir, f))
    tok = write_tokenizer(out_dir, c) if c.get("tokenizer") else None
    keep = {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}
    for f in os.listdir(out_dir):
        if f not in keep:
            os.remove(os.path.join(out_dir, f))

    ref = AutoModelForSequenceClassification.from_pretrained(
        out_dir, attn_implementation="eager").to(torch.float64).eval()
    seqs = make_sequences(c, gen)
    logits = run(ref, c, seqs)
    expected = {}
    for i, ((ids, types), l) in enumerate(zip(seqs, logits)):
        p = f"seq{i}."
        expected[p + "ids"] = ids.to(torch.int32)
        expected[p + "type_ids"] = types.to(torch.int32)
        expected[p + "logits"] = l.to(torch.float32).contiguous()
        expected[p + "scores"] = scores(c, l).to(torch.float32).contiguous()
    save_file(expected, os.path.join(out_dir, "expected.safetensors"))
    extra = ""
    if tok is not None:
        extra = f", CrossEncoder vs float64 sigmoid {rerank_fixture(out_dir, c, tok, ref):.1e}"
    size = sum(os.path.getsize(os.path.join(out_dir, f)) for f in os.listdir(out_dir))
    print(f"{c['name']}: {ref.config.num_labels} labels, problem_type "
          f"{ref.config.problem_type}, {len(seqs)} sequences, {size / 1024:.0f} KiB{extra}")


if __name__ == "__main__":
    for c in CONFIGS:
        generate(c)
