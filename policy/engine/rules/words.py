"""Word-list rules: profanity, slurs, and a site's own banned and suspect words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from policy.engine.document import Param
from policy.engine.lexicon import Matcher, better_profanity_words, read_lexicon
from policy.engine.model import Context
from policy.engine.normalise import Analysis, canonical_entry
from policy.engine.rules.base import Evidence, Rule, words_param

_MAX_MATCHES = 20
# A quoted span: straight or curly double quotes, guillemets, or *italics* / _italics_
# whose markers stand outside words (so "f*ck" and "sh*t" quote nothing).
_QUOTED = re.compile(
    r'"[^"\n]{1,200}"|\u201c[^\u201d\n]{1,200}\u201d|\u00ab[^\u00bb\n]{1,200}\u00bb'
    r"|(?<![\w*])\*(?=[^\s*])[^*\n]{1,200}(?<=[^\s*])\*(?![\w*])"
    r"|(?<![\w_])_(?=[^\s_])[^_\n]{1,200}(?<=[^\s_])_(?![\w_])"
)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    if not any(marker in text for marker in ('"', "\u201c", "\u00ab", "*", "_")):
        return []
    return [m.span() for m in _QUOTED.finditer(text)]


def inside_quotes(span: list[Any], spans: list[tuple[int, int]]) -> bool:
    """Whether a match's span (``[start, end, text]``) lies within one of the quoted ``spans``."""
    return any(s <= int(span[0]) and int(span[1]) <= e for s, e in spans)


def quoted_param() -> Param:
    return Param(
        "str",
        "include",
        "words inside a quoted span (a title): include, exclude or only",
        choices=("include", "exclude", "only"),
    )


class _WordListRule(Rule):
    """Shared by the word-list rules: one match per comment, split by quoting.

    ``quoted = "exclude"`` leaves out matches inside a quoted span ("…", “…”, «…»,
    *…*), ``"only"`` keeps only those: a policy rejects a word but holds a quoted
    title that contains it ("the novel “…”") for a moderator.
    """

    matcher: Matcher
    quoted: str = "include"
    share_key: str = ""

    def _evidence(self, a: Analysis, **extra: Any) -> Evidence | None:
        matcher = self.matcher
        if not matcher.has_roots and matcher.vocabulary.isdisjoint(a.relevant):
            return None
        quoted = self.quoted
        # Rules split by quoting come in pairs over the same words: one match for both.
        found = matcher.find(a) if quoted == "include" else a.shared(self.share_key, matcher.find)
        if not found:
            return None
        if quoted != "include":
            spans = quoted_spans(a.text)
            inside = [f for f in found if inside_quotes(f[1], spans)]
            if quoted == "only":
                found = inside
                extra["quoted"] = True
            else:
                found = [f for f in found if f not in inside]
            if not found:
                return None
        return _evidence(found, **extra)

    def vocabulary(self) -> frozenset[str]:
        return self.matcher.vocabulary


def _evidence(found: list[tuple[str, list[Any]]], **extra: Any) -> Evidence:
    return {
        "matches": [span for _, span in found[:_MAX_MATCHES]],
        "terms": sorted({term for term, _ in found}),
        "count": len(found),
        **extra,
    }


def _unclassified_base_words() -> list[str]:
    """better-profanity words in none of our lists: they default to the mild tier."""
    from policy.engine.rules.conduct import BASE_LIST_INSULTS

    known: set[str] = set()
    for name in (
        "profanity_strong",
        "profanity_mild",
        "profanity_expletive",
        "profanity_news",
        "slurs_strong",
        "slurs_ambiguous",
    ):
        known.update(canonical_entry(e.strip("*")) for e in read_lexicon(name))
    known.update(BASE_LIST_INSULTS)
    return [w for w in better_profanity_words() if canonical_entry(w) not in known]


class ProfanityRule(_WordListRule):
    """Serves the "profanity and vulgarity" clause.

    better-profanity 0.7.0's word list, sorted by hand into a ``strong`` tier
    (obscenity, sexual vulgarity), a ``mild`` tier (vulgar words such as arse,
    piss, bollocks; unsorted base words also land here), an ``expletive`` tier
    (damn, "hell yeah": common even in civil comments) and news
    vocabulary that is never flagged (murder, rape, gay, god, nazi, virgin ...).
    """

    KIND = "profanity"
    PARAMS = {
        "tier": Param(
            "str",
            "strong",
            "which list: strong, mild or expletive",
            choices=("strong", "mild", "expletive"),
        ),
        "extra_words": words_param("words and phrases added to the tier"),
        "allow": words_param("words and phrases never reported (contexts such as 'cum laude')"),
        "quoted": quoted_param(),
    }

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        tier = params["tier"]
        words = list(read_lexicon(f"profanity_{tier}"))
        if tier == "mild":
            words += _unclassified_base_words()
        words += params["extra_words"]
        # News vocabulary stays clean even when a leetspeak entry resolves to it ("p0rn").
        allow = read_lexicon("profanity_allow") + read_lexicon("profanity_news") + params["allow"]
        self.tier = tier
        self.matcher = Matcher(words, allow=allow, names=read_lexicon("names"), variants=True)
        self.quoted = params["quoted"]
        self.share_key = f"profanity:{tier}:{params['extra_words']!r}:{params['allow']!r}"

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        return self._evidence(a, tier=self.tier)


class SlursRule(_WordListRule):
    """Serves the "hate speech and slurs" clause.

    ``strong``: slurs with no ordinary meaning; ``ambiguous``: slurs that are
    also names, places or reclaimed words (a moderator decides).
    """

    KIND = "slurs"
    PARAMS = {
        "tier": Param(
            "str", "strong", "which list: strong or ambiguous", choices=("strong", "ambiguous")
        ),
        "extra_words": words_param("slurs added to the tier"),
        "allow": words_param("words and phrases never reported"),
        "quoted": quoted_param(),
    }

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.tier = params["tier"]
        words = read_lexicon(f"slurs_{self.tier}") + params["extra_words"]
        allow = read_lexicon("profanity_allow") + params["allow"]
        self.matcher = Matcher(words, allow=allow, names=read_lexicon("names"), variants=True)
        self.quoted = params["quoted"]
        self.share_key = f"slurs:{self.tier}:{params['extra_words']!r}:{params['allow']!r}"

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        return self._evidence(a, tier=self.tier)


class BannedWordsRule(Rule):
    """Serves any clause a site enforces with its own list of forbidden words or phrases.

    Matched on normalised text (leetspeak, separators, repeats, look-alikes).
    Entries may use wildcards: ``*word*``, ``word*``, ``*word``.
    """

    KIND = "banned_words"
    PARAMS = {
        "words": words_param("words and phrases"),
        "allow": words_param("words and phrases never reported"),
    }

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> str | None:
        return None if params["words"] else "words: must list at least one word or phrase"

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.matcher = Matcher(params["words"], allow=params["allow"], variants=True)

    def vocabulary(self) -> frozenset[str]:
        return self.matcher.vocabulary

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        found = self.matcher.find(a)
        return _evidence(found) if found else None


class SuspectWordsRule(BannedWordsRule):
    """Serves clauses such as spam or advertising: words that need a moderator's look.

    Same matching as ``banned_words``; a separate kind so policies read naturally
    (``suspect_words`` with ``action = "hold"``).
    """

    KIND = "suspect_words"
