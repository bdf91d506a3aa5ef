"""The ``classifier`` rule kind: the built-in offline classifier's score for one label."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Mapping
from typing import Any

from policy.engine.classifier import LABELS, ModelError, Scores, get_model
from policy.engine.document import Param
from policy.engine.lexicon import read_lexicon
from policy.engine.model import Context
from policy.engine.normalise import Analysis
from policy.engine.rules.base import Evidence, Rule


class _Last(threading.local):
    analysis: Analysis | None = None
    scores: Scores | None = None


_last = _Last()


# "kill the bill", "shoot down this proposal", "torpedo the new deal", "burn off the fog":
# violent verbs used of things (lexicon/figurative_objects.txt), at most one determiner and one
# adjective between.
_FIGURATIVE_VERBS = (
    r"kill(?:s|ed|ing)?|shoot(?:s|ing)?[\W_]+down|shot[\W_]+down|torpedo(?:es|ed|ing|s)?|"
    r"scuttl(?:e|es|ed|ing)|burn(?:s|ed|t|ing)?[\W_]+off"
)
_DETERMINERS = r"the|this|that|these|those|a|an|any|every|his|her|their|our|its|your|my"


@functools.cache
def _known_senses() -> re.Pattern[str]:
    """What the model never sees, in one pattern: the profanity rule's allow list, phrases
    whose words look offensive alone but are clean together ("Pussy Riot", "pussy willow",
    "Dyke March", "Moby Dick", "Homo sapiens"), which a bag of words cannot tell apart; and
    violent verbs used of things ("kill the bill"), which it learnt from threats to people."""
    phrases = sorted(read_lexicon("profanity_allow"), key=len, reverse=True)
    allowed = "|".join(r"[\W_]+".join(map(re.escape, phrase.split())) for phrase in phrases)
    objects = "|".join(map(re.escape, sorted(read_lexicon("figurative_objects"), key=len)[::-1]))
    figurative = (
        rf"(?:{_FIGURATIVE_VERBS})[\W_]+(?:(?:{_DETERMINERS})[\W_]+)?(?:[a-z]+[\W_]+)?"
        rf"(?:{objects})"
    )
    return re.compile(rf"\b(?:{allowed}|{figurative})\b", re.IGNORECASE)


def without_known_senses(text: str) -> str:
    """`text` with the allow-listed phrases and the figurative senses of violent verbs ("kill
    the bill") blanked out (same length, so evidence spans keep their offsets in the original
    text)."""
    return _known_senses().sub(lambda m: " " * len(m.group()), text)


def scores_for(a: Analysis) -> Scores:
    """The model's scores for this comment, computed once per evaluation whatever rules ask.

    The engine runs a comment's rules one after the other on one thread, so remembering the
    last analysis per thread is enough (and needs nothing from :class:`Analysis`).
    """
    last = _last
    if last.analysis is not a or last.scores is None:
        last.scores = get_model().score(without_known_senses(a.text))
        last.analysis = a
    return last.scores


class ClassifierRule(Rule):
    """Serves whichever clause its label belongs to (insult -> civility, obscene -> profanity,
    identity_attack -> hate speech, threat -> threats, toxicity -> civility).

    Fires when the built-in classifier's probability for ``label`` is at or
    above ``threshold``; the clause's ``action`` says what then happens, so a
    label that should flag at one score and hold at a higher one is written as
    two rules.  The evidence is the score and the words that weighed most, as
    spans of the original text, for the moderator.  Runs in the engine's
    ordinary pass (no scorer, no network): the synchronous check, posting and
    the pipeline all see it.
    """

    KIND = "classifier"
    PARAMS = {
        "label": Param("str", "", "the classifier's label", choices=LABELS),
        "threshold": Param("float", 0.9, "fires at or above", minimum=0.001, maximum=1),
        "evidence_words": Param("int", 5, "words shown as evidence", minimum=0, maximum=20),
    }

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> str | None:
        if not params["label"]:
            return "label: required (one of " + ", ".join(LABELS) + ")"
        try:
            scored = get_model().labels
        except ModelError as exc:
            return f"the built-in classifier cannot be loaded: {exc}"
        if params["label"] not in scored:
            return (
                f'label: the built-in classifier has no model for "{params["label"]}" '
                f"(it scores: {', '.join(scored)})"
            )
        return None

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self._label: str = params["label"]
        self._threshold: float = params["threshold"]
        self._words: int = params["evidence_words"]
        get_model()  # loaded with the engine, not on the first comment

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        s = scores_for(a)
        p = s.probability(self._label)
        if p < self._threshold:
            return None
        spans = s.evidence(self._label, self._words)
        # "matches" as every rule writes them ([start, end, text] of the original text), so
        # the moderation queue marks the words; "weights" gives each word's share of the score.
        return {
            "label": self._label,
            "score": round(p, 4),
            "threshold": self._threshold,
            "matches": [[span.start, span.end, span.text] for span in spans],
            "weights": [span.weight for span in spans],
        }
