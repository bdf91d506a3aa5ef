"""Values that go in and out of the engine: context, hits, verdicts, scorers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

STANDINGS = ("active", "warned", "premoderated", "suspended", "banned")


class Action(StrEnum):
    """What happens to the comment.  Severity order: publish < hold < reject."""

    PUBLISH = "publish"
    HOLD = "hold"
    REJECT = "reject"


SEVERITY = {"flag": 0, "hold": 1, "reject": 2}


@dataclass(frozen=True)
class Context:
    """What the engine may know besides the text.  Every field has a safe default."""

    author_standing: str = "active"
    # Counted up to 1,000 by the Django side: rules compare them with small thresholds.
    author_approved_count: int = 0
    author_rejected_count: int = 0
    recent_bodies: tuple[str, ...] = ()
    article_open: bool = True
    article_premoderated: bool = False
    # scorer name -> label -> score; None means the slow scorers have not run yet.
    scores: Mapping[str, Mapping[str, float]] | None = None
    site_words: Any = None  # reserved; per-site word lists live in the policy document


@dataclass(frozen=True)
class Hit:
    """One rule that fired, with the clause it enforces and JSON-serialisable evidence."""

    rule: str
    clause_id: str
    clause_number: int
    clause_title: str
    action: str  # "reject" | "hold" | "flag"
    evidence: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "clause_id": self.clause_id,
            "clause_number": self.clause_number,
            "clause_title": self.clause_title,
            "action": self.action,
            "evidence": dict(self.evidence),
        }


@dataclass(frozen=True)
class Verdict:
    """The engine's decision on one comment.

    ``clause`` is the hit that decided the action (most severe; ties go to the
    lowest clause number), or None when the comment publishes.  ``flag`` hits
    never change the action; they set ``flagged`` to raise queue priority.
    """

    action: Action
    hits: tuple[Hit, ...] = ()
    clause: Hit | None = None
    flagged: bool = False
    timings: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "clause": self.clause.to_dict() if self.clause else None,
            "flagged": self.flagged,
            "hits": [hit.to_dict() for hit in self.hits],
            "timings": dict(self.timings),
        }


@runtime_checkable
class Scorer(Protocol):
    """An external or slow classifier (toxicity model, spam service).

    The pipeline calls ``score`` outside the engine and passes the results in
    ``Context.scores[scorer.name]``; ``score`` rules compare them with thresholds.
    """

    name: str

    def score(self, text: str, context: Context) -> Mapping[str, float]: ...
