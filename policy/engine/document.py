"""The written comment policy: a TOML document parsed into frozen dataclasses.

``load_policy`` validates strictly and reports every problem it can find at
once, each naming its field path (``clauses[3].rules[0].max_links: ...``).
Which parameters a rule takes is declared by the rule classes themselves
(:data:`policy.engine.rules.RULE_KINDS`), so the schema cannot drift from the code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

ACTIONS = ("reject", "hold", "flag")
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_POLICY_KEYS = {"title", "introduction", "clauses"}
_CLAUSE_KEYS = {"id", "number", "title", "text", "rules"}
_RULE_KEYS = {"rule", "action", "description", "confirm", "yield_to"}
_CONFIRM_KEYS = {"label", "at_least"}


class PolicyError(ValueError):
    """The policy document is invalid.  ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(self.errors) if len(self.errors) < 4 else "\n".join(self.errors))


@dataclass(frozen=True)
class Param:
    """Declaration of one rule parameter: its type, default and allowed range."""

    type: str  # "int", "float", "bool", "str", "words", "choices"
    default: Any
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()

    def check(self, value: Any) -> tuple[Any, str | None]:
        """Return ``(clean_value, None)`` or ``(None, message)``."""
        t = self.type
        if t == "int":
            if isinstance(value, bool) or not isinstance(value, int) or not self._in_range(value):
                return None, f"must be an integer{self._range_text()}"
            return value, None
        if t == "float":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not ok or not self._in_range(value):
                return None, f"must be a number{self._range_text()}"
            return float(value), None
        if t == "bool":
            if not isinstance(value, bool):
                return None, "must be true or false"
            return value, None
        if t == "str":
            if not isinstance(value, str) or (self.choices and value not in self.choices):
                choices = ", ".join(f'"{c}"' for c in self.choices)
                return None, f"must be one of {choices}" if choices else "must be a string"
            return value, None
        if t == "words":
            if not isinstance(value, list) or not all(
                isinstance(v, str) and v.strip() for v in value
            ):
                return None, "must be a list of non-empty strings"
            return tuple(v.strip() for v in value), None
        if t == "choices":
            bad = (
                not isinstance(value, list)
                or not value
                or any(not isinstance(v, str) or v not in self.choices for v in value)
            )
            if bad:
                choices = ", ".join(f'"{c}"' for c in self.choices)
                return None, f"must be a non-empty list of {choices}"
            return tuple(value), None
        raise AssertionError(t)  # pragma: no cover - declarations are ours

    def _in_range(self, value: float) -> bool:
        if self.minimum is not None and value < self.minimum:
            return False
        return self.maximum is None or value <= self.maximum

    def _range_text(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f" between {self.minimum:g} and {self.maximum:g}"
        if self.minimum is not None:
            return f" >= {self.minimum:g}"
        if self.maximum is not None:
            return f" <= {self.maximum:g}"
        return ""


@dataclass(frozen=True)
class RuleSpec:
    """One ``[[clauses.rules]]`` table: rule kind, action and parameters (defaults filled in)."""

    rule: str
    action: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    description: str = ""
    # ``confirm = { label = "toxicity", at_least = 0.3 }``: the action applies only when the
    # built-in classifier scores the comment's label at or above ``at_least``; a hit below it
    # only flags (the moderator still sees it).  None: the action always applies.
    confirm: Confirm | None = None
    # ``yield_to = "insult"``: when a rule of that kind in the same clause flagged the comment
    # (and so chose to publish it), this rule's hold or reject becomes a flag too;
    # ``yield_to = "civility.insult"``: the same for a rule of that kind in the clause of that
    # id. "": never.
    yield_to: str = ""

    def yields_to(self, clause_id: str) -> tuple[str, str] | None:
        """(clause id, rule kind) whose flag this rule yields to, or None."""
        if not self.yield_to:
            return None
        where, _, kind = self.yield_to.rpartition(".")
        return (where or clause_id, kind)


@dataclass(frozen=True)
class Confirm:
    """A rule's action that needs the built-in classifier to agree (RuleSpec.confirm)."""

    label: str
    at_least: float


@dataclass(frozen=True)
class Clause:
    """One numbered clause of the written policy and the rules that enforce it."""

    id: str
    number: int
    title: str
    text: str
    rules: tuple[RuleSpec, ...] = ()


@dataclass(frozen=True)
class Policy:
    """A whole comment policy; ``clauses`` are ordered by number."""

    title: str
    introduction: str
    clauses: tuple[Clause, ...]

    def clause(self, clause_id: str) -> Clause:
        """The clause with ``clause_id``; raises ``KeyError``."""
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)


