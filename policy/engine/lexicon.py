"""Word lists and the matcher that finds their entries in a comment.

The lists live as text files in ``policy/engine/lexicon/`` (one entry a line,
``#`` comments) and, for the profanity rule, in better-profanity's bundled
``profanity_wordlist.txt``, read as a package resource; its global singleton is
never used.  Nothing here is cached at module level: each :class:`Matcher`
owns frozen sets and dicts built once when an engine compiles a policy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources

from policy.engine.normalise import Analysis, canonical_entry, token_variants

# Words commonly written with stars: "f*ck", "sh*t", "c**t", "a**hole".
MASKABLE = frozenset(
    [
        "fuck",
        "fucking",
        "fucker",
        "fuckers",
        "fucked",
        "motherfucker",
        "shit",
        "shitty",
        "bullshit",
        "cunt",
        "cunts",
        "bitch",
        "bitches",
        "asshole",
        "assholes",
        "pussy",
        "dick",
        "dickhead",
        "cock",
        "whore",
        "slut",
        "twat",
        "wanker",
        "bastard",
        "faggot",
        "nigger",
        "nigga",
        "damn",
        "crap",
        "piss",
        "pissed",
    ]
)
# Words next to a Title Case word that do not make it a name ("You Dick").
_NOT_NAMES = frozenset(
    [
        "a",
        "an",
        "the",
        "you",
        "your",
        "youre",
        "ur",
        "i",
        "he",
        "she",
        "they",
        "we",
        "it",
        "is",
        "are",
        "was",
        "what",
        "such",
        "this",
        "that",
        "my",
        "our",
        "big",
        "little",
        "stupid",
        "dumb",
        "old",
        "fat",
        "ugly",
        "fucking",
        "total",
        "complete",
    ]
)


# Titles before a surname: "MP Dick", "Councillor Hoare", "Dr. Kummer".
_HONORIFIC_TEXT = """
    mr mrs ms miss mx dr sir dame lord lady mp mpp mla mep senator sen rep congressman
    congresswoman councillor councilor alderman minister premier president governor judge
    justice professor prof mayor general gen colonel col captain capt rev reverend father
    sister brother saint st chancellor secretary chief coach
"""
_HONORIFICS = frozenset(_HONORIFIC_TEXT.split())
_SENTENCE_END = frozenset('.!?:;"“”(\n')


def read_lexicon(name: str) -> tuple[str, ...]:
    """Entries of ``policy/engine/lexicon/<name>.txt`` as written (comments dropped)."""
    path = resources.files("policy.engine").joinpath("lexicon").joinpath(f"{name}.txt")
    text = path.read_text("utf-8")
    return tuple(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def better_profanity_words() -> tuple[str, ...]:
    """better-profanity 0.7.0's bundled word list, read from the installed package files."""
    path = resources.files("better_profanity").joinpath("profanity_wordlist.txt")
    return tuple(
        line.strip().lower() for line in path.read_text("utf-8").splitlines() if line.strip()
    )


def _masked_forms(word: str) -> Iterable[str]:
    """ "f*ck", "f**k", "sh*t", "f***": a block of inner letters written as stars."""
    n = len(word)
    for start in range(1, n):
        for stop in range(start + 1, n + 1):
            if n - (stop - start) >= 2 or (start == 1 and stop == n and n >= 4):
                yield word[:start] + "*" * (stop - start) + word[stop:]


def _doubled_forms(word: str) -> Iterable[str]:
    """ "fuuck", "shitt", "biitch": a vowel or the last letter of ``word`` written twice.

    Runs of three or more letters are cut back to two by the normaliser, so
    together they catch "fuuuuck" and "shiiiiit" with plain set lookups.
    Inner consonants and a final "s" are never doubled: "asses" would become "assess".
    """
    n = len(word)
    spots = [
        i
        for i in range(n)
        if (word[i] in "aeiouy" or (i == n - 1 and word[i] != "s"))
        and (i == 0 or word[i - 1] != word[i])
        and (i == n - 1 or word[i + 1] != word[i])
    ]
    for i in spots:
        yield word[: i + 1] + word[i:]
        for j in spots:
            if j > i:
                yield word[: i + 1] + word[i : j + 1] + word[j:]


