"""The classifier's features: one definition shared by training and inference.

A comment is cut into word tokens on the ORIGINAL text (so every feature maps
back to a span a moderator can be shown), each token is folded (NFKC, lower
case, accents and invisible characters dropped, letter floods cut to two), and
three kinds of feature are read from the folded tokens:

* ``w\\x1f<token>``: the word itself;
* ``b\\x1f<token> <next token>``: two neighbouring words;
* character n-grams of 3 to 5 characters inside `` <token> `` (with its word
  boundaries), which see through misspellings, filler letters and leetspeak.

Features are counted: each word occurrence adds its own features once, each
pair of neighbouring words once.  ``training/train.py`` imports this
module, so a model is always scored with the features it was fitted on; change
it and the model must be rebuilt (``FEATURES_VERSION`` is stored in the model
and checked at load time).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from itertools import pairwise

FEATURES_VERSION = 1
CHAR_MIN = 3
CHAR_MAX = 5
SEP = "\x1f"

_INVISIBLE = dict.fromkeys(
    [
        *(0x00AD, 0x034F, 0x061C, 0x180E, 0xFEFF),
        *range(0x200B, 0x2010),
        *range(0x202A, 0x202F),
        *range(0x2060, 0x2070),
        *range(0xFE00, 0xFE10),
        *range(0xE0000, 0xE0080),
    ]
)
# Word tokens: letters and digits, with the symbols that stand in for letters
# inside a word ("f*ck", "sh!t", "@ss", "a$$"), apostrophes ("don't") and the
# invisible characters used to split a word without showing it.
_HIDDEN = "".join(
    f"{chr(a)}-{chr(b)}" if a != b else chr(a)
    for a, b in ((0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x180E, 0x180E),
                 (0xFEFF, 0xFEFF), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F),
                 (0xFE00, 0xFE0F), (0xE0000, 0xE007F))
)  # fmt: skip
_TOKEN = re.compile(rf"[\w@$*{_HIDDEN}]+(?:[!|'\u2019*@$&]+[\w@$*{_HIDDEN}]+)*")
_FLOOD = re.compile(r"(.)\1{2,}")


@lru_cache(maxsize=16384)
def fold_token(token: str) -> str:
    """A token as the model sees it: lower case ASCII where possible, floods cut to two."""
    if token.isascii():
        t = token.lower()
    else:
        t = unicodedata.normalize("NFKD", token.translate(_INVISIBLE).lower())
        t = "".join(c for c in t if not unicodedata.combining(c))
        t = unicodedata.normalize("NFKC", t).lower()
    t = t.replace("\u2019", "'")
    if len(t) > 2:
        t = _FLOOD.sub(r"\1\1", t)
    return t


def tokens(text: str) -> list[tuple[str, int, int]]:
    """``(folded token, start, end)`` for each word of ``text``; offsets index ``text``."""
    out = []
    for m in _TOKEN.finditer(text):
        t = fold_token(m.group())
        if t:
            out.append((t, m.start(), m.end()))
    return out


# Small: the runtime caches each word's summed weights instead (model.Model.token_vector),
# and a word's n-grams take about 1.5 kB.
@lru_cache(maxsize=4096)
def token_features(token: str) -> tuple[str, ...]:
    """The word feature and the character n-grams of one folded token."""
    p = f" {token} "
    n = len(p)
    grams = [f"w{SEP}{token}"]
    for size in range(CHAR_MIN, CHAR_MAX + 1):
        grams += [p[i : i + size] for i in range(n - size + 1)]
    return tuple(dict.fromkeys(grams))


def bigram(left: str, right: str) -> str:
    return f"b{SEP}{left} {right}"


def features(text: str) -> Counter[str]:
    """Every feature of ``text`` with its count (used by training; inference sums per word).

    Each word occurrence counts its own features once and each neighbouring
    pair once, so a comment's feature vector is the sum of its words' vectors
    and its pairs': the runtime caches one vector per distinct word.
    """
    toks = [t for t, _, _ in tokens(text)]
    out: Counter[str] = Counter()
    for t in toks:
        out.update(token_features(t))
    out.update(bigram(a, b) for a, b in pairwise(toks))
    return out
