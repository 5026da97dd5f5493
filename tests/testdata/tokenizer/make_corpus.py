#!/usr/bin/python3
"""Writes corpus.jsonl: >= 2,000 varied, deterministic test inputs for the tokenizer fixtures.

  /usr/bin/python3 make_corpus.py > corpus.jsonl

Each line is {"text": ...} or {"text": ..., "text_pair": ...}. Stdlib only. The same seed always
gives the same file. Code points are chosen so that their character class (control, whitespace,
punctuation, nonspacing mark) is the same in every Unicode version that matters here (8.0 of the
Rust crate's tables, 14.0 of Python, 15.0 of utf8proc, node's ICU): old blocks, and a few
unassigned code points that are unassigned in all of them. check_fixtures in generate_fixtures.mjs
re-checks the classes of every code point against node's tables.
"""
import json
import random
import sys

RNG = random.Random(20261125)

ENGLISH_WORDS = """the of and to in a is that for it as was with be by on not he i this are or his
from at which but have an they you were her she there one all we their can has been if more when
will would who so no what up out about into than them time only its other new some could these two
may first then do any like my now over such our man me even most made after also did many before
must through back years where much your way well down should because each just those people how
too little state good very make world still own see men work long get here between both life being
under never day same another know while last might us great old year off come since against go came
right used take three embedding embeddings tokenizer tokenization transformer attention encoder
inference throughput latency batching quantization multilingual unbelievable antidisestablishment
internationalization counterproductive photosynthesis electroencephalography misunderstanding
John Mary London Paris Tokyo McDonald's O'Neil iPhone XMLHttpRequest JavaScript PostgreSQL GPT-4
COVID-19 U.S.A. e-mail state-of-the-art can't won't I'm you're it's 1,000,000 3.14159 2024-01-01
$100 50% #hashtag @mention user_name snake_case camelCase kebab-case file.txt http://example.com
""".split()

# Short phrases per script / language (common, old characters only).
PHRASES = [
    # Latin with accents
    "Café naïve résumé déjà vu à la carte crème brûlée façade",
    "Über Straße Größe Mädchen Fußgänger ÄÖÜ äöü ß",
    "español mañana niño ¿Qué tal? ¡Olé! corazón acción",
    "português não coração ações São Paulo atenção",
    "français où garçon Noël hôpital être forêt",
    "Tiếng Việt có dấu: Hà Nội, Thành phố Hồ Chí Minh, người, được, những",
    "polski: zażółć gęślą jaźń, Łódź, Wrocław",
    "čeština: Příliš žluťoučký kůň úpěl ďábelské ódy",
    "Türkçe: İstanbul, ığdır, şeker, çiçek, ĞÜŞİÖÇ",
    "română: știință, țară, încă, Brașov",
    "Íslenska: Þórður, Ægir, ðæ, Reykjavík",
    "dansk/norsk: Ærø, Øresund, Ålesund, blåbær",
    "magyar: árvíztűrő tükörfúrógép, Ő Ű",
    "Dutch: ĳsje, café, coördinatie, reëel",
    "Latin ligatures: ﬁne ﬂow Æsop œuvre Œdipus ǅemal ǈ ǋ",
    # Greek (some upper-case words end in capital sigma)
    "Ελληνικά: καλημέρα κόσμε, Αθήνα, ψυχή",
    "ΟΔΟΣ ΚΟΣΜΟΣ ΑΘΗΝΑΣ ΣΟΦΙΑ",
    "ἀρχὴ ἥμισυ παντός, Ὅμηρος, ᾠδή",
    # Cyrillic
    "Русский язык: ёлка, Москва, съешь же ещё этих мягких французских булок",
    "Українська: їжак, ґанок, Київ; Беларуская: ў; Српски: Ђорђе, Љубљана, Џеп",
    "Қазақ тілі: ә, ғ, қ, ң, ө, ұ, ү, һ, і",
    # Armenian, Georgian
    "Հայերեն՝ բարեւ, Երեւան։",
    "ქართული: გამარჯობა, თბილისი",
    # Hebrew, Arabic, Persian, Urdu (with marks)
    "עברית: שָׁלוֹם עוֹלָם, ירושלים",
    "العربية: مَرْحَبًا بِالْعَالَمِ، القاهرة؟",
    "فارسی: سلام دنیا، تهران؛ کتاب‌ها",
    "اردو: خوش آمدید، کراچی",
    # Indic
    "हिन्दी: नमस्ते दुनिया। भारत॥ क्षत्रिय",
    "বাংলা: আমার সোনার বাংলা, ঢাকা।",
    "தமிழ்: வணக்கம் உலகம், சென்னை",
    "తెలుగు: నమస్కారం, హైదరాబాద్",
    "ಕನ್ನಡ: ನಮಸ್ಕಾರ, ಬೆಂಗಳೂರು",
    "മലയാളം: നമസ്കാരം, കൊച്ചി",
    "ગુજરાતી: નમસ્તે, અમદાવાદ",
    "ਪੰਜਾਬੀ: ਸਤ ਸ੍ਰੀ ਅਕਾਲ, ਅੰਮ੍ਰਿਤਸਰ",
    "සිංහල: ආයුබෝවන්, කොළඹ",
    # Southeast Asian
    "ไทย: สวัสดีครับ กรุงเทพมหานคร ภาษาไทย",
    "ລາວ: ສະບາຍດີ ວຽງຈັນ",
    "ខ្មែរ: សួស្តី ភ្នំពេញ",
    "မြန်မာ: မင်္ဂလာပါ ရန်ကုန်",
    # East Asian
    "中文：北京大学的学生说你好世界。",
    "繁體中文：臺灣的書法與歷史，請問您貴姓？",
    "中文English混合text的测试，第3版",
    "日本語のテキスト、カタカナとひらがな。東京都渋谷区",
    "ｶﾀｶﾅ半角 ＡＢＣ１２３ 全角 ｈｅｌｌｏ",
    "한국어 텍스트입니다. 서울특별시 안녕하세요!",
    "CJK compatibility: 豈 更 車 賈 滑 串 句 龜",
    # Others
    "አማርኛ: ሰላም ዓለም። አዲስ አበባ፣",
    "ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ",
    "ᠮᠣᠩᠭᠣᠯ ᠪᠢᠴᠢᠭ",
    "བོད་ཡིག་ ལྷ་ས།",
    "ᐃᓄᒃᑎᑐᑦ ᐊᐃᑉᐱᒃ",
]

PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + [
    "«", "»", "„", "“", "”", "‘", "’", "‚", "‹", "›", "—", "–", "‐", "‑", "‒", "―", "…", "·",
    "¡", "¿", "§", "¶", "†", "‡", "•", "‰", "′", "″", "※", "‼", "⁇", "⁈", "⁉", "、", "。", "「",
    "」", "『", "』", "【", "】", "〈", "〉", "《", "》", "〔", "〕", "・", "〜", "〰", "؟", "،", "؛",
    "।", "॥", "።", "፣", "፤", "⸮", "⸘", "⁄", "﹏", "＿", "！", "？", "（", "）", "［", "］", "＠",
]
SYMBOLS = ["€", "£", "¥", "¢", "°", "±", "×", "÷", "©", "®", "™", "µ", "¼", "½", "¾", "²", "³",
           "∞", "≈", "≠", "≤", "≥", "∑", "√", "∫", "→", "←", "↔", "⇒", "♥", "♦", "♣", "♠", "★",
           "☆", "✓", "✗", "☃", "♪", "⌘", "⌥", "₿", "₹", "₽", "₩", "₪", "฿"]

EMOJI = [
    "\U0001F600", "\U0001F602", "\U0001F44D", "\U0001F44D\U0001F3FD", "\U0001F44B\U0001F3FF",
    "\u2764\ufe0f", "\u2764", "\U0001F525", "\U0001F680", "\U0001F389", "\U0001F914",
    "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466",  # family (ZWJ)
    "\U0001F469\u200d\U0001F4BB", "\U0001F3F3\ufe0f\u200d\U0001F308",  # rainbow flag
    "\U0001F3F4\u200d\u2620\ufe0f", "\U0001F1FA\U0001F1F8", "\U0001F1EF\U0001F1F5",
    "\U0001F1E9\U0001F1EA", "1\ufe0f\u20e3", "#\ufe0f\u20e3", "\u00a9\ufe0f", "\u263a\ufe0f",
    "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",  # Scotland (tags)
    "\U0001F9D1\u200d\U0001F91D\u200d\U0001F9D1", "\U0001F970", "\U0001F97A", "\U0001FAE0",
    "\U0001F636\u200d\U0001F32B\ufe0f", "\u270c\U0001F3FB", "\U0001F44F\U0001F3FC",
]

