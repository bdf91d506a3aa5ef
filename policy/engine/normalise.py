# ruff: noqa: RUF001 - the homoglyph table is made of look-alike letters
"""Text normalisation shared by every rule.

One pass of ``str.lower`` plus one ``str.translate`` folds the comment into a
lower-case ASCII-ish form in which look-alike letters, accents, full-width forms
and punctuation are already resolved and every non-token character is a space.
The fold maps each character to at most one character (or deletes it), so the
normalised text lines up with the original text whenever nothing was deleted;
otherwise :meth:`Analysis.offset` rebuilds the mapping on demand (only when a
rule has something to report).

Leetspeak, separators inside words and repeated letters are NOT folded into the
text: they create extra *candidate* forms for the few tokens that need them, so
``455`` stays a number and ``s h i t`` only joins runs of single characters.
"""

from __future__ import annotations

import html
import re
import string
import unicodedata
from collections.abc import Callable
from itertools import filterfalse
from typing import Any, TypeVar

T = TypeVar("T")
_MISSING: Any = object()

TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@$*")

# Look-alike letters from other scripts (after ``str.lower``).  NFKD does not
# relate these to Latin letters, so they are listed by hand.
_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "б": "b", "в": "b", "г": "r", "е": "e", "ё": "e", "з": "3", "и": "u",
    "к": "k", "м": "m", "н": "h", "о": "o", "п": "n", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "ц": "u", "ш": "w", "щ": "w", "ь": "b", "я": "r", "ѕ": "s",
    "і": "i", "ї": "i", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    "ү": "y", "ҫ": "c", "ɡ": "g",
    # Greek
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "ζ": "z", "η": "n", "ι": "i",
    "κ": "k", "μ": "u", "ν": "v", "ο": "o", "ρ": "p", "σ": "o", "ς": "c", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j", "ί": "i", "ό": "o", "ύ": "u",
    "ά": "a", "έ": "e", "ή": "n", "ώ": "w",
    # Armenian
    "ս": "u", "օ": "o", "հ": "h", "ց": "g", "ք": "p", "զ": "q", "ո": "n", "ա": "w",
    # Latin letters NFKD does not decompose, IPA and small capitals
    "ı": "i", "ƒ": "f", "ɑ": "a", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ß": "s",
    "æ": "a", "œ": "o", "þ": "p", "ð": "d", "ſ": "s", "ɩ": "i", "ɪ": "i", "ʀ": "r",
    "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ғ": "f", "ɢ": "g", "ʜ": "h",
    "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ǫ": "q",
    "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
}  # fmt: skip

# Invisible characters used to split words without showing it.
_DELETE = [
    *(0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF),
    *range(0x200B, 0x2010),
    *range(0x202A, 0x202F),
    *range(0x2060, 0x2070),
]
# Combining marks (accents, strike-through, Zalgo): deleted so "f̶u̶c̶k̶" is "fuck".
_COMBINING_RANGES = [
    (0x0300, 0x0370), (0x0483, 0x048A), (0x0591, 0x05BE), (0x1AB0, 0x1B00),
    (0x1DC0, 0x1E00), (0x20D0, 0x2100), (0xFE20, 0xFE30),
]  # fmt: skip
# Ranges whose compatibility decomposition is a plain letter or digit:
# accented Latin, full-width forms, mathematical alphanumerics, circled letters,
# Roman numerals that are one letter (U+2170 SMALL ROMAN NUMERAL ONE is "i").
_NFKD_RANGES = [
    (0x00C0, 0x0250), (0x1D00, 0x1DC0), (0x1E00, 0x1F00), (0x2070, 0x20A0),
    (0x2100, 0x2190), (0x2460, 0x2500), (0xFF00, 0xFF60), (0x1D400, 0x1D800),
    (0x1F130, 0x1F190),
]  # fmt: skip


# Invisible characters outside the BMP: tag characters (U+E0000 block) and the
# supplementary variation selectors; the BMP variation selectors are U+FE00-FE0F.
_DELETE_RANGES = [(0xE0000, 0xE0080), (0xE0100, 0xE01F0), (0xFE00, 0xFE10)]
# Pictographs and symbols (emoji, dingbats, arrows): separators, like punctuation, so
# "f😀u😀c😀k" is four one-letter tokens that join and "sh💩it" a split word.
_SYMBOL_RANGES = [(0x2190, 0x2C00), (0x1F000, 0x1FB00)]


