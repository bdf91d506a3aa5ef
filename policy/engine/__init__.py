"""Parley's written comment policy and the rules engine that enforces it.

Pure Python: no Django, no database, no network.  Load a policy document,
compile it once into an :class:`Engine`, evaluate comments::

    policy = load_policy(toml_text)
    engine = Engine(policy)
    verdict = engine.evaluate("You are an idiot", Context())
    verdict.action           # Action.HOLD
    verdict.clause.clause_id # "civility"

See docs/policy-format.md for the document format and every rule kind.
"""

from policy.engine.document import Clause, Confirm, Policy, PolicyError, RuleSpec, load_policy
from policy.engine.engine import Engine
from policy.engine.model import Action, Context, Hit, Scorer, Verdict
from policy.engine.rules import RULE_KINDS, SCORER_RULES

__all__ = [
    "RULE_KINDS",
    "SCORER_RULES",
    "Action",
    "Clause",
    "Confirm",
    "Context",
    "Engine",
    "Hit",
    "Policy",
    "PolicyError",
    "RuleSpec",
    "Scorer",
    "Verdict",
    "load_policy",
]
