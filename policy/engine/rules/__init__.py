"""Rule kinds by name, as written in ``rule = "..."`` of a policy document."""

from __future__ import annotations

from policy.engine.rules.author import (
    ArticleStateRule,
    DuplicateRule,
    NewCommenterRule,
    ScoreRule,
    StandingRule,
)
from policy.engine.rules.base import Rule
from policy.engine.rules.classifier import ClassifierRule
from policy.engine.rules.conduct import IdentityAttackRule, InsultRule, ThreatRule
from policy.engine.rules.form import (
    LengthRule,
    LinksRule,
    PersonalInfoRule,
    RepetitionRule,
    ShoutingRule,
)
from policy.engine.rules.words import BannedWordsRule, ProfanityRule, SlursRule, SuspectWordsRule

RULE_KINDS: dict[str, type[Rule]] = {
    cls.KIND: cls
    for cls in (
        ProfanityRule,
        SlursRule,
        BannedWordsRule,
        SuspectWordsRule,
        InsultRule,
        ThreatRule,
        IdentityAttackRule,
        LinksRule,
        ShoutingRule,
        LengthRule,
        RepetitionRule,
        PersonalInfoRule,
        DuplicateRule,
        NewCommenterRule,
        StandingRule,
        ArticleStateRule,
        ScoreRule,
        ClassifierRule,
    )
}
# Rule kinds that read Context.scores and are skipped until the scorers ran.
SCORER_RULES = frozenset(kind for kind, cls in RULE_KINDS.items() if cls.NEEDS_SCORES)

__all__ = ["RULE_KINDS", "SCORER_RULES", "Rule"]