# Invisible and control characters: every one is a control (Cc/Cf/Co), whitespace, or a
# nonspacing mark in all Unicode versions involved.
INVISIBLE = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85",
             "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\u2061", "\ufeff",
             "\u00ad", "\u061c", "\u202a", "\u202e", "\u2066", "\u2069", "\ufffd", "\ue000",
             "\uf8ff", "\U000F0000", "\U0010FFFD", "\u034f", "\ufe0f", "\u180e"]
WHITESPACE = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u1680", "\u2002", "\u2003", "\u2009",
              "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]
COMBINING = ["\u0300", "\u0301", "\u0302", "\u0303", "\u0308", "\u030a", "\u0327", "\u0328",
             "\u0331", "\u0323", "\u0316", "\u0345", "\u20dd", "\u0e31", "\u093c", "\u05b0"]
# Unassigned in every version up to Unicode 17: Rust (and transformers.js) keep them, the slow
# Python tokenizer drops them.
UNASSIGNED = ["\u0378", "\u0379", "\u0380", "\u038b", "\u2065", "\ufffe", "\uffff", "\U0001FFFE",
              "\U0002FFFF", "\U00050000", "\U000E0000", "\U0010FFFF"]
# Astral CJK (Ext B-F, compatibility supplement) and the Ext-E start that the Rust crate skips.
ASTRAL_CJK = ["\U00020000", "\U00020BB7", "\U0002A6A5", "\U0002A700", "\U0002B740",
              "\U0002B820", "\U0002B8B8", "\U0002B91F", "\U0002B920", "\U0002CEA1", "\U0002F800",
              "\U0002FA1D", "\U00021A34", "\U00029E3D"]

# Blocks for random "soup" lines: old, fully assigned or with stable categories.
SOUP_RANGES = [
    (0x20, 0x7E), (0xA0, 0x17F), (0x180, 0x24F), (0x250, 0x2AF), (0x370, 0x377), (0x37A, 0x37F),
    (0x384, 0x38A), (0x38C, 0x38C), (0x38E, 0x3A1), (0x3A3, 0x3FF), (0x400, 0x52F),
    (0x531, 0x556), (0x561, 0x586), (0x5D0, 0x5EA), (0x600, 0x604), (0x606, 0x61B),
    (0x61E, 0x6FF), (0x900, 0x977), (0xE01, 0xE3A), (0xE3F, 0xE5B), (0x10A0, 0x10C5),
    (0x10D0, 0x10FA), (0x1100, 0x11FF), (0x1E00, 0x1EFF), (0x1F00, 0x1F15), (0x2010, 0x2027),
    (0x2030, 0x205E), (0x20A0, 0x20B9), (0x2100, 0x214F), (0x2190, 0x21FF), (0x2200, 0x22FF),
    (0x2500, 0x257F), (0x2600, 0x26FF), (0x2E00, 0x2E30), (0x3001, 0x303F), (0x3041, 0x3096),
    (0x30A0, 0x30FF), (0x3400, 0x4DB5), (0x4E00, 0x9FCC), (0xAC00, 0xD7A3), (0xF900, 0xFA2D),
    (0xFF01, 0xFF5E), (0xFF61, 0xFF9F), (0x1F300, 0x1F5FF), (0x1F600, 0x1F64F),
]

SPECIALS = ["[CLS]", "[SEP]", "[MASK]", "[PAD]", "[UNK]"]
NEAR_SPECIALS = ["[MAS", "[mask]", "[ CLS ]", "[[SEP]]", "[SEP][SEP]", "[CLS]x", "x[MASK]y",
                 "[UNK][UNK]", "[PAD]?", "SEP]", "[cls]", "[MASK]]", "[[MASK]", "<mask>", "[unused1]"]


def rc(seq):
    return RNG.choice(seq)


def english_sentence():
    n = RNG.randint(3, 22)
    words = [rc(ENGLISH_WORDS) for _ in range(n)]
    if RNG.random() < 0.5:
        words[0] = words[0].capitalize()
    s = " ".join(words)
    for _ in range(RNG.randint(0, 3)):
        i = RNG.randint(0, len(s))
        s = s[:i] + rc(PUNCT) + s[i:]
    return s + rc([".", "!", "?", "", "...", ";"])