def _build_fold() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in range(0x80):
        ch = chr(cp)
        table[cp] = ch if ch in TOKEN_CHARS else " "
    for start, stop in _SYMBOL_RANGES:
        for cp in range(start, stop):
            if unicodedata.category(chr(cp)).startswith("S"):
                table[cp] = " "
    for start, stop in _NFKD_RANGES:
        for cp in range(start, stop):
            base = "".join(
                c for c in unicodedata.normalize("NFKD", chr(cp)) if not unicodedata.combining(c)
            ).lower()
            if len(base) == 1 and base in TOKEN_CHARS:
                table[cp] = base
    # Parenthesised letters "⒜" (NFKD "(a)") and "🄐" (NFKD "(A)"): the letter.
    for cp in range(0x249C, 0x24B6):
        table[cp] = chr(ord("a") + cp - 0x249C)
    for cp in range(0x1F110, 0x1F12A):
        table[cp] = chr(ord("a") + cp - 0x1F110)
    for ch, target in _HOMOGLYPHS.items():
        table[ord(ch)] = target
    for cp in _DELETE:
        table[cp] = None
    for start, stop in _DELETE_RANGES:
        for cp in range(start, stop):
            table[cp] = None
    for start, stop in _COMBINING_RANGES:
        for cp in range(start, stop):
            table[cp] = None
    # Typographic punctuation and spaces become separators.
    for ch in "\u00a0\u2010\u2011\u2012\u2013\u2014\u2015\u2018\u2019\u201a\u201b\u201c\u201d\u2026\u00ab\u00bb\u3000\u2022\u00b7":  # noqa: E501
        table[ord(ch)] = " "
    return table


FOLD = _build_fold()
# The same fold for ASCII text as a byte table (lower-casing included): ``bytes.translate``
# does in one C loop what ``str.lower`` plus ``str.translate`` with a dict do in two.
ASCII_FOLD = bytes(
    ord(FOLD[ord(chr(b).lower())] or " ") if b < 0x80 else ord(" ") for b in range(256)
)
_DELETED = frozenset(cp for cp, target in FOLD.items() if target is None)
# Applied only to tokens that mix letters with digits or symbols.
LEET = str.maketrans("0134578@$!|+", "oieastbasiit")
# Second reading of the ambiguous symbols: "1" and "|" as "l" ("s1ut").
LEET_L = str.maketrans("0134578@$!|+", "oleastbasilt")
_STAR = "*"

# A symbol the fold turned into a space, glued to the next letter: "sh!t", "b|tch", "shi+".
_INNER_GATE = re.compile(r"[!|+](?=[a-z0-9@$])|[a-z][!|]*\+")
_INNER_SYMBOL_TOKEN = re.compile(r"[a-z0-9@$!|+*]+")
# One sign between letters inside a short word ("f-ck", "sh.t", "f#ck", "f_uck").
_SIGN_WORD = re.compile(r"(?<![a-z0-9@$\-_#%.?])[a-z]{1,5}[\-_#%.?][a-z]{1,5}(?![a-z0-9@$\-_#%.?])")
_SIGN_AT = re.compile(r"[\-_#%.?]")
_SIGN_GATE = re.compile(r"[a-z][\-_#%.?][a-z]")
_AMP_WORD = re.compile(r"(?<![a-z0-9@$&;#])[a-z]+&[a-z]+(?![a-z0-9@$&;])")
# Three or more identical letters ("shiiiit", "fuuuuck", "asssss").
_RUN3 = re.compile(r"([a-z])\1\1")
_RUN3_ANY = re.compile(r"([a-z])\1{2,}")
_SPACED = re.compile(r"(?<![^\W_])[a-z0-9@$](?:[ ._\-]{1,2}[a-z0-9@$](?![^\W_])){2,}")
_SPACED_SEP = re.compile(r"[ ._\-]")
# Folded ASCII text with every token character as "x"; three one-character tokens in a row.
_TOKEN_MASK = bytes(ord(" ") if b == ord(" ") else ord("x") for b in range(256))
_SINGLES_RUN = re.compile(rb" x  *x  *x ")
_TWO_SINGLES = re.compile(rb" x x ")
# Three tokens one space apart, the middle one a single character: found overlapping.
_SINGLES_FRAGMENT = re.compile(r"(?<!\S)(?=(\S{1,3}) (\S) (\S{1,3})(?!\S))")
# Folded ASCII text by character class: letter "a", digit or @ or $ "1", "*", space.
_CLASSES = bytes(
    ord(ch if ch in " *" else "a" if ch in string.ascii_lowercase else "1")
    for ch in map(chr, range(256))
)


