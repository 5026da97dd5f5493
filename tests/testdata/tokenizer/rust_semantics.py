#!/usr/bin/python3
"""A plain-Python model of Hugging Face's Rust `tokenizers` for BERT tokenizer.json files
(BertNormalizer, BertPreTokenizer, WordPiece, non-normalized added tokens, TemplateProcessing),
with byte offsets into the original UTF-8. Stdlib only (unicodedata).

It follows the Rust crate as written (tokenizers/src/normalizers/bert.rs, pre_tokenizers/bert.rs,
models/wordpiece/mod.rs, tokenizer/added_vocabulary.rs, tokenizer/normalizer.rs):
  * clean_text drops U+0000, U+FFFD and Cc/Cf/Co except \\t\\n\\r (unicode_categories 0.1.1's
    is_other() has no Cn: unassigned code points are kept), maps White_Space to ' ';
  * handle_chinese_chars isolates the CJK blocks, Ext-E from 0x2B920 (sic);
  * strip_accents (null follows lowercase) = NFD, drop Mn; it runs BEFORE lowercase;
  * lowercase is char::to_lowercase per character (no final-sigma rule);
  * offsets: each normalized character keeps the byte range of the original character.

The `js_*` switches reproduce transformers.js 4.3.1's known differences, so that
generate_fixtures can explain every line where transformers.js disagrees with this model.
"""
import json
import re
import unicodedata

WHITE_SPACE = set([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F,
                   0x205F, 0x3000] + list(range(0x2000, 0x200B)))


def is_chinese(cp, rust_ranges=True, bmp_only=False):
    if bmp_only and cp > 0xFFFF:
        return False
    ext_e_start = 0x2B920 if rust_ranges else 0x2B820
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F
            or ext_e_start <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def is_control(c):
    if c in "\t\n\r":
        return False
    return unicodedata.category(c) in ("Cc", "Cf", "Co")


def is_punct(c):
    cp = ord(c)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(c).startswith("P")


def nfd_aligned(chars):
    """chars: [(c, s, e)] -> canonical decomposition with canonical ordering, each output
    character keeping the range of the character it came from."""
    out = []
    for c, s, e in chars:
        for d in unicodedata.normalize("NFD", c):
            out.append((d, s, e))
    # Canonical ordering: stable sort of each run of non-starters by combining class.
    i = 0
    while i < len(out):
        if unicodedata.combining(out[i][0]) == 0:
            i += 1
            continue
        j = i
        while j < len(out) and unicodedata.combining(out[j][0]) != 0:
            j += 1
        out[i:j] = sorted(out[i:j], key=lambda x: unicodedata.combining(x[0]))
        i = j
    assert "".join(x[0] for x in out) == unicodedata.normalize("NFD", "".join(x[0] for x in chars))
    return out