def multilingual():
    parts = [rc(PHRASES) for _ in range(RNG.randint(1, 3))]
    return rc([" ", " | ", "\n", " — "]).join(parts)


def soup(n=None):
    n = n or RNG.randint(5, 60)
    out = []
    for _ in range(n):
        r = RNG.random()
        if r < 0.55:
            lo, hi = rc(SOUP_RANGES)
            out.append(chr(RNG.randint(lo, hi)))
        elif r < 0.7:
            out.append(rc(WHITESPACE))
        elif r < 0.78:
            out.append(rc(COMBINING))
        elif r < 0.84:
            out.append(rc(INVISIBLE))
        elif r < 0.9:
            out.append(rc(PUNCT))
        elif r < 0.95:
            out.append(rc(EMOJI))
        else:
            out.append(rc(ENGLISH_WORDS))
    return "".join(out)


def emoji_line():
    words = []
    for _ in range(RNG.randint(2, 10)):
        r = RNG.random()
        if r < 0.4:
            words.append(rc(EMOJI))
        elif r < 0.6:
            words.append(rc(ENGLISH_WORDS) + rc(EMOJI))  # glued to a word
        elif r < 0.7:
            words.append(rc(EMOJI) * RNG.randint(2, 5))
        else:
            words.append(rc(ENGLISH_WORDS))
    return " ".join(words)


def invisible_line():
    w = [rc(ENGLISH_WORDS) for _ in range(RNG.randint(2, 8))]
    s = ""
    for x in w:
        s += x
        for _ in range(RNG.randint(0, 2)):
            s += rc(INVISIBLE + WHITESPACE)
        i = RNG.randint(0, len(s))
        if RNG.random() < 0.4:
            s = s[:i] + rc(INVISIBLE) + s[i:]
        s += rc([" ", "", "\t"])
    return s


def long_word_line():
    r = RNG.random()
    base = rc(["a", "x", "ab", "é", "ж", "日", "na", "supercalifragilistic", "ü", "ᄀ", "\U0001F600"])
    if r < 0.3:
        n = RNG.choice([98, 99, 100, 101, 102])
        w = (base * 200)[:n] if len(base) == 1 else (base * 200)[:n]
    elif r < 0.6:
        w = "".join(rc(ENGLISH_WORDS).lower().strip(".,'-") for _ in range(RNG.randint(5, 30)))
    else:
        w = "".join(chr(RNG.randint(0x61, 0x7A)) for _ in range(RNG.randint(20, 250)))
    pre = rc(["", "The word ", "(", "\"", "x "])
    post = rc(["", " is long.", ")", "\"", "s", "ing"])
    return pre + w + post


def accents_line():
    # Decomposed and precomposed forms, stacked marks, marks after spaces and punctuation.
    out = []
    for _ in range(RNG.randint(3, 12)):
        w = rc(ENGLISH_WORDS)
        k = RNG.randint(0, len(w))
        marks = "".join(rc(COMBINING) for _ in range(RNG.randint(1, 3)))
        out.append(w[:k] + marks + w[k:])
    if RNG.random() < 0.3:
        out.append(rc(COMBINING) + rc(ENGLISH_WORDS))
    if RNG.random() < 0.3:
        out.append("." + rc(COMBINING))
    return " ".join(out)


def special_line():
    out = []
    for _ in range(RNG.randint(2, 10)):
        r = RNG.random()
        if r < 0.35:
            out.append(rc(SPECIALS))
        elif r < 0.55:
            out.append(rc(NEAR_SPECIALS))
        else:
            out.append(rc(ENGLISH_WORDS))
    return rc([" ", "", "  "]).join(out)


def punct_line():
    out = []
    for _ in range(RNG.randint(3, 15)):
        if RNG.random() < 0.5:
            out.append(rc(PUNCT) * RNG.randint(1, 3))
        elif RNG.random() < 0.5:
            out.append(rc(SYMBOLS))
        else:
            out.append(rc(ENGLISH_WORDS))
    return rc(["", " "]).join(out)


def cjk_line():
    s = "".join(chr(RNG.randint(0x4E00, 0x9FA5)) for _ in range(RNG.randint(1, 12)))
    if RNG.random() < 0.5:
        s += rc(["，", "。", "！", "、", " ", "abc", "123"])
        s += "".join(chr(RNG.randint(0x4E00, 0x9FA5)) for _ in range(RNG.randint(1, 8)))
    if RNG.random() < 0.3:
        s = rc(ENGLISH_WORDS) + s + rc(ENGLISH_WORDS)
    return s