def load_policy(toml_text: str) -> Policy:
    """Parse and validate a policy document; raises :class:`PolicyError` listing every problem."""
    from policy.engine.rules import RULE_KINDS  # rules import this module

    try:
        data = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([f"TOML syntax error: {exc}"]) from None
    errors: list[str] = []
    for key in sorted(set(data) - _POLICY_KEYS):
        errors.append(f"{key}: unknown key (allowed: clauses, introduction, title)")
    title = _text(data, "title", "title", errors, required=True)
    introduction = _text(data, "introduction", "introduction", errors, required=False)
    raw_clauses = data.get("clauses")
    clauses: list[Clause] = []
    if not isinstance(raw_clauses, list) or not raw_clauses:
        errors.append("clauses: must be a non-empty array of tables ([[clauses]])")
        raw_clauses = []
    seen_ids: dict[str, int] = {}
    seen_numbers: dict[int, int] = {}
    yields: list[tuple[str, str | None, RuleSpec]] = []
    for ci, raw in enumerate(raw_clauses):
        path = f"clauses[{ci}]"
        if not isinstance(raw, dict):
            errors.append(f"{path}: must be a table")
            continue
        for key in sorted(set(raw) - _CLAUSE_KEYS):
            errors.append(f"{path}.{key}: unknown key (allowed: id, number, rules, text, title)")
        cid = raw.get("id")
        if not isinstance(cid, str) or not _SLUG.match(cid):
            errors.append(f'{path}.id: must be a slug like "civility" (a-z, 0-9, "-", "_")')
            cid = None
        elif cid in seen_ids:
            errors.append(f'{path}.id: duplicate clause id "{cid}" (also clauses[{seen_ids[cid]}])')
        else:
            seen_ids[cid] = ci
        number = raw.get("number")
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            errors.append(f"{path}.number: must be an integer >= 1")
            number = None
        elif number in seen_numbers:
            errors.append(
                f"{path}.number: duplicate clause number {number} "
                f"(also clauses[{seen_numbers[number]}])"
            )
        else:
            seen_numbers[number] = ci
        ctitle = _text(raw, "title", f"{path}.title", errors, required=True)
        ctext = _text(raw, "text", f"{path}.text", errors, required=True)
        raw_rules = raw.get("rules", [])
        if not isinstance(raw_rules, list):
            errors.append(f"{path}.rules: must be an array of tables ([[clauses.rules]])")
            raw_rules = []
        rules = []
        for ri, raw_rule in enumerate(raw_rules):
            spec = _rule(raw_rule, f"{path}.rules[{ri}]", RULE_KINDS, errors)
            if spec is not None:
                rules.append(spec)
        yields.extend((path, cid, spec) for spec in rules if spec.yield_to)
        if cid is not None and number is not None:
            clauses.append(Clause(cid, number, ctitle, ctext, tuple(rules)))
    flags = {(c.id, r.rule) for c in clauses for r in c.rules if r.action == "flag"}
    for path, cid, spec in yields:
        target = spec.yields_to(cid or "")
        if cid is not None and target not in flags:
            where = "this clause has" if "." not in spec.yield_to else f'clause "{target[0]}" has'
            errors.append(
                f'{path}.rules: a rule yields to "{spec.yield_to}", but {where} no '
                f'"{target[1]}" rule with action "flag"'
            )
    if errors:
        raise PolicyError(errors)
    return Policy(title, introduction, tuple(sorted(clauses, key=lambda c: c.number)))


