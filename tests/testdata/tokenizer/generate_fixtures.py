#!/usr/bin/python3
"""Regenerates expected/*.jsonl, the expected tokenization of corpus.jsonl by the four real
tokenizers in ../tokenizers. See README.md (run generate_fixtures.sh, which installs
transformers.js first).

For every line, transformers.js gives the ids; rust_semantics.py (a model of the Rust crate)
gives ids and byte offsets. Where they agree the line is "source": "transformers.js". Where they
differ, the difference must be one of transformers.js's known divergences from the Rust crate,
reproduced by switching them on in rust_semantics.py; the line then keeps the Rust result,
"source": "rust-semantics" with the reason. Any other difference stops the script.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rust_semantics  # noqa: E402

TOKENIZERS = os.path.join(HERE, "..", "tokenizers")
NAMES = ["bert-base-uncased", "bert-base-multilingual-cased", "bert-base-chinese",
         "baai-bge-small-en"]
# transformers.js 4.3.1's known differences from the Rust crate (switches of rust_semantics).
JS_DIVERGENCES = {
    "bmp_cjk_only": "transformers.js does not isolate astral-plane CJK ideographs (it tests "
                    "UTF-16 code units); the Rust crate does",
    "final_sigma": "transformers.js lowercases with String.toLowerCase (final sigma -> ς); the "
                   "Rust crate lowercases each character (Σ -> σ)",
    "lower_then_strip": "transformers.js lowercases before stripping accents; the Rust crate "
                        "strips first",
    "empty_pair_dropped": "transformers.js treats an empty text_pair as no pair; the Rust crate "
                          "encodes it ([CLS] A [SEP] [SEP])",
}


def full_tokenizer_json(name):
    path = os.path.join(TOKENIZERS, name, "tokenizer.json")
    vocab_path = os.path.join(TOKENIZERS, name, "vocab.txt")
    with open(vocab_path, encoding="utf-8") as f:
        vocab = f.read().split("\n")
    if vocab and vocab[-1] == "":
        vocab.pop()
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            j = json.load(f)
        assert j["model"]["vocab"] == {t: i for i, t in enumerate(vocab)}, name
        return j
    with open(os.path.join(TOKENIZERS, name, "tokenizer.skeleton.json"), encoding="utf-8") as f:
        j = json.load(f)
    j["model"]["vocab"] = {t: i for i, t in enumerate(vocab)}
    return j


def load_ages():
    """Unicode version in which each code point was assigned, from Debian's unicode-data."""
    ages = {}
    path = "/usr/share/unicode/DerivedAge.txt"
    if not os.path.exists(path):
        sys.exit("generate_fixtures: needs /usr/share/unicode/DerivedAge.txt "
                 "(scripts/install-deps.sh --fixtures)")
    with open(path) as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            cps, age = [x.strip() for x in line.split(";")]
            lo, _, hi = cps.partition("..")
            for cp in range(int(lo, 16), int(hi or lo, 16) + 1):
                ages[cp] = tuple(int(x) for x in age.split("."))
    return ages


def check_classes(classes_path, ages):
    """Every code point of the corpus must have the same classes in Python's Unicode tables, in
    node's, and (for the classes the Rust crate takes from its Unicode 8 tables) be assigned by
    Unicode 8.0."""
    with open(classes_path) as f:
        info = json.load(f)
    bad = []
    for cp_str, (js_control, js_punct, js_mn, js_cn, js_ws) in info["classes"].items():
        cp = int(cp_str)
        cat = unicodedata.category(chr(cp))
        py = [cat in ("Cc", "Cf", "Co"), cat.startswith("P"), cat == "Mn", cat == "Cn"]
        if py != [js_control, js_punct, js_mn, js_cn]:
            bad.append(f"U+{cp:04X}: python {cat}, node {[js_control, js_punct, js_mn, js_cn]}")
        if cat in ("Cc", "Cf", "Co", "Mn") or cat.startswith("P"):
            if ages.get(cp, (99,)) > (8, 0):
                bad.append(f"U+{cp:04X} ({cat}) is newer than Unicode 8.0, the Rust crate's tables")
        noncharacter = (cp & 0xFFFE) == 0xFFFE or 0xFDD0 <= cp <= 0xFDEF
        if cat == "Cn" and cp in ages and not noncharacter:
            bad.append(f"U+{cp:04X} is unassigned in Python but assigned in Unicode {ages[cp]}")
    if bad:
        sys.exit("generate_fixtures: version-dependent code points in the corpus:\n  " +
                 "\n  ".join(bad))
    return info


