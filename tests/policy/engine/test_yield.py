"""A hold that yields to its clause's own flag (``yield_to``, issue 15, item 6).

``yield_to = "insult"`` on a hold or reject rule: when a rule of that kind in the same clause
flagged the comment (and so chose to publish it), the rule's hold becomes a flag, with
``"yielded_to"`` in its evidence. The default policy's classifier toxicity hold yields to the
insult rule, whose flag marks name-calling of public figures.
"""

import pytest

from policy.engine import Action, Engine, PolicyError, load_policy

DOC = """
title = "Test"
[[clauses]]
id = "civility"
number = 1
title = "Be civil"
text = "Text."

  [[clauses.rules]]
  rule = "insult"
  target = "third_party"
  action = "flag"

  [[clauses.rules]]
  rule = "banned_words"
  words = ["idiot", "nitwit"]
  action = "hold"
  {yield_line}

[[clauses]]
id = "other"
number = 2
title = "Other"
text = "Text."

  [[clauses.rules]]
  rule = "banned_words"
  words = ["nitwit"]
  action = "hold"
"""


def _engine(yield_line: str = 'yield_to = "insult"') -> Engine:
    return Engine(load_policy(DOC.format(yield_line=yield_line)))


def test_a_hold_yields_when_its_clause_flagged_the_comment():
    v = _engine().evaluate("Trump is an idiot.")
    assert v.action is Action.PUBLISH and v.flagged
    held = [h for h in v.hits if h.rule == "banned_words"]
    assert [(h.action, h.evidence["yielded_to"]) for h in held] == [("flag", "insult")]


def test_without_yield_to_the_same_hold_holds():
    v = _engine("").evaluate("Trump is an idiot.")
    assert v.action is Action.HOLD and v.clause.rule == "banned_words"
    assert "yielded_to" not in v.clause.evidence


def test_no_flag_no_yield():
    # The insult rule does not see an insult aimed at anyone here: the hold stands.
    v = _engine().evaluate("idiot")
    assert v.action is Action.HOLD and "yielded_to" not in v.clause.evidence


def test_only_the_same_clause_is_read():
    # Another clause's hold does not yield to the civility clause's flag.
    v = _engine().evaluate("Trump is a nitwit.")
    assert v.action is Action.HOLD and v.clause.clause_id == "other"


def test_a_hold_yields_to_the_clause_it_names():
    doc = DOC.format(yield_line='yield_to = "insult"').replace(
        'words = ["nitwit"]\n  action = "hold"',
        'words = ["nitwit"]\n  action = "hold"\n  yield_to = "civility.insult"',
    )
    engine = Engine(load_policy(doc))
    v = engine.evaluate("Trump is a nitwit.")
    assert v.action is Action.PUBLISH and v.flagged
    other = [h for h in v.hits if h.clause_id == "other"]
    assert [(h.action, h.evidence["yielded_to"]) for h in other] == [("flag", "civility.insult")]
    # Said to a reader, the insult rule holds rather than flags: nothing yields.
    assert engine.evaluate("You nitwit.").action is Action.HOLD


@pytest.mark.parametrize(
    ("yield_line", "message"),
    [
        ('yield_to = "insults"', "yield_to: must name a rule kind"),
        ("yield_to = 3", "yield_to: must name a rule kind"),
        ('yield_to = "links"', 'no "links" rule with action "flag"'),
        ('yield_to = "other.insult"', 'clause "other" has no "insult" rule with action "flag"'),
        ('yield_to = "nowhere.insult"', 'clause "nowhere" has no "insult" rule'),
        ('yield_to = "Bad Id.insult"', "yield_to: must name a rule kind, or a clause id"),
    ],
)
def test_a_bad_yield_to_is_refused(yield_line, message):
    with pytest.raises(PolicyError) as info:
        _engine(yield_line)
    assert message in str(info.value)


def test_a_flag_cannot_yield():
    doc = DOC.format(yield_line="").replace(
        'words = ["idiot", "nitwit"]\n  action = "hold"',
        'words = ["idiot", "nitwit"]\n  action = "flag"\n  yield_to = "insult"',
    )
    with pytest.raises(PolicyError) as info:
        load_policy(doc)
    assert 'only a "hold" or "reject" action can yield' in str(info.value)