class Tokenizer:
    def __init__(self, tokenizer_json_path):
        with open(tokenizer_json_path, encoding="utf-8") as f:
            j = json.load(f)
        m = j["model"]
        self.vocab = m["vocab"]
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        self.unk = m["unk_token"]
        self.prefix = m.get("continuing_subword_prefix", "##")
        self.max_chars = m.get("max_input_chars_per_word", 100)
        n = j["normalizer"]
        assert n["type"] == "BertNormalizer"
        self.clean_text = n["clean_text"]
        self.chinese = n["handle_chinese_chars"]
        self.lowercase = n["lowercase"]
        self.strip = n["strip_accents"] if n["strip_accents"] is not None else self.lowercase
        assert j["pre_tokenizer"]["type"] == "BertPreTokenizer"
        self.added = j.get("added_tokens") or []
        for a in self.added:
            assert not a["normalized"] and not a["lstrip"] and not a["rstrip"] and not a["single_word"]
        contents = sorted((a["content"] for a in self.added), key=len, reverse=True)
        self.added_re = re.compile("|".join(re.escape(c) for c in contents)) if contents else None
        self.added_ids = {a["content"]: a["id"] for a in self.added}
        pp = j["post_processor"]
        assert pp["type"] == "TemplateProcessing"
        self.single, self.pair, self.special = pp["single"], pp["pair"], pp["special_tokens"]

    # --- one piece of text between added tokens -------------------------------------------
    def _normalize(self, text, base, js):
        """text: a str piece whose first character starts at byte `base` of the original.
        Returns [(c, s, e)] normalized characters with original byte ranges."""
        chars = []
        pos = base
        for c in text:
            n = len(c.encode("utf-8"))
            chars.append((c, pos, pos + n))
            pos += n
        if self.clean_text:
            out = []
            for c, s, e in chars:
                cp = ord(c)
                if cp == 0 or cp == 0xFFFD or is_control(c):
                    continue
                out.append((" " if cp in WHITE_SPACE else c, s, e))
            chars = out
        if self.chinese:
            out = []
            for c, s, e in chars:
                if is_chinese(ord(c), rust_ranges=not js.get("ext_e_2b820"), bmp_only=js.get("bmp_cjk_only")):
                    out += [(" ", s, e), (c, s, e), (" ", s, e)]
                else:
                    out.append((c, s, e))
            chars = out

        def strip(chars):
            return [x for x in nfd_aligned(chars) if unicodedata.category(x[0]) != "Mn"]

        def lower(chars):
            out = []
            if js.get("final_sigma"):
                # String.prototype.toLowerCase on the whole text: Σ becomes ς by the Final_Sigma
                # context rule. str.lower() implements the same rule and otherwise equals the
                # per-character mapping, so take Σ's result from the lowered whole text.
                whole = "".join(x[0] for x in chars)
                lowered = whole.lower()
                pos = 0
                for c, s, e in chars:
                    lc = lowered[pos] if c == "\u03a3" else c.lower()
                    pos += len(c.lower())
                    out += [(l, s, e) for l in lc]
                return out
            for c, s, e in chars:
                for l in c.lower():
                    out.append((l, s, e))
            return out

        if js.get("lower_then_strip"):
            if self.lowercase:
                chars = lower(chars)
            if self.strip:
                chars = strip(chars)
        else:
            if self.strip:
                chars = strip(chars)
            if self.lowercase:
                chars = lower(chars)
        return chars

    def _pretokenize(self, chars):
        words, cur = [], []
        for x in chars:
            c = x[0]
            if ord(c) in WHITE_SPACE:
                if cur:
                    words.append(cur)
                cur = []
            elif is_punct(c):
                if cur:
                    words.append(cur)
                words.append([x])
                cur = []
            else:
                cur.append(x)
        if cur:
            words.append(cur)
        return words

    def _wordpiece(self, word):
        """word: [(c, s, e)] -> [(token, id, s, e)]"""
        text = "".join(x[0] for x in word)
        if len(word) > self.max_chars:
            return [(self.unk, self.vocab[self.unk], word[0][1], word[-1][2])]
        out, start = [], 0
        while start < len(word):
            end, found = len(word), None
            while start < end:
                sub = text[start:end]
                if start > 0:
                    sub = self.prefix + sub
                if sub in self.vocab:
                    found = sub
                    break
                end -= 1
            if found is None:
                return [(self.unk, self.vocab[self.unk], word[0][1], word[-1][2])]
            out.append((found, self.vocab[found], word[start][1], word[end - 1][2]))
            start = end
        return out

    def encode_sequence(self, text, js=None):
        js = js or {}
        pieces = []  # (is_added, str, byte_start)
        pos_chars, last = 0, 0
        spans = [(m.start(), m.end()) for m in self.added_re.finditer(text)] if self.added_re else []
        for s, e in spans:
            if s > last:
                pieces.append((False, text[last:s], last))
            pieces.append((True, text[s:e], s))
            last = e
        if last < len(text):
            pieces.append((False, text[last:], last))
        out = []
        for is_added, piece, char_start in pieces:
            base = len(text[:char_start].encode("utf-8"))
            if is_added:
                out.append((piece, self.added_ids[piece], base, base + len(piece.encode("utf-8"))))
                continue
            for w in self._pretokenize(self._normalize(piece, base, js)):
                out += self._wordpiece(w)
        return out

    def encode(self, text, pair=None, js=None):
        if js and js.get("empty_pair_dropped") and pair == "":
            pair = None
        seqs = [self.encode_sequence(text, js)]
        if pair is not None:
            seqs.append(self.encode_sequence(pair, js))
        tmpl = self.pair if pair is not None else self.single
        ids, type_ids, tokens, offsets = [], [], [], []
        for p in tmpl:
            if "SpecialToken" in p:
                st = self.special[p["SpecialToken"]["id"]]
                for i, t in zip(st["ids"], st["tokens"]):
                    ids.append(i)
                    tokens.append(t)
                    type_ids.append(p["SpecialToken"]["type_id"])
                    offsets.append([0, 0])
            else:
                seq = seqs[0 if p["Sequence"]["id"] == "A" else 1]
                for t, i, s, e in seq:
                    ids.append(i)
                    tokens.append(t)
                    type_ids.append(p["Sequence"]["type_id"])
                    offsets.append([s, e])
        return {"ids": ids, "type_ids": type_ids, "tokens": tokens, "offsets": offsets}
