"""Rules about who is writing and where: standing, new commenters, articles, duplicates, scores."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from itertools import pairwise
from typing import Any

from policy.engine.document import Param
from policy.engine.model import STANDINGS, Context
from policy.engine.normalise import Analysis, fold
from policy.engine.rules.base import Evidence, Rule


class StandingRule(Rule):
    """Serves the "moderation and account standing" clause.

    Fires when the author's standing is one of ``standings``; use one rule per
    action (banned and suspended -> reject, premoderated -> hold).
    """

    KIND = "standing"
    PARAMS = {
        "standings": Param(
            "choices", ("banned", "suspended"), "standings this rule applies to", choices=STANDINGS
        ),
    }

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.standings = frozenset(params["standings"])

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        if ctx.author_standing in self.standings:
            return {"standing": ctx.author_standing}
        return None


class NewCommenterRule(Rule):
    """Serves the "moderation and account standing" clause: first comments are read first.

    Fires while ``author_approved_count < first_n``; ``first_n = 0`` disables it.
    """

    KIND = "new_commenter"
    PARAMS = {
        "first_n": Param(
            "int",
            0,
            "how many first comments a moderator reads",
            minimum=0,
            # Context counts an author's approved comments up to 1,000 (policy.services).
            maximum=1000,
        )
    }

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.first_n = params["first_n"]

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        first_n = self.first_n
        if ctx.author_approved_count < first_n:
            return {"approved_count": ctx.author_approved_count, "first_n": first_n}
        return None


class ArticleStateRule(Rule):
    """Serves the "moderation and account standing" clause: closed or premoderated articles."""

    KIND = "article_state"
    PARAMS = {
        "states": Param(
            "choices", ("closed",), "article states", choices=("closed", "premoderated")
        ),
    }

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.closed = "closed" in params["states"]
        self.premoderated = "premoderated" in params["states"]

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        if self.closed and not ctx.article_open:
            return {"state": "closed"}
        if self.premoderated and ctx.article_premoderated:
            return {"state": "premoderated"}
        return None


# An author's recent comments come back with each of their posts: remember their shingles.
# Bounded (bodies are at most a few KB each); pure, and lru_cache is thread-safe.
@lru_cache(maxsize=1024)
def _shingles(text: str) -> tuple[str, frozenset[str]]:
    tokens = fold(text).split()
    joined = " ".join(tokens)
    if len(tokens) < 3:
        return joined, frozenset(tokens)
    return joined, frozenset(map(" ".join, pairwise(tokens)))


class DuplicateRule(Rule):
    """Serves the "no duplicates" clause: the same comment posted again.

    Compares the normalised text with each of ``context.recent_bodies``:
    identical after normalisation, or Jaccard similarity of word pairs at
    least ``similarity``.  Only texts of at least ``min_chars`` are compared,
    so "Agreed." twice is fine.
    """

    KIND = "duplicate"
    PARAMS = {
        "similarity": Param("float", 0.9, "Jaccard similarity of word pairs", minimum=0, maximum=1),
        "min_chars": Param("int", 20, "shorter comments are never duplicates", minimum=0),
    }

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        if not ctx.recent_bodies or len(a.text.strip()) < self.params["min_chars"]:
            return None
        joined = " ".join(a.tokens)
        mine = None
        threshold = self.params["similarity"]
        for index, body in enumerate(ctx.recent_bodies):
            other, other_shingles = _shingles(body)
            if other == joined:
                return {"recent_index": index, "similarity": 1.0, "threshold": threshold}
            if mine is None:
                mine = _shingles(a.text)[1]
            small, big = sorted((len(mine), len(other_shingles)))
            if not big or small / big < threshold:
                continue
            sim = len(mine & other_shingles) / len(mine | other_shingles)
            if sim >= threshold:
                return {"recent_index": index, "similarity": round(sim, 3), "threshold": threshold}
        return None


class ScoreRule(Rule):
    """Serves whichever clause a scorer checks (toxicity model -> civility, spam service -> spam).

    Fires when ``context.scores[scorer][label] >= threshold``.  Skipped while
    ``context.scores`` is None (the synchronous pass before scorers ran); a
    missing scorer or label does not fire.
    """

    KIND = "score"
    NEEDS_SCORES = True
    PARAMS = {
        "scorer": Param("str", "", "scorer name, as Scorer.name"),
        "label": Param("str", "", "label in the scorer's result"),
        "threshold": Param("float", 0.9, "fires at or above", minimum=0, maximum=1),
    }

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> str | None:
        if not params["scorer"]:
            return "scorer: required"
        if not params["label"]:
            return "label: required"
        return None

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        if ctx.scores is None:
            return None
        p = self.params
        value = ctx.scores.get(p["scorer"], {}).get(p["label"])
        if value is None or value < p["threshold"]:
            return None
        return {
            "scorer": p["scorer"],
            "label": p["label"],
            "score": value,
            "threshold": p["threshold"],
        }
