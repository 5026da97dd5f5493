#!/usr/bin/env python3
"""Writes the exactness corpus: >= 20,000 deterministic lines over 40+ scripts, plus adversarial
lines, for comparing attnserve's tokenizers with Hugging Face `tokenizers` (compare.py).

  ~/.cache/attnserve-refvenv/bin/python make_corpus.py > ../testdata/tokenizer/exactness_corpus.jsonl

Needs `wordfreq` (pinned in scripts/install-references.sh) for real words of 42 languages, and
Debian's unicode-data (Scripts.txt) for the letters of the scripts wordfreq has no list for. The
same seed and the same package versions always give the same file. Each line is {"text": ...}
or {"text": ..., "text_pair": ...}, with "kind" saying where it came from.
"""
import json
import random
import sys
import unicodedata

import wordfreq

RNG = random.Random(20261202)
SCRIPTS_TXT = "/usr/share/unicode/Scripts.txt"

# Per language: sentence-ending and inner punctuation as that language writes it.
PUNCT = {
    "ar": ("؟.!", "،؛"), "fa": ("؟.!", "،؛"), "ur": ("؟۔!", "،"),
    "zh": ("。！？", "，、；："), "ja": ("。！？", "、"), "hi": ("।?!", ","), "bn": ("।?!", ","),
    "el": (".;!", ",·"), "he": (".?!", ","), "ko": (".?!", ","),
}
EXTRAS = ["2024", "3.14", "1,000", "42%", "$5", "#1", "@user", "e-mail", "COVID-19", "iPhone",
          "https://example.com/a?b=c", "foo_bar", "x86_64", "🙂", "👍🏽", "🇫🇷", "❤️", "…", "—",
          "«quoted»", "“smart”", "(parens)", "[brackets]", "don't", "l'été", "it's"]


def language_lines(lang, n):
    words = wordfreq.top_n_list(lang, 4000, wordlist="best")
    weights = [1.0 / (r + 8) for r in range(len(words))]
    ends, inner = PUNCT.get(lang, (".?!", ",;:"))
    no_space = lang in ("zh", "ja")
    out = []
    for i in range(n):
        k = RNG.randint(1, 28) if i % 10 else RNG.randint(40, 120)
        ws = RNG.choices(words, weights, k=k)
        for j in range(len(ws)):
            r = RNG.random()
            if r < 0.05:
                ws[j] = RNG.choice(EXTRAS)
            elif r < 0.08:
                ws[j] += RNG.choice(inner)
            elif r < 0.10:
                ws[j] = ws[j].upper()
        if ws and not no_space and RNG.random() < 0.7:
            ws[0] = ws[0][:1].upper() + ws[0][1:]
        text = ("" if no_space else " ").join(ws) + (RNG.choice(ends) if RNG.random() < 0.8 else "")
        out.append(text)
    return out


def script_letters():
    """Letters (L*) and marks (M*) per script name from Scripts.txt, assigned in Python's tables."""
    by_script = {}
    with open(SCRIPTS_TXT, encoding="utf-8") as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            cps, script = (p.strip() for p in line.split(";"))
            lo, _, hi = cps.partition("..")
            for cp in range(int(lo, 16), int(hi or lo, 16) + 1):
                cat = unicodedata.category(chr(cp))
                if cat[0] in "LM":
                    by_script.setdefault(script, []).append(chr(cp))
    return by_script


# Scripts with no wordfreq language: made-up words of their letters (and marks after letters).
SYNTHETIC_SCRIPTS = [
    "Armenian", "Georgian", "Ethiopic", "Thai", "Lao", "Tibetan", "Myanmar", "Khmer", "Sinhala",
    "Gujarati", "Gurmukhi", "Kannada", "Malayalam", "Telugu", "Oriya", "Mongolian", "Cherokee",
    "Canadian_Aboriginal", "Runic", "Ogham", "Yi", "Tifinagh", "Nko", "Syriac", "Thaana",
    "Javanese", "Balinese", "Coptic", "Gothic", "Cuneiform", "Egyptian_Hieroglyphs", "Vai",
    "Bamum", "Glagolitic", "Old_Italic", "Hangul", "Katakana", "Hiragana", "Bopomofo", "Tamil",
]


def synthetic_lines(letters, n):
    base = [c for c in letters if unicodedata.category(c)[0] == "L"]
    marks = [c for c in letters if unicodedata.category(c)[0] == "M"]
    out = []
    for _ in range(n):
        words = []
        for _ in range(RNG.randint(1, 12)):
            w = ""
            for _ in range(RNG.randint(1, 9)):
                w += RNG.choice(base)
                if marks and RNG.random() < 0.3:
                    w += RNG.choice(marks)
            words.append(w)
        out.append(" ".join(words) + RNG.choice(["", ".", "!", " 123", ","]))
    return out


def adversarial_lines():
    out = []
    ws = [" ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2003", "\u200b", "\u2028", "\x0b", "\x0c"]
    for w in ws:
        for n in (1, 2, 7, 64, 1000):
            out.append(f"a{w * n}b")
            out.append(f"{w * n}lead and trail{w * n}")
    out += [w * 300 for w in ws]
    for base in "aeioun":
        for n in (1, 3, 20, 200):
            out.append(f"x{base}" + "\u0301\u0308\u0323" * n + " done")
    out += [
        "👨‍👩‍👧‍👦 family", "🏳️‍🌈 flag", "🇯🇵🇺🇸🇩🇪 flags", "1️⃣2️⃣#️⃣ keycaps", "👍🏻👍🏼👍🏽👍🏾👍🏿 tones",
        "🏴󠁧󠁢󠁳󠁣󠁴󠁿 tag sequence", "a\u200db\u200cc\u2060d\ufeffe", "\u202eRTL override\u202c", "e\u0301 vs é",
        "ﬁ ﬂ ﬀ ligatures", "Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３", "①②③ ⅷ ½ ² ³", "ǅ ǈ ǋ titlecase", "İstanbul ı I i",
        "ΣΑΣ σας ΌΣΟΣ", "straße STRASSE", "\ufffd replacement", "\x00 nul \x01 \x7f del", "tab\there",
    ]
    out += [e * 50 for e in ("🙂", "👨‍👩‍👧‍👦", "🇫🇷", "a\u0301")]
    # 100 KB words of several kinds.
    out.append("a" * 100_000)
    out.append("".join(RNG.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(100_000)))
    out.append("".join(RNG.choice("0123456789") for _ in range(100_000)))
    out.append("".join(chr(RNG.randint(0x4E00, 0x9FA5)) for _ in range(33_000)))
    out.append("é" * 50_000)
    out.append("!" * 100_000)
    out.append("ab" * 50_000 + " tail")
    return out


def main():
    rows = []
    for lang in sorted(wordfreq.available_languages(wordlist="best")):
        rows += [{"text": t, "kind": f"words:{lang}"} for t in language_lines(lang, 420)]
    letters = script_letters()
    for script in SYNTHETIC_SCRIPTS:
        rows += [{"text": t, "kind": f"letters:{script}"} for t in synthetic_lines(letters[script], 60)]
    rows += [{"text": t, "kind": "adversarial"} for t in adversarial_lines()]
    # Pairs: two lines of different languages.
    singles = [r["text"] for r in rows if len(r["text"]) < 300]
    for _ in range(600):
        rows.append({"text": RNG.choice(singles), "text_pair": RNG.choice(singles), "kind": "pair"})
    for r in rows:
        sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} lines, {len({r['kind'] for r in rows})} kinds", file=sys.stderr)


if __name__ == "__main__":
    main()
