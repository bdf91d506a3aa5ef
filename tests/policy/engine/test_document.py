import pytest

from policy.engine import Clause, PolicyError, RuleSpec, load_policy

from .support import DEFAULT_POLICY

GOOD = """
title = "Rules"
introduction = "Be nice."

[[clauses]]
id = "civility"
number = 1
title = "Be civil"
text = "No attacks."
  [[clauses.rules]]
  rule = "insult"
  action = "hold"

[[clauses]]
id = "off-topic"
number = 2
title = "Stay on topic"
text = "Moderators only."
"""


def _errors(doc: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_policy(doc)
    return info.value.errors


def test_default_policy_loads_with_twelve_clauses():
    policy = load_policy(DEFAULT_POLICY.read_text("utf-8"))
    assert [c.number for c in policy.clauses] == list(range(1, 13))
    assert policy.clause("off-topic").rules == ()
    assert policy.clause("impersonation").rules == ()


def test_load_good_policy_fills_defaults():
    policy = load_policy(GOOD)
    assert policy.title == "Rules"
    assert policy.introduction == "Be nice."
    civility = policy.clauses[0]
    assert isinstance(civility, Clause)
    assert civility.rules[0] == RuleSpec("insult", "hold", civility.rules[0].params, description="")
    assert dict(civility.rules[0].params) == {
        "extra_words": (),
        "extra_targets": (),
        "target": "any",
        "quoted": "include",
    }


def test_clauses_are_ordered_by_number():
    doc = GOOD.replace("number = 1", "number = 5")
    policy = load_policy(doc)
    assert [c.id for c in policy.clauses] == ["off-topic", "civility"]


def _with_rule(rule_body: str) -> str:
    return GOOD.replace('  rule = "insult"\n  action = "hold"', rule_body)


@pytest.mark.parametrize(
    ("rule_body", "expected"),
    [
        (
            'rule = "nonsense"\naction = "hold"',
            "clauses[0].rules[0].rule: unknown rule kind 'nonsense'",
        ),
        ('rule = "links"\naction = "delete"\nmax_links = 2', "clauses[0].rules[0].action: must be"),
        (
            'rule = "links"\naction = "hold"\nmax_links = -5',
            "clauses[0].rules[0].max_links: must be an integer >= -1",
        ),
        (
            'rule = "links"\naction = "hold"\nmax_links = "two"',
            "clauses[0].rules[0].max_links: must be an integer",
        ),
        (
            'rule = "shouting"\naction = "hold"\nmax_caps_ratio = 1.5',
            "clauses[0].rules[0].max_caps_ratio: must be a number between 0 and 1",
        ),
        (
            'rule = "profanity"\naction = "hold"\ntier = "nuclear"',
            'clauses[0].rules[0].tier: must be one of "strong", "mild"',
        ),
        (
            'rule = "profanity"\naction = "hold"\nextra_words = "damn"',
            "clauses[0].rules[0].extra_words: must be a list of non-empty strings",
        ),
        (
            'rule = "insult"\naction = "hold"\nmax_links = 2',
            'clauses[0].rules[0].max_links: unknown key for rule "insult"',
        ),
        (
            'rule = "standing"\naction = "hold"\nstandings = ["grumpy"]',
            "clauses[0].rules[0].standings: must be a non-empty list of",
        ),
        (
            'rule = "score"\naction = "hold"\nlabel = "toxic"',
            "clauses[0].rules[0]: scorer: required",
        ),
        ('rule = "links"\naction = "hold"', "clauses[0].rules[0]: max_links: set max_links"),
        (
            'rule = "length"\naction = "hold"\nmin_chars = 10\nmax_chars = 5',
            "clauses[0].rules[0]: max_chars: must be 0 or >= min_chars",
        ),
        ('rule = "banned_words"\naction = "reject"', "clauses[0].rules[0]: words: must list"),
    ],
)
def test_rule_validation_errors_name_the_field(rule_body, expected):
    errors = _errors(_with_rule(rule_body))
    assert any(e.startswith(expected) for e in errors), errors


def test_duplicate_clause_id_and_number():
    doc = GOOD.replace('id = "off-topic"\nnumber = 2', 'id = "civility"\nnumber = 1')
    errors = _errors(doc)
    assert 'clauses[1].id: duplicate clause id "civility" (also clauses[0])' in errors
    assert "clauses[1].number: duplicate clause number 1 (also clauses[0])" in errors


def test_unknown_keys_at_every_level_are_all_reported():
    doc = "colour = 'red'\n" + GOOD.replace('title = "Be civil"', 'title = "Be civil"\nfoo = 1')
    doc = doc.replace('action = "hold"', 'action = "hold"\nbar = 2')
    errors = _errors(doc)
    assert errors[0].startswith("colour: unknown key")
    assert any(e.startswith("clauses[0].foo: unknown key") for e in errors)
    assert any(
        e.startswith('clauses[0].rules[0].bar: unknown key for rule "insult"') for e in errors
    )


def test_bad_slug_and_missing_fields():
    errors = _errors('[[clauses]]\nid = "Not A Slug"\nnumber = 0\n')
    assert "title: must be a non-empty string" in errors
    assert any(e.startswith("clauses[0].id: must be a slug") for e in errors)
    assert "clauses[0].number: must be an integer >= 1" in errors
    assert "clauses[0].title: must be a non-empty string" in errors


def test_syntax_error_names_the_line():
    errors = _errors('title = "x"\n\n[[clauses]\nid = "a"\n')
    assert len(errors) == 1
    assert errors[0].startswith("TOML syntax error:")
    assert "line 3" in errors[0]


def test_no_clauses():
    assert _errors('title = "x"') == ["clauses: must be a non-empty array of tables ([[clauses]])"]
