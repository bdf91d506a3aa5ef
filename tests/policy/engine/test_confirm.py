"""A rule whose action waits for the built-in classifier to agree (``confirm``, issue 15).

``confirm = { label = "toxicity", at_least = 0.2 }`` on a hold or reject rule: the action
applies when the classifier scores the comment's label at or above ``at_least``; below it the
hit only flags, and the evidence says which way it went and at what score.
"""

import pytest

from policy.engine import Action, Engine, PolicyError, load_policy
from policy.engine.classifier import get_model

from .support import default_engine, model_without, rules_engine

CAPS = "CONGRATULATIONS TO THE WHOLE TEAM ON A WONDERFUL SEASON!"


def _engine(rule_lines: str) -> Engine:
    return Engine(
        load_policy(
            f"""
title = "Test"
[[clauses]]
id = "shouting"
number = 1
title = "Don't shout"
text = "Text."
[[clauses.rules]]
{rule_lines}
"""
        )
    )


def _shouting(action: str, at_least: float) -> Engine:
    return _engine(
        f'rule = "shouting"\naction = "{action}"\n'
        f'confirm = {{ label = "toxicity", at_least = {at_least} }}'
    )


def test_below_the_score_the_hit_only_flags_and_says_why():
    score = get_model().score(CAPS).probability("toxicity")
    v = _shouting("hold", 0.999).evaluate(CAPS)
    assert v.action is Action.PUBLISH
    assert v.flagged and v.clause is None
    (hit,) = v.hits
    assert hit.action == "flag" and hit.clause_id == "shouting"
    assert hit.evidence["unconfirmed"] == {
        "label": "toxicity",
        "score": round(score, 4),
        "at_least": 0.999,
    }
    assert "confirmed" not in hit.evidence


@pytest.mark.parametrize(("action", "expected"), [("hold", Action.HOLD), ("reject", Action.REJECT)])
def test_at_or_above_the_score_the_action_applies(action, expected):
    v = _shouting(action, 0.001).evaluate(CAPS)
    assert v.action is expected
    assert v.clause is not None and v.clause.action == action
    assert v.clause.evidence["confirmed"]["at_least"] == 0.001
    assert 0.001 <= v.clause.evidence["confirmed"]["score"] <= 1


def test_a_rule_that_does_not_fire_is_not_scored():
    v = _shouting("hold", 0.001).evaluate("A quiet, ordinary comment about the council's budget.")
    assert v.action is Action.PUBLISH and not v.hits


def test_an_unconfirmed_hit_does_not_hide_another_rules_hold():
    engine = _engine(
        'rule = "shouting"\naction = "hold"\n'
        'confirm = { label = "toxicity", at_least = 0.999 }\n'
        '[[clauses]]\nid = "length"\nnumber = 2\ntitle = "Short"\ntext = "Text."\n'
        '[[clauses.rules]]\nrule = "length"\naction = "reject"\nmax_chars = 20'
    )
    v = engine.evaluate(CAPS)
    assert v.action is Action.REJECT and v.clause.clause_id == "length"
    assert [h.action for h in v.hits] == ["flag", "reject"]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('rule = "shouting"\naction = "hold"\nconfirm = 0.2', "must be a table"),
        (
            'rule = "shouting"\naction = "hold"\nconfirm = { label = "toxicity" }',
            "must be a table",
        ),
        (
            'rule = "shouting"\naction = "hold"\n'
            'confirm = { label = "toxicity", at_least = 0.2, extra = 1 }',
            "must be a table",
        ),
        (
            'rule = "shouting"\naction = "hold"\nconfirm = { label = "toxicity", at_least = 0 }',
            "at_least must be a number between 0.001 and 1",
        ),
        (
            'rule = "shouting"\naction = "hold"\n'
            'confirm = { label = "toxicity", at_least = "high" }',
            "at_least must be a number",
        ),
        (
            'rule = "shouting"\naction = "flag"\nconfirm = { label = "toxicity", at_least = 0.2 }',
            'only a "hold" or "reject" action',
        ),
        (
            'rule = "classifier"\nlabel = "toxicity"\nthreshold = 0.9\naction = "hold"\n'
            'confirm = { label = "toxicity", at_least = 0.2 }',
            "needs no confirmation",
        ),
    ],
)
def test_a_bad_confirm_is_refused_with_its_path(lines, message):
    with pytest.raises(PolicyError) as info:
        _engine(lines)
    assert any(e.startswith("clauses[0].rules[0].confirm") for e in info.value.errors)
    assert message in str(info.value)


def test_a_confirm_by_a_label_the_model_does_not_score_is_refused():
    lines = (
        'rule = "shouting"\naction = "hold"\n'
        'confirm = { label = "sexual_explicit", at_least = 0.2 }'
    )
    with model_without("sexual_explicit"), pytest.raises(PolicyError) as info:
        _engine(lines)
    assert 'no model for "sexual_explicit"' in str(info.value)
    assert _engine(lines)  # the shipped model scores it


def test_the_default_policy_confirms_only_the_weak_signals():
    confirmed = {
        (c.id, r.rule, r.params.get("tier")): r.confirm
        for c in default_engine().policy.clauses
        for r in c.rules
        if r.confirm is not None
    }
    assert set(confirmed) == {
        ("shouting", "shouting", None),
        ("shouting", "repetition", None),
        ("hate-speech", "slurs", "ambiguous"),
    }
    assert {(c.label, c.at_least) for c in confirmed.values()} == {("toxicity", 0.2)}


def test_the_default_policy_publishes_ordinary_capitals_and_holds_heated_ones():
    calm = default_engine().evaluate(CAPS)
    assert calm.action is Action.PUBLISH and calm.flagged
    assert get_model().score(CAPS).probability("toxicity") < 0.2
    heated = default_engine().evaluate(
        "THESE PEOPLE ARE DISGUSTING AND SHOULD BE ASHAMED OF THEMSELVES"
    )
    assert heated.action is Action.HOLD
    assert heated.clause.clause_id == "shouting" and "confirmed" in heated.clause.evidence


def test_the_rules_engine_of_the_tests_holds_without_the_model():
    # support.rules_engine drops confirm, so the rule tables do not move with the model.
    assert rules_engine().evaluate(CAPS).action is Action.HOLD