def _has_run3_ascii(joined: bytes) -> bool:
    """``_RUN3.search`` on folded ASCII tokens run together, without a per-position regex.

    XOR-ing the bytes with themselves shifted by one leaves a zero byte wherever a
    character equals the next one, so two zero bytes in a row mark three equal
    characters.  Only then (floods, "www", "000") does the regex confirm letters.
    """
    n = len(joined)
    if n < 3:
        return False
    shifted = (int.from_bytes(joined[1:], "big") << 8) | 0xFF
    same = (int.from_bytes(joined, "big") ^ shifted).to_bytes(n, "big")
    return b"\0\0" in same and _RUN3.search(joined.decode("ascii")) is not None


# Markup and controls that change how a word looks without being letters of it:
# an inline HTML tag ("sh<b></b>it"), a character reference ("sh&#105;t"), a
# right-to-left override whose run is displayed reversed ("\u202etihs" shows "shit"),
# and a lower-case letter followed by a capital ("YouAreAnIdiot", "#StupidMoron"), or
# the one-letter words "A" and "I" run into a capitalised word ("ThisIsAShitShow"; an
# acronym before a word stays whole: "#SCOTUSpick" is not "SCOTU Spick").
_TAG = r"<[a-zA-Z/!][^<>\n]{0,80}>"
_CHARREF = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});?"
_RLO = "\u202e\u2067"
_UNMASK = re.compile(
    rf"(?P<tag>{_TAG})|(?P<ref>{_CHARREF})|[{_RLO}](?P<rtl>[^\u202c\u2069\n]*)[\u202c\u2069]?"
    r"|(?<=[a-z])(?=[A-Z])|(?<=[a-z][AI])(?=[A-Z][a-z])"
)
# Where camel case is a name, not words run together: @handles and links.
_NO_CAMEL = re.compile(r"@\w+|\S*://\S*|www\.\S+")
# ASCII text as marks: lower-case letter "a", capital "A", one of the signs that may
# stand for a vowel "s", anything else a space.  One translate serves two gates: camel
# case ("aA") and a sign between letters ("asa"); each regex starts at the rare mark.
_MARKS = bytes(
    ord("a")
    if chr(b).islower() and b < 0x80
    else ord("A")
    if chr(b).isupper() and b < 0x80
    else ord("s")
    if chr(b) in "-_#%.?"
    else 32
    for b in range(256)
)
_CAMEL_MARK = re.compile(rb"A(?<=aA)")
_SIGN_MARK = re.compile(rb"s(?<=[aA]s)[aA]")


def _may_be_masked(text: str, marks: bytes | None) -> bool:
    """Cheap necessary condition for :func:`unmask` to change ``text``."""
    if "<" in text or "&" in text:
        return True
    if marks is not None:
        return _CAMEL_MARK.search(marks) is not None
    return "\u202e" in text or "\u2067" in text or re.search("[a-z][A-Z]", text) is not None


def unmask(text: str) -> tuple[str, list[int]] | None:
    """``text`` with markup removed, references decoded, right-to-left runs in display
    order and camel case split; and for each of its characters the index in ``text``.

    None when nothing changes (an "&" or "<" that is no tag or reference).
    """
    parts: list[str] = []
    src: list[int] = []
    pos = 0
    changed = False
    keep: list[tuple[int, int]] = []
    if "@" in text or "://" in text or "www." in text:
        keep = [m.span() for m in _NO_CAMEL.finditer(text)]
    for m in _UNMASK.finditer(text):
        start = m.start()
        if keep and start == m.end() and any(s < start < e for s, e in keep):
            continue
        if m.group("ref") is not None:
            decoded = html.unescape(m.group())
            if decoded == m.group():
                continue
        parts.append(text[pos:start])
        src.extend(range(pos, start))
        changed = True
        if m.group("tag") is not None:
            pass
        elif m.group("ref") is not None:
            parts.append(decoded)
            src.extend([start] * len(decoded))
        elif m.group("rtl") is not None:
            run = m.group("rtl")
            parts.append(run[::-1])
            src.extend(range(start + len(run), start, -1))
        else:
            parts.append(" ")
            src.append(start)
        pos = m.end()
    if not changed:
        return None
    parts.append(text[pos:])
    src.extend(range(pos, len(text) + 1))
    return "".join(parts), src


