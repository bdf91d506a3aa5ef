"""The engine: a compiled policy that turns (text, context) into a verdict."""

from __future__ import annotations

from time import perf_counter
from types import MappingProxyType

from policy.engine.document import Clause, Policy
from policy.engine.model import SEVERITY, Action, Context, Hit, Verdict
from policy.engine.normalise import Analysis
from policy.engine.rules import RULE_KINDS, Rule

_DEFAULT_CONTEXT = Context()
_ACTION_FOR = {2: Action.REJECT, 1: Action.HOLD}


class Engine:
    """A policy compiled once: word sets, tables and regular expressions.

    Immutable after construction and safe to share between threads: every
    evaluation works on its own :class:`~policy.engine.normalise.Analysis`.
    """

    __slots__ = ("_needs_scorers", "_policy", "_rules", "_vocabulary")

    def __init__(self, policy: Policy) -> None:
        rules: list[tuple[str, Rule, Clause, str, bool]] = []
        seen: dict[str, int] = {}
        for clause in policy.clauses:
            for spec in clause.rules:
                base = f"{clause.id}.{spec.rule}"
                seen[base] = seen.get(base, 0) + 1
                key = base if seen[base] == 1 else f"{base}#{seen[base]}"
                rule = RULE_KINDS[spec.rule](spec.params)
                rules.append((key, rule, clause, spec.action, rule.NEEDS_SCORES))
        self._policy = policy
        self._needs_scorers = frozenset(
            spec.params["scorer"]
            for clause in policy.clauses
            for spec in clause.rules
            if RULE_KINDS[spec.rule].NEEDS_SCORES
        )
        # Every word some rule looks up: each Analysis keeps only the candidates in it.
        self._vocabulary = frozenset().union(*(rule.vocabulary() for _, rule, *_ in rules))
        self._rules = tuple(rules)  # set last: from here on the engine is immutable

    def __setattr__(self, name: str, value: object) -> None:
        if hasattr(self, "_rules"):
            raise AttributeError("Engine is immutable")
        object.__setattr__(self, name, value)

    @property
    def policy(self) -> Policy:
        return self._policy

    @property
    def needs_scorers(self) -> frozenset[str]:
        """Names of the scorers the policy's ``score`` rules read."""
        return self._needs_scorers

    def evaluate(self, text: str, context: Context | None = None) -> Verdict:
        """Apply every rule of the policy to ``text``; most severe action wins."""
        ctx = context if context is not None else _DEFAULT_CONTEXT
        start = perf_counter()
        a = Analysis(text, self._vocabulary)
        prev = perf_counter()
        timings: dict[str, float] = {"normalise": prev - start}
        hits: list[Hit] = []
        worst = 0
        decider: Hit | None = None
        flagged = False
        skip_scores = ctx.scores is None
        for key, rule, clause, action, needs_scores in self._rules:
            if needs_scores and skip_scores:
                continue
            evidence = rule.check(a, ctx)
            now = perf_counter()
            timings[key] = now - prev
            prev = now
            if evidence is None:
                continue
            hit = Hit(rule.KIND, clause.id, clause.number, clause.title, action, evidence)
            hits.append(hit)
            severity = SEVERITY[action]
            if action == "flag":
                flagged = True
            elif severity > worst:
                worst, decider = severity, hit
        timings["total"] = perf_counter() - start
        return Verdict(
            action=_ACTION_FOR.get(worst, Action.PUBLISH),
            hits=tuple(hits),
            clause=decider,
            flagged=flagged,
            timings=MappingProxyType(timings),
        )
