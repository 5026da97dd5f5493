# The inputs every stage fixture of this directory runs (the gen_*.py scripts import it): ASCII,
# runs of spaces / tabs / newlines, contractions, digits, punctuation, accents (composed and
# decomposed), CJK, Hangul, emoji, and the characters whose class differs between regex engines
# (U+0085, U+00A0, U+3000, U+2028).
INPUTS = [
    "Hello, world!",
    "  leading and trailing  ",
    "don't you'll I'M we've they'd she's IT'S",
    "multiple     spaces\tand\ttabs\n\nnew lines\r\n",
    "numbers 1 12 123 1234 12345 3.14159 1,000,000",
    "punctuation!!! ... ?!? (parens) [brackets] {braces} <angle> @#$%^&*",
    "café naïve résumé",
    "cafe\u0301 nai\u0308ve",
    "ﬁ ﬂ ① ｈｅｌｌｏ Ⅻ",
    "中文字符和日本語のテキスト",
    "한국어 텍스트",
    "emoji 😀 👍🏽 👨‍👩‍👧",
    "a\u0085b\u00a0c\u3000d\u2028e",
    "snake_case camelCase kebab-case",
    "   ",
    "x",
    "mixed\u00e9\u4e2d1\u0661\u0662",
    "Ü ß ẞ İ ǅ",
    "tab\tend\t",
    "'s's 's",
]