def explain(tok, text, pair, js_ids):
    """Names the known divergences that turn the Rust result into transformers.js's."""
    def ids(js):
        return tok.encode(text, pair, js)["ids"]
    if ids({k: True for k in JS_DIVERGENCES}) != js_ids:
        return None
    rust = ids({})
    return [k for k in JS_DIVERGENCES if ids({k: True}) != rust] or list(JS_DIVERGENCES)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--node-modules", required=True)
    args = ap.parse_args()
    corpus = os.path.join(HERE, "corpus.jsonl")
    with open(corpus, encoding="utf-8") as f:
        lines = [json.loads(l) for l in f if l.strip()]
    ages = load_ages()
    os.makedirs(os.path.join(HERE, "expected"), exist_ok=True)
    js_results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in NAMES:
            d = os.path.join(tmp, name)
            os.makedirs(d)
            with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
                json.dump(full_tokenizer_json(name), f, ensure_ascii=False)
            with open(os.path.join(TOKENIZERS, name, "tokenizer_config.json")) as src, \
                    open(os.path.join(d, "tokenizer_config.json"), "w") as dst:
                dst.write(src.read())
            out = os.path.join(tmp, name + ".js.jsonl")
            classes = os.path.join(tmp, "classes.json")
            subprocess.run(["node", os.path.join(HERE, "js_tokenize.mjs"), args.node_modules, d,
                            corpus, out, classes], check=True)
            info = check_classes(classes, ages)
            with open(out) as f:
                js_results[name] = [json.loads(l) for l in f if l.strip()]
            assert len(js_results[name]) == len(lines)
            tok = rust_semantics.Tokenizer(os.path.join(d, "tokenizer.json"))
            if name == "baai-bge-small-en":
                same = js_results[name] == js_results["bert-base-uncased"]
                assert same, "bge-small-en differs from bert-base-uncased"
                header = {"tokenizer": name, "same_as": "bert-base-uncased", "lines": len(lines)}
                with open(os.path.join(HERE, "expected", name + ".jsonl"), "w") as f:
                    f.write(json.dumps(header) + "\n")
                print(f"{name}: transformers.js output identical to bert-base-uncased's")
                continue
            rows, n_rust, unexplained = [], 0, []
            for i, (line, js) in enumerate(zip(lines, js_results[name])):
                text, pair = line["text"], line.get("text_pair")
                r = tok.encode(text, pair)
                row = {"ids": r["ids"]}
                if pair is not None:
                    row["type_ids"] = r["type_ids"]
                row["offsets"] = [x for o in r["offsets"] for x in o]
                if r["ids"] == js["ids"] and r["type_ids"] == js["type_ids"]:
                    pass
                else:
                    why = explain(tok, text, pair, js["ids"])
                    if why is None or r["type_ids"] != tok.encode(text, pair)["type_ids"]:
                        unexplained.append((i + 1, text, pair, r["tokens"],
                                            [tok.id_to_token.get(x) for x in js["ids"]]))
                        continue
                    row["source"] = "rust-semantics"
                    row["reason"] = "; ".join(JS_DIVERGENCES[k] for k in why)
                    row["transformers_js_ids"] = js["ids"]
                    n_rust += 1
                rows.append(row)
            if unexplained:
                for u in unexplained[:20]:
                    print("UNEXPLAINED line %d: %r %r\n  rust: %s\n  js:   %s" % u)
                sys.exit(f"{name}: {len(unexplained)} lines differ for unknown reasons")
            header = {"tokenizer": name, "lines": len(lines),
                      "transformers_js": info["transformers_js"], "node": info["node"],
                      "node_unicode": info["unicode"],
                      "python_unicode": unicodedata.unidata_version,
                      "rust_semantics_lines": n_rust,
                      "note": "ids: transformers.js, except lines with source=rust-semantics; "
                              "offsets (flat [start, end, ...], bytes of the UTF-8 of text or "
                              "text_pair): rust_semantics.py"}
            with open(os.path.join(HERE, "expected", name + ".jsonl"), "w", encoding="utf-8") as f:
                f.write(json.dumps(header) + "\n")
                for row in rows:
                    f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            print(f"{name}: {len(rows)} lines, {n_rust} with Rust semantics "
                  f"(transformers.js differs for a known reason)")


if __name__ == "__main__":
    main()
