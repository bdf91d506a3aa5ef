"""Helpers shared by the engine tests (a plain module: the tests also run with --noconftest)."""

from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import cache
from pathlib import Path

from policy.engine import Engine, Policy, load_policy
from policy.engine.classifier.features import FEATURES_VERSION
from policy.engine.classifier.model import Model

ROOT = Path(__file__).resolve().parents[3]
CORPUS = Path(__file__).resolve().parent / "corpus"
DEFAULT_POLICY = ROOT / "policy" / "default_policy.toml"


def corpus_lines(name: str) -> list[str]:
    """Lines of a corpus file, without comments and blank lines."""
    text = (CORPUS / name).read_text("utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def default_policy() -> Policy:
    return load_policy(DEFAULT_POLICY.read_text("utf-8"))


@cache
def default_engine() -> Engine:
    return Engine(default_policy())


@cache
def rules_engine() -> Engine:
    """The default policy without its classifier rules, and without the classifier's
    confirmation of the others (``confirm``): tests of the rules' own decisions do not move
    when the model is retrained."""
    policy = default_policy()
    clauses = tuple(
        replace(c, rules=tuple(replace(r, confirm=None) for r in c.rules if r.rule != "classifier"))
        for c in policy.clauses
    )
    return Engine(replace(policy, clauses=clauses))


def one_rule_engine(rule: str, action: str = "hold", **params: object) -> Engine:
    """An engine whose policy has a single clause with a single rule."""
    lines = [f'rule = "{rule}"', f'action = "{action}"']
    for key, value in params.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        elif isinstance(value, (list, tuple)):
            items = ", ".join(f'"{v}"' for v in value)
            lines.append(f"{key} = [{items}]")
        else:
            lines.append(f"{key} = {value}")
    body = "\n".join(lines)
    doc = f"""
title = "Test"
[[clauses]]
id = "only"
number = 1
title = "Only clause"
text = "Text."
[[clauses.rules]]
{body}
"""
    return Engine(load_policy(doc))


@contextmanager
def model_without(label: str) -> Iterator[None]:
    """Loads, for the block, a real (tiny) model that scores every label but ``label``, as a
    model trained on data without that label's positives would; the shipped one afterwards."""
    from policy.engine.classifier import model as model_module

    labels = [lb for lb in model_module.get_model().labels if lb != label]
    meta = {
        "features_version": FEATURES_VERSION,
        "labels": labels,
        "intercepts": {lb: 0.0 for lb in labels},
    }
    tiny = Model(meta, ["a"], array("f", [1.0]), {lb: array("f", [0.0]) for lb in labels})
    shipped = model_module._loaded
    model_module._loaded = tiny
    try:
        yield
    finally:
        model_module._loaded = shipped