def _text(data: dict, key: str, path: str, errors: list[str], *, required: bool) -> str:
    value = data.get(key, None if required else "")
    if not isinstance(value, str) or (required and not value.strip()):
        errors.append(f"{path}: must be a {'non-empty ' if required else ''}string")
        return ""
    return value


def _rule(raw: Any, path: str, kinds: Mapping[str, Any], errors: list[str]) -> RuleSpec | None:
    if not isinstance(raw, dict):
        errors.append(f"{path}: must be a table")
        return None
    kind = raw.get("rule")
    if not isinstance(kind, str) or kind not in kinds:
        known = ", ".join(sorted(kinds))
        errors.append(f"{path}.rule: unknown rule kind {kind!r} (known: {known})")
        return None
    ok = True
    action = raw.get("action")
    if action not in ACTIONS:
        errors.append(f'{path}.action: must be one of "reject", "hold", "flag"')
        ok = False
    description = raw.get("description", "")
    if not isinstance(description, str):
        errors.append(f"{path}.description: must be a string")
        ok = False
    declared: Mapping[str, Param] = kinds[kind].PARAMS
    params: dict[str, Any] = {}
    for key in sorted(set(raw) - _RULE_KEYS):
        if key not in declared:
            allowed = ", ".join(sorted(_RULE_KEYS | set(declared)))
            errors.append(f'{path}.{key}: unknown key for rule "{kind}" (allowed: {allowed})')
            ok = False
            continue
        value, problem = declared[key].check(raw[key])
        if problem:
            errors.append(f"{path}.{key}: {problem}")
            ok = False
        else:
            params[key] = value
    for key, param in declared.items():
        params.setdefault(key, param.default)
    problem = kinds[kind].check_params(params)
    if problem:
        errors.append(f"{path}: {problem}")
        ok = False
    confirm = None
    if "confirm" in raw:
        confirm = _confirm(raw["confirm"], f"{path}.confirm", kind, action, errors)
        ok = ok and confirm is not None
    yield_to = raw.get("yield_to", "")
    if yield_to:
        text = yield_to if isinstance(yield_to, str) else ""
        where, _, yield_kind = text.rpartition(".")
        if yield_kind not in kinds or (where and not _SLUG.match(where)):
            errors.append(
                f"{path}.yield_to: must name a rule kind, or a clause id and a rule kind as in "
                f'"civility.insult" (known kinds: {", ".join(sorted(kinds))})'
            )
            ok = False
        elif action == "flag":
            errors.append(f'{path}.yield_to: only a "hold" or "reject" action can yield')
            ok = False
    if not ok:
        return None
    return RuleSpec(kind, action, MappingProxyType(params), description, confirm, yield_to)


def _confirm(raw: Any, path: str, kind: str, action: Any, errors: list[str]) -> Confirm | None:
    from policy.engine.classifier import ModelError, get_model

    if not isinstance(raw, dict) or set(raw) != _CONFIRM_KEYS:
        errors.append(f'{path}: must be a table {{ label = "toxicity", at_least = 0.3 }}')
        return None
    label, at_least = raw["label"], raw["at_least"]
    problems = []
    if kind == "classifier":
        problems.append("a classifier rule needs no confirmation")
    if action == "flag":
        problems.append('only a "hold" or "reject" action can wait for confirmation')
    try:
        scored: tuple[str, ...] = tuple(get_model().labels)
    except ModelError as exc:
        problems.append(f"the built-in classifier cannot be loaded: {exc}")
    else:
        if label not in scored:
            problems.append(
                f'label: the built-in classifier has no model for "{label}" '
                f"(it scores: {', '.join(scored)})"
            )
    value, problem = Param("float", 0.5, "", minimum=0.001, maximum=1).check(at_least)
    if problem:
        problems.append(f"at_least {problem}")
    for problem in problems:
        errors.append(f"{path}: {problem}")
    return None if problems else Confirm(label, value)