# Common short words: never the first half of a split word ("pen is").
_SHORT_TEXT = """
    a i o an as at be by do go he hi if in is it me my no of oh ok on or so to up us we am
    ad ah ha ho la ma pa ox yo the and for but not you are was his her him she our can had
    has cut hit its one two all any bit big bad die dig dog end few fun get got gun hot how
    let lot man may new now odd old own put ran red run sad saw say see set sit six sun ten
    tie too top try use war way who why win yes yet art ask bag ban bar bat bed bet bid box
    boy bus buy car cat cow cry day did ear eat egg eye fan far fat fee fit fly fox gap gas
    god guy hat hen hey ice ill job joy key kid lab lap law lay leg lie lip log low mad map
    men mix mom mud net nor nut oil out pan pay pen pet pie pig pin pit pop pot pub raw rat
    row rub sea sex shy sin ski sky son spy tan tap tax tea tip toe ton toy van vet web wet
    win wit won yes yet zoo also back been body book both call came come cost dark deal does
    done door down each else even ever face fact fall fear feel felt find fine fire five
    food form four free from full gave give goes gone good half hand hard have head hear
    held help here high hold home hope hour idea into just keep kind knew know land last
    late lead left less life like line list live long look lord lose lost love made main
    make many mass mind miss more most much must name near need news next nice none note
    once only open over part pass past plan play poor pull real rest rich ride rise road
    rock role room rule safe said sale same save seen self sell send ship shop show shut
    side sign some soon sort stay step such sure take talk tell than that them then they
    thin this thus time told took town tree true turn type unit upon used very view vote
    wait walk wall want warm wash week well went were west what when whom wide wife will
    wind wish with word work year your
"""
_SHORT_WORDS = frozenset(_SHORT_TEXT.split())
# Contraction endings ("you're", "we'll", "don't") are never the first half of a split word.
_NOT_FIRST_HALF = frozenset(["re", "ve", "ll", "nt"])
# id of a vocabulary -> (the vocabulary, first halves, second halves, joined words).
_PAIR_TABLES: dict[int, tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]] = {}


def _pair_table(vocabulary: frozenset[str]) -> tuple[frozenset[str], ...]:
    """First halves, second halves and joined forms of listed words split in two fragments
    of two to four letters ("sh it", "fu ck", "cu nt"), the first not a common word
    ("pen is", "as shole" stay apart)."""
    entry = _PAIR_TABLES.get(id(vocabulary))
    if entry is not None and entry[0] is vocabulary:
        return entry[1:]
    firsts, seconds, words = set(), set(), set()
    for w in vocabulary:
        if not (4 <= len(w) <= 8 and w.isalpha() and w.isascii()):
            continue
        for k in range(2, len(w) - 1):
            a, b = w[:k], w[k:]
            # A common word is never the first half: "the", "to", "as" are in most comments
            # and would open the scan below for nothing.
            if len(a) > 4 or len(b) > 4 or a in _NOT_FIRST_HALF or a in _SHORT_WORDS:
                continue
            firsts.add(a)
            seconds.add(b)
            words.add(w)
    if len(_PAIR_TABLES) >= 32:
        _PAIR_TABLES.clear()
    # The vocabulary stays in the entry, so its id is not reused while the entry lives.
    entry = (vocabulary, frozenset(firsts), frozenset(seconds), frozenset(words))
    _PAIR_TABLES[id(vocabulary)] = entry
    return entry[1:]


def fold(text: str) -> str:
    """Lower-case ``text`` and map every character to its token form (or a space)."""
    return text.lower().translate(FOLD)


def repeat_variants(word: str) -> tuple[str, ...]:
    """Forms of ``word`` with runs of 3+ letters shortened to one and to two letters."""
    if not _RUN3.search(word):
        return ()
    return (_RUN3_ANY.sub(r"\1", word), _RUN3_ANY.sub(r"\1\1", word))


