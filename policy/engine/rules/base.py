"""The base class every rule kind derives from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from policy.engine.document import Param
from policy.engine.model import Context
from policy.engine.normalise import Analysis

Evidence = dict[str, Any]


class Rule:
    """A compiled rule: built once per engine, then only read (safe to share across threads).

    Subclasses declare ``KIND`` (the ``rule = "..."`` name in TOML) and ``PARAMS``,
    and implement :meth:`check`, returning evidence when the rule fires.
    """

    KIND: ClassVar[str] = ""
    PARAMS: ClassVar[Mapping[str, Param]] = {}
    NEEDS_SCORES: ClassVar[bool] = False

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.params = params

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> str | None:
        """Cross-parameter validation; return a message naming the problem, or None."""
        return None

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        raise NotImplementedError

    def vocabulary(self) -> frozenset[str]:
        """Every word :meth:`check` looks up in :attr:`Analysis.relevant` or ``relevant_canon``.

        The engine passes the union over its rules to each :class:`Analysis`; a
        rule that tests a word missing here would never see it.
        """
        return frozenset()


def words_param(help_text: str) -> Param:
    return Param("words", (), help_text)