def astral_line():
    # Astral CJK inside words and alone: transformers.js does not isolate them (it tests UTF-16
    # code units); the Rust crate does, except U+2B820..U+2B91F.
    out = []
    for _ in range(RNG.randint(1, 6)):
        r = RNG.random()
        c = rc(ASTRAL_CJK)
        if r < 0.4:
            out.append(rc(["ab", "x", "野家", "中"]) + c + rc(["cd", "y", "", "文"]))
        elif r < 0.7:
            out.append(c)
        else:
            out.append(rc(ENGLISH_WORDS))
    return " ".join(out)


def unassigned_line():
    out = []
    for _ in range(RNG.randint(1, 6)):
        w = rc(ENGLISH_WORDS)
        k = RNG.randint(0, len(w))
        out.append(w[:k] + rc(UNASSIGNED) + w[k:] if RNG.random() < 0.7 else rc(UNASSIGNED))
    return " ".join(out)


def numbers_line():
    fmt = rc(["{:,}", "{}", "{:.3f}", "{:e}", "0x{:x}", "{}%", "#{}", "v{}.0"])
    return " ".join(fmt.format(RNG.randint(0, 10**RNG.randint(1, 12))) for _ in range(RNG.randint(1, 8)))


def whitespace_line():
    return "".join(rc(WHITESPACE) + (rc(ENGLISH_WORDS) if RNG.random() < 0.7 else "")
                   for _ in range(RNG.randint(1, 10)))


FIXED = [
    "My name is John",
    "Hello, World! How are you today?",
    "",
    " ",
    "\t\n",
    "\x00",
    "\ufeff",
    "a",
    "[CLS]",
    "[MASK]",
    "x" * 99, "x" * 100, "x" * 101, "é" * 100, "é" * 101, "\U0001F600" * 101,
    "hello" * 20 + "s",
    "e\u0301le\u0300ve (decomposed) vs élève (precomposed)",
    "İstanbul İİ straße STRASSE ǅemal ΣΑΣ Σ ὈΔΥΣΣΕΎΣ",
    "\u212b \u2126 \u212a Å Ω K",  # Angstrom, Ohm, Kelvin signs
    "ﬃ ﬄ ﬅ ﬆ ŉ ǰ ΐ",
    "control\x00null \ufffdreplacement \x07bell \x85nel line\u2028sep para\u2029sep",
    "tabs\tand\nnewlines\r\nand\u00a0nbsp\u3000ideographic space",
    "zero\u200bwidth soft\u00adhyphen word\u2060joiner",
    "\U00020BB7野家 and \U0002A6A5 ab\U00020BB7cd x\U0002A6A5\U0002A6A5y",
    "abc\u0378def unassigned",
    "ｈｅｌｌｏ　ｗｏｒｌｄ！",
    "a\u0301\u0316b a\u0316\u0301b",  # canonical ordering of marks
    "\u1e9b\u0323 \u1e0b\u0323 \u0344",  # NFD with reordering
    "한국어 \u1100\u1161\u11a8 ᄀ",
]

PAIRS = [
    ("My name is John", "pair"),
    ("What is the capital of France?", "Paris is the capital and most populous city of France."),
    ("", "empty first"),
    ("empty second", ""),
    ("[CLS] in the first", "[SEP] in the second"),
    ("北京大学", "中文English混合"),
]


def main():
    gens = [
        (english_sentence, 420), (multilingual, 300), (soup, 260), (emoji_line, 140),
        (invisible_line, 140), (long_word_line, 100), (accents_line, 120), (special_line, 120),
        (punct_line, 120), (cjk_line, 80), (astral_line, 60), (unassigned_line, 60),
        (numbers_line, 50), (whitespace_line, 50),
    ]
    texts = list(FIXED)
    for gen, n in gens:
        texts += [gen() for _ in range(n)]
    lines = [{"text": t} for t in texts]
    for a, b in PAIRS:
        lines.append({"text": a, "text_pair": b})
    gens_for_pairs = [english_sentence, multilingual, soup, emoji_line, special_line, cjk_line]
    for _ in range(150):
        lines.append({"text": rc(gens_for_pairs)(), "text_pair": rc(gens_for_pairs)()})
    for line in lines:
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