def token_variants(token: str) -> tuple[str, ...]:
    """Extra candidate forms of one folded token: leetspeak and repeated letters.

    Tokens without letters (numbers such as "455", "717", "80085", prices) get no
    leetspeak form.  Tokens whose only symbols are digits need at least two
    letters, so road numbers like "A55" stay as they are.
    """
    if token.isdigit():
        return ()
    out: list[str] = []
    if not token.isalpha():
        core = token.strip(_STAR)
        letters = sum(map(str.isalpha, core))
        if core and "*" in core:
            out.append(core)
        if core.isalpha():
            out.append(core)
        elif letters and (letters >= 2 or not core.isalnum()):
            out.append(core.translate(LEET).replace("*", ""))
            alt = core.translate(LEET_L).replace("*", "")
            if alt != out[-1]:
                out.append(alt)
    bases = out[:] if out else [token]
    for base in bases:
        out.extend(repeat_variants(base))
    return tuple(out)


def canonical(token: str) -> str:
    """The single form of a token used for phrase and pattern matching."""
    if token.isalpha():
        if _RUN3.search(token):
            return _RUN3_ANY.sub(r"\1\1", token)
        return token
    if token.isdigit():
        return token
    variants = token_variants(token)
    for v in variants:
        if v.isalpha():
            return v
    return token


def canonical_entry(entry: str) -> str:
    """Canonical form of a lexicon entry (word or phrase) as the matcher sees text.

    ``f.u.c.k`` and ``s_h_i_t`` join into one word, ``sh!t`` and ``4r5e`` resolve
    their leetspeak, ``ass-fucker`` becomes the phrase ``ass fucker``.
    """
    raw = entry.strip().lower()
    if _SPACED.fullmatch(raw.rstrip(".")):
        raw = _SPACED_SEP.sub("", raw.rstrip("."))
    raw = re.sub(r"(?<=[a-z0-9])[!|+]+|[!|+]+(?=[a-z0-9])", lambda m: "i" * len(m.group()), raw)
    raw = raw.replace("*", "")
    tokens = [canonical(t) for t in fold(raw).split()]
    return " ".join(tokens)