# Letters inserted as filler: "fuxck", "sxhxixt".  Rare letters only, so no
# insertion turns a listed word into an English one ("shirt", "count", "clock").
_FILLERS = "xzqj"


def _filler_forms(word: str) -> Iterable[str]:
    """ "fuxck": one filler letter inside ``word``; "fxuxcxk": one between every letter."""
    for f in _FILLERS:
        if f in word:
            continue
        for i in range(1, len(word)):
            yield word[:i] + f + word[i:]
        yield f.join(word)


def _hyphen_joined(a: Analysis, i: int) -> bool:
    """Token ``i`` is written between two words with a hyphen on each side ("x-cum-y")."""
    span = a.token_span(i, i + 1)
    start, end = int(span[0]), int(span[1])
    before = a.text[start - 2 : start] if start >= 2 else ""
    after = a.text[end : end + 2]
    return (
        len(before) == 2
        and before[0].isalpha()
        and before[1] == "-"
        and len(after) == 2
        and after[0] == "-"
        and after[1].isalpha()
    )


class Matcher:
    """Finds the entries of one word list in an :class:`Analysis`.

    Single words are found by set intersection with the comment's candidate
    forms, phrases by substring search of the padded canonical text, wildcard
    roots ("*fuck*", "shit*") by substring search of the joined candidates.
    No loop over the list happens per comment.
    """

    __slots__ = (
        "allow_phrases",
        "allow_words",
        "contains",
        "first_words",
        "has_roots",
        "joined_allow",
        "lookup",
        "lookup_keys",
        "masked",
        "names",
        "phrases",
        "prefixes",
        "root_gate",
        "roots",
        "suffixes",
        "vocabulary",
        "words",
    )

    def __init__(
        self,
        entries: Iterable[str],
        *,
        allow: Iterable[str] = (),
        names: Iterable[str] = (),
        variants: bool = False,
    ) -> None:
        allow_words: set[str] = set()
        allow_phrases: dict[str, list[tuple[str, ...]]] = {}
        joined_allow: set[str] = set()
        for entry in allow:
            stripped = entry.strip()
            if len(stripped) > 2 and stripped[0] == stripped[-1] == "-":
                # "-cum-": the word written between two hyphenated words, as in
                # "strategist-cum-apologist", is its ordinary sense.
                joined_allow.add(canonical_entry(stripped[1:-1]))
                continue
            canon = canonical_entry(entry)
            if not canon:
                continue
            parts = tuple(canon.split())
            if len(parts) == 1:
                allow_words.add(canon)
            else:
                for word in set(parts):
                    allow_phrases.setdefault(word, []).append(parts)
        words: set[str] = set()
        phrases: dict[str, list[str]] = {}
        contains, prefixes, suffixes = set(), set(), set()
        for entry in entries:
            raw = entry.strip().lower()
            if raw.startswith("*") and raw.endswith("*") and len(raw) > 2:
                contains.add(canonical_entry(raw.strip("*")))
            elif raw.endswith("*") and " " not in raw:
                prefixes.add(canonical_entry(raw[:-1]))
            elif raw.startswith("*") and " " not in raw:
                suffixes.add(canonical_entry(raw[1:]))
            else:
                canon = canonical_entry(raw)
                if not canon or canon in allow_words:
                    continue
                if " " in canon:
                    # Keyed by the longest word, usually the rarest: fewer phrase tests per comment.
                    key = max(reversed(canon.split()), key=len)
                    phrases.setdefault(key, []).append(f" {canon} ")
                    # "ass-fucker" is also written "assfucker".
                    if "-" in raw:
                        words.add(canon.replace(" ", ""))
                else:
                    words.add(canon)
        extra: dict[str, str] = {}
        if variants:
            for w in sorted(words | contains, key=lambda w: (w not in MASKABLE, len(w), w)):
                if 4 <= len(w) <= 9 and w.isalpha():
                    for form in _doubled_forms(w):
                        if form not in words and form not in allow_words:
                            extra.setdefault(form, w)
                if w in MASKABLE:
                    for form in _masked_forms(w):
                        extra.setdefault(form, w)
                    for form in _filler_forms(w):
                        if form not in words and form not in allow_words:
                            extra.setdefault(form, w)
        self.words = frozenset(words)
        # Every written form -> the listed word it stands for.
        self.lookup = {**extra, **{w: w for w in words}}
        self.lookup_keys = frozenset(self.lookup)
        self.phrases = {k: tuple(v) for k, v in phrases.items()}
        self.first_words = frozenset(phrases)
        self.contains = tuple(sorted(contains))
        self.prefixes = tuple(sorted(prefixes))
        self.suffixes = tuple(sorted(suffixes))
        self.has_roots = bool(contains or prefixes or suffixes)
        # Any root anywhere, a necessary condition for :meth:`_roots_in`: one scan
        # that stops only at the roots' first letters, instead of one per root.
        roots = sorted({*contains, *prefixes, *suffixes} - {""}, key=len, reverse=True)
        self.root_gate = re.compile("|".join(map(re.escape, roots)) or "(?!)")
        self.allow_words = frozenset(allow_words)
        self.joined_allow = frozenset(joined_allow)
        self.allow_phrases = {k: tuple(v) for k, v in allow_phrases.items()}
        self.names = frozenset(canonical_entry(n) for n in names)
        # What :meth:`terms` looks up in ``Analysis.relevant``.
        self.vocabulary = self.lookup_keys | self.first_words

    def _word_terms(self, cands: Iterable[str]) -> set[str]:
        """Listed single words among ``cands`` (exact, variant or wildcard root)."""
        cands = cands if isinstance(cands, (set, frozenset)) else set(cands)
        lookup = self.lookup
        found = {lookup[k] for k in self.lookup_keys.intersection(cands)}
        if self.has_roots:
            found |= self._roots_in(cands, " " + " ".join(cands) + " ")
        return found

    def _root_terms(self, a: Analysis) -> set[str]:
        """Candidates of ``a`` matching a wildcard root ("*fuck*", "shit*", "*shit").

        :attr:`Analysis.root_blob` holds every candidate between spaces; a root
        absent from it costs one substring test, so only roots that occur look at
        the candidates.
        """
        blob = a.root_blob
        if not self.root_gate.search(blob):
            return set()
        return self._roots_in(a.candidates, blob)

    def _roots_in(self, cands: Iterable[str], blob: str) -> set[str]:
        allow = self.allow_words
        found: set[str] = set()
        for root in self.contains:
            if root in blob:
                found.update(c for c in cands if root in c and c not in allow)
        for root in self.prefixes:
            if " " + root in blob:
                found.update(c for c in cands if c.startswith(root) and c not in allow)
        for root in self.suffixes:
            if root + " " in blob:
                found.update(c for c in cands if c.endswith(root) and c not in allow)
        return found

    def terms(self, a: Analysis) -> set[str]:
        """Listed words and phrases that occur in the comment (before allow/name checks)."""
        # ``relevant`` holds the candidates in the engine's vocabulary, which
        # includes this matcher's: the same intersections on a far smaller set.
        cands = a.relevant
        found = self._root_terms(a) if self.has_roots else set()
        if self.vocabulary.isdisjoint(cands):
            return found
        keys = self.lookup_keys.intersection(cands)
        if keys:
            found.update(self.lookup[k] for k in keys)
        # Candidates include every canonical token, so they gate phrases without
        # building the canonical text.
        if self.first_words and not self.first_words.isdisjoint(cands):
            ctext = a.ctext
            for first in self.first_words.intersection(cands):
                for phrase in self.phrases[first]:
                    if phrase in ctext:
                        found.add(phrase.strip())
        return found

    def find(self, a: Analysis) -> list[tuple[str, list[int | str]]]:
        """Every occurrence as ``(term, [start, end, original_text])``, allow and names applied.

        Cheap when nothing matches: the per-token scan runs only after
        :meth:`terms` found something.
        """
        terms = self.terms(a)
        if not terms:
            return []
        singles = {t for t in terms if " " not in t}
        phrases = [t for t in terms if " " in t]
        out: list[tuple[str, list[int | str]]] = []
        if singles:
            # Written forms that stand for a found word; tokens are then located by
            # set membership instead of re-running the matcher on every token.
            lookup = self.lookup
            forms = {c for c in a.candidates if c in singles or lookup.get(c) in singles}
            odd = a.odd_tokens
            for i, tok in enumerate(a.tokens):
                form: str | None
                if tok in forms:
                    form = tok
                elif tok in odd:
                    form = next((v for v in token_variants(tok) if v in forms), None)
                    if form is None:
                        continue
                else:
                    continue
                term = lookup.get(form, form)
                if (
                    self._allowed(a, i, i + 1)
                    or self._is_name(a, i, term)
                    or (term in self.joined_allow and _hyphen_joined(a, i))
                ):
                    continue
                out.append((term, a.token_span(i, i + 1)))
            for first, stop, word in [*a.spaced, *a.pairs]:
                hit = self._word_terms({word, *token_variants(word)}) & singles
                # "gay sex" joined is "gaysex": an allow phrase over the words applies too.
                if hit and not self._allowed(a, first, stop):
                    out.append((min(hit), a.token_span(first, stop)))
            for start, end, variants in a.inner_symbol:
                hit = self._word_terms(variants) & singles
                if hit:
                    out.append((min(hit), [start, end, a.text[start:end]]))
        canon = a.canon
        for phrase in phrases:
            parts = phrase.split()
            n = len(parts)
            for i in range(len(canon) - n + 1):
                if canon[i] == parts[0] and canon[i : i + n] == parts:
                    if self._allowed(a, i, i + n):
                        continue
                    out.append((phrase, a.token_span(i, i + n)))
        # By position; ties (a phrase and a longer phrase at the same word) by end
        # and term, so the order does not depend on set iteration order.
        out.sort(key=lambda item: (item[1][0], item[1][1], item[0]))
        return out

    def _allowed(self, a: Analysis, start: int, stop: int) -> bool:
        """True when an allow phrase overlaps tokens ``start..stop`` ("summa cum laude")."""
        if not self.allow_phrases:
            return False
        canon = a.canon
        for i in range(start, stop):
            for parts in self.allow_phrases.get(canon[i], ()):
                n = len(parts)
                for k, part in enumerate(parts):
                    if part != canon[i]:
                        continue
                    lo = i - k
                    if lo >= 0 and canon[lo : lo + n] == list(parts):
                        return True
        return False

    def _is_name(self, a: Analysis, i: int, term: str) -> bool:
        """A listed name word in Title Case used as a name.

        Next to another Title Case word ("Dick Cheney", "Sachin Shitole"), after a
        title ("MP Dick", "Dr. Kummer"), or inside a sentence after a word that is
        not an article or pronoun ("I agree with Dick"): "you Dick", "what a Dick"
        and a sentence that starts with the word are not names.
        """
        if term not in self.names:
            return False
        spans = a.token_spans
        start, _, written = a.span(*spans[i])
        if not str(written).istitle():
            return False
        if i > 0 and a.canon[i - 1] in _HONORIFICS:
            return True
        for j in (i - 1, i + 1):
            if (
                0 <= j < len(spans)
                and a.canon[j] not in _NOT_NAMES
                and str(a.span(*spans[j])[2]).istitle()
            ):
                return True
        if i == 0 or a.canon[i - 1] in _NOT_NAMES:
            return False
        # Mid-sentence: nothing but spaces back to the previous word.
        before = a.text[: int(start)].rstrip()
        return bool(before) and before[-1] not in _SENTENCE_END
