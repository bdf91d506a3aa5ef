"""The engine: a compiled policy that turns (text, context) into a verdict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from itertools import islice
from operator import sub
from time import perf_counter
from types import MappingProxyType
from typing import NamedTuple

from policy.engine.document import Clause, Confirm, Policy
from policy.engine.model import SEVERITY, Action, Context, Hit, Verdict
from policy.engine.normalise import Analysis
from policy.engine.rules import RULE_KINDS, Rule
from policy.engine.rules.base import Evidence
from policy.engine.rules.classifier import scores_for

_DEFAULT_CONTEXT = Context()
# A rule's yield_to resolved: ((clause id, rule kind) whose flag it yields to, as written).
_Yield = tuple[tuple[str, str], str] | None
_ACTION_FOR = {2: Action.REJECT, 1: Action.HOLD}


class Engine:
    """A policy compiled once: word sets, tables and regular expressions.

    Immutable after construction and safe to share between threads: every
    evaluation works on its own :class:`~policy.engine.normalise.Analysis`.
    """

    __slots__ = ("_needs_scorers", "_passes", "_policy", "_rules", "_vocabulary")

    def __init__(self, policy: Policy) -> None:
        rules: list[tuple[str, Rule, Clause, str, bool, Confirm | None, _Yield]] = []
        seen: dict[str, int] = {}
        for clause in policy.clauses:
            for spec in clause.rules:
                base = f"{clause.id}.{spec.rule}"
                seen[base] = seen.get(base, 0) + 1
                key = base if seen[base] == 1 else f"{base}#{seen[base]}"
                rule = RULE_KINDS[spec.rule](spec.params)
                # What the rule yields to, resolved once: (clause id, rule kind), as written.
                target = spec.yields_to(clause.id)
                yields = (target, spec.yield_to) if target else None
                rules.append(
                    (key, rule, clause, spec.action, rule.NEEDS_SCORES, spec.confirm, yields)
                )
        self._policy = policy
        self._needs_scorers = frozenset(
            spec.params["scorer"]
            for clause in policy.clauses
            for spec in clause.rules
            if RULE_KINDS[spec.rule].NEEDS_SCORES
        )
        # Every word some rule looks up: each Analysis keeps only the candidates in it.
        self._vocabulary = frozenset().union(*(rule.vocabulary() for _, rule, *_ in rules))
        # What evaluate() runs, without and with scores: bound check methods, the
        # timing keys and what a hit of each rule cites, in policy order.
        self._passes = tuple(
            _Pass(
                checks=tuple(r[1].check for r in chosen),
                keys=tuple(r[0] for r in chosen),
                cites=tuple((r[1].KIND, r[2], r[3], r[5], r[6]) for r in chosen),
            )
            for chosen in (
                [r for r in rules if not r[4]],
                rules,
            )
        )
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
        # Per-rule timings are kept (verdict.timings names every rule), but as a
        # list of time stamps turned into a dict once, after the loop.
        stamps = [perf_counter()]
        stamp = stamps.append
        results: list[Evidence | None] = []
        result = results.append
        checks, keys, cites = self._passes[ctx.scores is not None]
        for check in checks:
            result(check(a, ctx))
            stamp(perf_counter())
        hits: list[Hit] = []
        worst = 0
        decider: Hit | None = None
        flagged = False
        if results.count(None) != len(results):
            for evidence, (kind, clause, action, confirm, _) in zip(results, cites, strict=True):
                if evidence is None:
                    continue
                if confirm is not None:
                    action, evidence = _confirmed(a, action, evidence, confirm)
                hits.append(Hit(kind, clause.id, clause.number, clause.title, action, evidence))
            if any(cite[4] for cite in cites):
                hits = _yielded(
                    hits, [c for r, c in zip(results, cites, strict=True) if r is not None]
                )
            for hit in hits:
                severity = SEVERITY[hit.action]
                if hit.action == "flag":
                    flagged = True
                elif severity > worst:
                    worst, decider = severity, hit
        timings: dict[str, float] = {"normalise": stamps[0] - start}
        timings.update(zip(keys, map(sub, islice(stamps, 1, None), stamps), strict=True))
        timings["total"] = perf_counter() - start
        return Verdict(
            action=_ACTION_FOR.get(worst, Action.PUBLISH),
            hits=tuple(hits),
            clause=decider,
            flagged=flagged,
            timings=MappingProxyType(timings),
        )


def _confirmed(
    a: Analysis, action: str, evidence: Evidence, confirm: Confirm
) -> tuple[str, Evidence]:
    """The hit's action and evidence once the classifier has had its say (RuleSpec.confirm):
    below ``at_least`` the hit only flags; the evidence records the score either way."""
    score = scores_for(a).probability(confirm.label)
    agreed = score >= confirm.at_least
    note = {"label": confirm.label, "score": round(score, 4), "at_least": confirm.at_least}
    return (action if agreed else "flag"), {
        **evidence,
        ("confirmed" if agreed else "unconfirmed"): note,
    }


def _yielded(
    hits: list[Hit], cites: list[tuple[str, Clause, str, Confirm | None, _Yield]]
) -> list[Hit]:
    """Hits whose rule yields (RuleSpec.yield_to) to a rule of its clause (or of the clause it
    names) that flagged this comment become flags, with what they yielded to in their
    evidence."""
    flags = {(h.clause_id, h.rule) for h in hits if h.action == "flag"}
    out = []
    for hit, cite in zip(hits, cites, strict=True):
        yields = cite[4]
        if yields is not None and hit.action != "flag" and yields[0] in flags:
            hit = replace(hit, action="flag", evidence={**hit.evidence, "yielded_to": yields[1]})
        out.append(hit)
    return out


class _Pass(NamedTuple):
    checks: tuple[Callable[[Analysis, Context], Evidence | None], ...]
    keys: tuple[str, ...]
    cites: tuple[tuple[str, Clause, str, Confirm | None, _Yield], ...]
