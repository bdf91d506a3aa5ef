"""Word-list rules: profanity, slurs, and a site's own banned and suspect words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policy.engine.document import Param
from policy.engine.lexicon import Matcher, better_profanity_words, read_lexicon
from policy.engine.model import Context
from policy.engine.normalise import Analysis, canonical_entry
from policy.engine.rules.base import Evidence, Rule, words_param

_MAX_MATCHES = 20


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

    known = set()
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


class ProfanityRule(Rule):
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

    def vocabulary(self) -> frozenset[str]:
        return self.matcher.vocabulary

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        found = self.matcher.find(a)
        return _evidence(found, tier=self.tier) if found else None


class SlursRule(Rule):
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
    }

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.tier = params["tier"]
        words = read_lexicon(f"slurs_{self.tier}") + params["extra_words"]
        allow = read_lexicon("profanity_allow") + params["allow"]
        self.matcher = Matcher(words, allow=allow, names=read_lexicon("names"), variants=True)

    def vocabulary(self) -> frozenset[str]:
        return self.matcher.vocabulary

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        found = self.matcher.find(a)
        return _evidence(found, tier=self.tier) if found else None


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