class lazy:
    """Like ``functools.cached_property`` without its lock (3.11): one instance, one thread."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


class Analysis:
    """Everything the rules need to know about one comment, computed lazily.

    One instance per evaluation; never shared between threads.  The common
    case - plain words, no digits or symbols inside words, no letter floods -
    costs one ``lower``, one byte ``translate`` (ASCII text), one ``split`` and a
    few C-level byte operations; everything else is computed only when needed.

    ``vocabulary`` is the union of every word the engine's rules look up
    (:meth:`Rule.vocabulary <policy.engine.rules.base.Rule.vocabulary>`); with it,
    :attr:`relevant` holds only the few candidate forms some rule cares about, so
    each rule's gate is a set test on a set of usually zero to five words.

    ``ascii`` tells whether the text is pure ASCII; then ``data`` is the text and
    ``folded`` is :attr:`norm` as bytes (else both are None), for code that counts
    or looks up characters with ``bytes.translate`` / ``in`` instead of a regex.
    """

    __slots__ = (
        "__dict__",
        "_marks",
        "_source",
        "alpha",
        "ascii",
        "data",
        "folded",
        "has_run3",
        "lower",
        "norm",
        "plain",
        "text",
        "tokens",
        "vocabulary",
    )

    def __init__(self, text: str, vocabulary: frozenset[str] | None = None) -> None:
        self.text = text
        self.vocabulary = vocabulary
        self.lower = text.lower()
        # The unmasked text and, per character, its index in ``text`` (None: unchanged).
        self._source: tuple[str, list[int]] | None = None
        data = text.encode("ascii") if text.isascii() else None
        self._marks = marks = data.translate(_MARKS) if data is not None else None
        source = text
        if _may_be_masked(text, marks):
            unmasked = unmask(text)
            if unmasked is not None:
                # Tokens come from the unmasked text; ``text``, ``lower`` and ``data``
                # stay the comment as written for the rules that read characters.
                source, self._source = unmasked[0], unmasked
                data = self._marks = None
        if data is not None:
            self.ascii = True
            self.data: bytes | None = data
            folded = data.translate(ASCII_FOLD)
            self.folded: bytes | None = folded
            self.norm = folded.decode("ascii")
            self.tokens: list[str] = self.norm.split()
            joined = folded.translate(None, b" ")
            # bytes.isalpha is ASCII letters only, and False when empty, like the
            # general case below.
            self.alpha = joined.isalpha()
            self.has_run3 = _has_run3_ascii(joined)
        else:
            self.ascii = False
            self.data = self.folded = None
            self.norm = (self.lower if source is text else source.lower()).translate(FOLD)
            self.tokens = self.norm.split()
            text_joined = "".join(self.tokens)
            self.alpha = text_joined.isalpha() and text_joined.isascii()
            self.has_run3 = _RUN3.search(text_joined) is not None
        self.plain = self.alpha and not self.has_run3

    @lazy
    def odd_tokens(self) -> frozenset[str]:
        """Distinct tokens that are not plain words: digits, symbols, letter floods."""
        if self.plain:
            return frozenset()
        odd = set(filterfalse(str.isalpha, self.tokens))
        if self.has_run3:
            odd.update(t for t in self.tokens if _RUN3.search(t))
        return frozenset(odd)

    @lazy
    def canon(self) -> list[str]:
        """Tokens in canonical form, aligned with :attr:`tokens`."""
        if not self.odd_forms:
            # Plain words, numbers and prices are their own canonical form.
            return self.tokens
        forms = {t: canonical(t) for t in self.odd_tokens}
        return list(map(forms.get, self.tokens, self.tokens))

    @lazy
    def ctext(self) -> str:
        """Canonical tokens joined by single spaces, padded: " you are an idiot "."""
        return " " + " ".join(self.canon) + " "

    @lazy
    def spaced(self) -> list[tuple[int, int, str]]:
        """Runs of 3+ single-character tokens joined into words: (first, stop, word).

        "s h i t", "f.u.c.k", "s-h-i-t" and "s_h_i_t" all fold to single-character
        tokens; only those join, so ordinary words never merge.
        """
        tokens = self.tokens
        folded = self.folded
        # Tokens as runs of "x": one regex search, led by the literal " x ", decides
        # whether three one-character tokens follow each other anywhere.
        if folded is not None and not _SINGLES_RUN.search(
            b" " + folded.translate(_TOKEN_MASK) + b" "
        ):
            return []
        lens = list(map(len, tokens))
        if lens.count(1) < 3:
            return []
        out = []
        i, n = 0, len(tokens)
        while i < n:
            if lens[i] != 1:
                i += 1
                continue
            j = i
            while j < n and lens[j] == 1:
                j += 1
            if j - i >= 3:
                word = "".join(tokens[i:j])
                if not word.isalpha():
                    word = next((v for v in token_variants(word) if v.isalpha()), word)
                out.append((i, j, word))
            i = j
        return out

    @lazy
    def pairs(self) -> list[tuple[int, int, str]]:
        """Two adjacent fragments that join into a listed word: (first, stop, word).

        "sh it", "fu ck", "sh💩it": only fragments of two to four letters whose join
        is a word of the engine's vocabulary, and never two common words ("pen is").
        """
        vocabulary = self.vocabulary
        if vocabulary is None:
            return []
        firsts, seconds, words = _pair_table(vocabulary)
        tokens = self.tokens
        out = self._singles_and_fragment(vocabulary)
        if firsts.isdisjoint(tokens):
            return out
        padded = None
        for i in range(len(tokens) - 1):
            first = tokens[i]
            if first in firsts and tokens[i + 1] in seconds:
                word = first + tokens[i + 1]
                if word not in words:
                    continue
                # One character between them ("sh it", "sh💩it"), not a sentence end ("bi. Tch").
                padded = padded or f" {self.norm} "
                if f" {first} {tokens[i + 1]} " in padded:
                    out.append((i, i + 2, word))
        return out

    def _singles_and_fragment(self, vocabulary: frozenset[str]) -> list[tuple[int, int, str]]:
        """Two single letters and a fragment of two or three, or the reverse, one character
        apart, that spell a listed word exactly: "f u ck", "s h it", "fu c k"."""
        folded = self.folded
        if folded is not None and not _TWO_SINGLES.search(
            b" " + folded.translate(_TOKEN_MASK) + b" "
        ):
            return []
        norm = self.norm
        out: list[tuple[int, int, str]] = []
        for m in _SINGLES_FRAGMENT.finditer(norm):
            first, second, third = m.group(1, 2, 3)
            if len(first) > 1 and len(third) > 1:
                continue
            if len(first) == 1 and len(third) == 1:
                continue
            word = first + second + third
            if word in vocabulary and word.isalpha():
                i = len(norm[: m.start(1)].split())
                out.append((i, i + 3, word))
        return out

    @lazy
    def inner_symbol(self) -> list[tuple[int, int, tuple[str, ...]]]:
        """Words written with symbols the fold turned into spaces ("sh!t", "b|tch").

        Spans are in the original text.
        """
        out: list[tuple[int, int, tuple[str, ...]]] = []
        lower = self.lower
        amp = "&" in lower
        marks = self._marks
        # A letter, one of "-_#%.?", a letter.
        vowel_sign = (
            _SIGN_MARK.search(marks) is not None
            if marks is not None
            else _SIGN_GATE.search(lower) is not None
        )
        # Every match of the gate has one of these symbols: substring tests spare the
        # regex, whose [a-z] branch would stop at every letter.
        if (
            not amp
            and not vowel_sign
            and "!" not in lower
            and "|" not in lower
            and "+" not in lower
        ):
            return out
        where: list[int] | None = None
        if not self.ascii:
            # Invisible characters removed and markup unmasked ("$\U000e0041h!t"), with
            # the index in the original text of every character kept.
            text, source = self._source if self._source is not None else (self.text, None)
            chars: list[str] = []
            where = []
            for j, ch in enumerate(text):
                if ord(ch) in _DELETED:
                    continue
                chars.append(ch.lower()[:1] or ch)
                where.append(source[j] if source is not None else j)
            where.append(len(self.text))
            lower = "".join(chars)
        if amp:
            # "f&ck", "sh&t": an ampersand for a vowel (three letters at least, so
            # "AT&T", "H&M" and "R&D" stay as written).
            for m in _AMP_WORD.finditer(lower):
                tok = m.group()
                if sum(map(str.isalpha, tok)) >= 3:
                    out.append((m.start(), m.end(), tuple(tok.replace("&", v) for v in "aeiou")))
        vocabulary = self.vocabulary
        if vowel_sign and vocabulary is not None:
            # "f-ck", "sh.t", "f#ck": a sign for a vowel, or between two parts ("f-uck").
            # Only forms that are words some rule lists, exactly: "push-it" is not "pushit"
            # searched for roots.
            for m in _SIGN_WORD.finditer(lower):
                tok = m.group()
                sign = tok[_SIGN_AT.search(tok).start()]  # type: ignore[union-attr]
                forms = [tok.replace(sign, v) for v in "aeiou"] + [tok.replace(sign, "")]
                listed = tuple(f for f in forms if f in vocabulary)
                if listed:
                    out.append((m.start(), m.end(), listed))
        if _INNER_GATE.search(lower):
            for m in _INNER_SYMBOL_TOKEN.finditer(lower):
                tok = m.group()
                core = tok.strip("!")
                if any(c in "!|+" for c in core) and any(c.isalpha() for c in core):
                    out.append((m.start(), m.end(), (*token_variants(core), core)))
        if where is not None:
            out = [(where[start], where[end - 1] + 1, v) for start, end, v in out]
        return out

    @lazy
    def extras(self) -> frozenset[str]:
        """Candidate forms besides the tokens themselves: leetspeak, de-repeated, joined."""
        extra: set[str] = set()
        if self.odd_forms:
            for tok in self.odd_tokens:
                extra.update(token_variants(tok))
        for _, _, word in self.spaced:
            extra.add(word)
            extra.update(repeat_variants(word))
        for _, _, word in self.pairs:
            extra.add(word)
        for _, _, variants in self.inner_symbol:
            extra.update(variants)
        return frozenset(extra)

    @lazy
    def odd_forms(self) -> bool:
        """False when no odd token can have a variant (exact, cheap for ASCII text).

        Only letter floods, tokens with "*" and tokens mixing letters with digits,
        "@" or "$" ("sh1t", "a$$") have variants; numbers and prices ("2019",
        "$4") do not.  Mixed tokens show as a letter next to such a symbol.
        """
        if self.plain:
            return False
        folded = self.folded
        if folded is None or self.has_run3 or b"*" in folded:
            return True
        classes = folded.translate(_CLASSES)
        return b"a1" in classes or b"1a" in classes

    @lazy
    def candidates(self) -> frozenset[str]:
        """Every form any token may take: tokens, leetspeak, de-repeated, joined."""
        extras = self.extras
        return frozenset(self.tokens).union(extras) if extras else frozenset(self.tokens)

    @lazy
    def root_blob(self) -> str:
        """Folded text plus extra forms, space-padded: substring tests for word roots."""
        blob = " " + self.norm + " "
        return blob + " ".join(self.extras) + " " if self.extras else blob

    @lazy
    def canon_set(self) -> frozenset[str]:
        if self.plain:
            return self.candidates
        return frozenset(self.canon)

    @lazy
    def relevant(self) -> frozenset[str]:
        """:attr:`candidates` that are in :attr:`vocabulary` (all of them without one).

        Rules test their word sets against this instead of :attr:`candidates`:
        same answers, since their words are part of the vocabulary, on a set of
        a handful of words instead of every token.
        """
        vocabulary = self.vocabulary
        if vocabulary is None:
            return self.candidates
        found = vocabulary.intersection(self.tokens)
        extras = self.extras
        return found.union(vocabulary.intersection(extras)) if extras else found

    @lazy
    def relevant_canon(self) -> frozenset[str]:
        """:attr:`canon_set` restricted to :attr:`vocabulary`, like :attr:`relevant`."""
        vocabulary = self.vocabulary
        if vocabulary is None:
            return self.canon_set
        if self.plain:
            return self.relevant
        return vocabulary.intersection(self.canon)

    def shared(self, key: str, compute: Callable[[Analysis], T]) -> T:
        """A value derived from this comment, computed once and shared by rules (e.g. links)."""
        # get() and not try/except: the first rule to ask always misses, and raising
        # KeyError costs more than the lookup.
        d = self.__dict__
        value = d.get(key, _MISSING)
        if value is _MISSING:
            value = d[key] = compute(self)
        return value

    # -- locating matches in the original text (only used when reporting) --

    @lazy
    def token_spans(self) -> list[tuple[int, int]]:
        """(start, end) of each token of :attr:`tokens` in :attr:`norm`."""
        return [m.span() for m in re.finditer(r"\S+", self.norm)]

    @lazy
    def _offsets(self) -> list[int] | None:
        text = self.text
        source = self._source
        if source is None and len(self.norm) == len(text) and len(self.lower) == len(text):
            return None
        offsets: list[int] = []
        if source is None:
            for i, ch in enumerate(text):
                offsets.extend([i] * len(ch.lower().translate(FOLD)))
        else:
            for ch, i in zip(*source, strict=False):
                offsets.extend([i] * len(ch.lower().translate(FOLD)))
        offsets.append(len(text))
        return offsets

    def offset(self, norm_index: int) -> int:
        """Index in the original text of the character at ``norm_index`` of :attr:`norm`."""
        offsets = self._offsets
        if offsets is None:
            return norm_index
        return offsets[min(norm_index, len(offsets) - 1)]

    def span(self, start: int, end: int) -> list[int | str]:
        """``[start, end, text]`` in the original text for a span of :attr:`norm`."""
        text = self.text
        o_start = self.offset(start)
        o_end = self.offset(end - 1) + 1 if end > start else o_start
        if self._source is not None and end > start:
            # A right-to-left run maps backwards: the span is the extent of its characters.
            where = [self.offset(i) for i in range(start, end)]
            o_start, o_end = min(where), max(where) + 1
        if self._offsets is not None:
            # Take in the marks the fold deleted after the last letter ("k\u0336").
            while o_end < len(text) and ord(text[o_end]) in _DELETED:
                o_end += 1
        return [o_start, o_end, text[o_start:o_end]]

    def token_span(self, first: int, stop: int) -> list[int | str]:
        """``[start, end, text]`` in the original text of tokens ``first..stop-1``."""
        spans = self.token_spans
        return self.span(spans[first][0], spans[stop - 1][1])
