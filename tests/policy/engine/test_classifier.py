"""The built-in classifier: the runtime scores like training did, evidence, policy entries."""

import json

import pytest

from policy.engine import Action, PolicyError
from policy.engine.classifier import LABELS, MODEL_PATH, get_model
from policy.engine.classifier.features import tokens

from .support import corpus_lines, default_engine, default_policy, model_without, one_rule_engine

METRICS = json.loads((MODEL_PATH.parent / "metrics.json").read_text("utf-8"))
# The clause each label serves in the default policy.
LABEL_CLAUSE = {
    "toxicity": "civility",
    "severe_toxicity": "civility",
    "insult": "civility",
    "obscene": "profanity",
    "identity_attack": "hate-speech",
    "threat": "threats",
    "sexual_explicit": "profanity",
}


@pytest.mark.parametrize("sample", METRICS["samples"], ids=lambda s: s["text"][:30])
def test_runtime_matches_training_pipeline(sample):
    scores = get_model().score(sample["text"])
    for label, expected in sample["probabilities"].items():
        assert scores.probability(label) == pytest.approx(expected, abs=1e-6), label


def test_model_scores_toxicity_and_identity_attack():
    # obscene, insult and threat have too few rated examples in the training corpora
    # (docs/classifier.md); the model scores the labels it could learn.
    assert {"toxicity", "identity_attack"} <= set(get_model().labels)
    assert set(get_model().labels) <= set(LABELS)


def test_model_is_loaded_once():
    assert get_model() is get_model()


@pytest.mark.parametrize(
    "text",
    [
        "You are a complete idiot and a moron, shut up.",
        "Go back to where you came from, you filthy animal.",
        "I will find you and kill you.",
        "What a load of f*cking sh!t.",
    ],
)
def test_evidence_spans_point_into_the_text(text):
    scores = get_model().score(text)
    for label in get_model().labels:
        spans = scores.evidence(label, 3)
        assert len(spans) <= 3
        for span in spans:
            assert text[span.start : span.end] == span.text
            assert span.weight > 0
        assert [s.weight for s in spans] == sorted((s.weight for s in spans), reverse=True)


def test_evidence_names_the_abusive_word():
    text = "Honestly, you are a pathetic bitch."
    words = [s.text for s in get_model().score(text).evidence("toxicity", 2)]
    assert "bitch" in words


def test_tokens_keep_offsets_of_the_original_text():
    text = "\uff26\uff55\uff4c\uff4c width, sh!t and a zero\u200bwidth split."
    for token, start, end in tokens(text):
        assert text[start:end]
        assert token == token.lower()
    assert ("shit" in {t for t, _, _ in tokens(text)}) is False  # "sh!t" stays a token of its own
    assert "zerowidth" in {t for t, _, _ in tokens(text)}


@pytest.mark.parametrize("text", corpus_lines("news_false_positives.txt"))
def test_news_sentences_are_not_held_by_the_classifier(text):
    verdict = default_engine().evaluate(text)
    held = [h for h in verdict.hits if h.rule == "classifier" and h.action != "flag"]
    assert held == []


def test_default_policy_cites_clauses_for_each_label():
    served = {}
    for clause in default_policy().clauses:
        for spec in clause.rules:
            if spec.rule == "classifier":
                served.setdefault(spec.params["label"], set()).add(clause.id)
    assert set(served) == set(get_model().labels)
    for label, clauses in served.items():
        assert clauses == {LABEL_CLAUSE[label]}, label


def test_a_hit_carries_score_and_words():
    engine = one_rule_engine("classifier", label="toxicity", threshold=0.001)
    verdict = engine.evaluate("You are a stupid bitch.")
    assert verdict.action is Action.HOLD
    (hit,) = verdict.hits
    assert hit.rule == "classifier"
    assert hit.evidence["label"] == "toxicity"
    assert 0.001 <= hit.evidence["score"] <= 1
    assert hit.evidence["threshold"] == 0.001
    start, end, word = hit.evidence["matches"][0]
    assert "You are a stupid bitch."[start:end] == word
    assert len(hit.evidence["weights"]) == len(hit.evidence["matches"])
    assert hit.evidence["weights"] == sorted(hit.evidence["weights"], reverse=True)
    json.dumps(verdict.to_dict())


def test_below_threshold_does_not_fire():
    engine = one_rule_engine("classifier", label="identity_attack", threshold=1.0)
    assert engine.evaluate("Lovely weather for the parade today.").action is Action.PUBLISH


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"label": "rudeness"}, "label: must be one of"),
        ({}, "label: required"),
        ({"label": "toxicity", "threshold": 1.5}, "threshold: must be a number between"),
        ({"label": "toxicity", "threshold": 0}, "threshold: must be a number between"),
        ({"label": "toxicity", "threshold": "high"}, "threshold: must be a number"),
        ({"label": "toxicity", "evidence_words": 99}, "evidence_words: must be an integer"),
        ({"label": "toxicity", "hold": 0.9}, "hold: unknown key"),
    ],
)
def test_bad_parameters_are_policy_errors(params, problem):
    with pytest.raises(PolicyError) as err:
        one_rule_engine("classifier", **params)
    assert problem in str(err.value)


def test_a_label_the_model_does_not_score_is_a_policy_error():
    # A label needs positives from two sources to be learnt; a model without one refuses it.
    with model_without("sexual_explicit"), pytest.raises(PolicyError) as err:
        one_rule_engine("classifier", label="sexual_explicit")
    assert 'has no model for "sexual_explicit"' in str(err.value)
    assert one_rule_engine("classifier", label="sexual_explicit")  # the shipped model scores it


@pytest.mark.parametrize(
    "text",
    [
        "Members of Pussy Riot were jailed in 2012.",
        "The pussy willow is one of the first plants to flower in spring.",
    ],
)
def test_allow_listed_senses_are_blanked_before_the_model_scores(text):
    from policy.engine.rules.classifier import without_known_senses

    blanked = without_known_senses(text)
    assert len(blanked) == len(text) and "ussy" not in blanked.lower()
    # The bag of words alone takes these for abuse (the toxicity flag or more); blanked, not.
    assert get_model().score(text).probability("toxicity") > 0.85
    assert get_model().score(blanked).probability("toxicity") < 0.5
    assert default_engine().evaluate(text).action is Action.PUBLISH


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Kill the bill.", "."),
        ("They want to kill the deal before the vote.", "They want to before the vote."),
        ("Shoot down this proposal, senators.", ", senators."),
        ("Torpedo the new deal and the people who wrote it.", "and the people who wrote it."),
        ("I hope the weather will burn off the fog.", "I hope the weather will ."),
        ("A long walk burns off the calories.", "A long walk ."),
        # A person is no figurative object: the classifier still reads these.
        ("Kill the unbeliever!", "Kill the unbeliever!"),
        ("kill them all", "kill them all"),
    ],
)
def test_violent_verbs_used_of_things_are_blanked_before_the_model_scores(text, kept):
    from policy.engine.rules.classifier import without_known_senses

    blanked = without_known_senses(text)
    assert len(blanked) == len(text)
    assert " ".join(blanked.split()) == " ".join(kept.split())


def test_a_word_allowed_between_hyphens_is_blanked_only_there_before_the_model_scores():
    # profanity_allow.txt's "-cum-" reaches the classifier too: the Latin word joining two
    # words is not read, the word elsewhere is.
    from policy.engine.rules.classifier import without_known_senses

    joined = "the Liberal strategist-cum-apologist said"
    assert without_known_senses(joined) == "the Liberal strategist     apologist said"
    for text in ("the -cum- joke", "cum on"):
        assert without_known_senses(text) == text


def test_kill_the_bill_is_not_a_threat_to_the_classifier():
    # Before the figurative senses were blanked, the threat hold (0.97) took it: 0.996.
    assert get_model().score("Kill the bill.").probability("threat") > 0.97
    verdict = default_engine().evaluate("Kill the bill.")
    assert verdict.action is Action.PUBLISH and not verdict.flagged
    # With a person as the object it is still read, and flagged for a moderator.
    verdict = default_engine().evaluate("Kill the senator.")
    assert any(h.rule == "classifier" and h.evidence["label"] == "threat" for h in verdict.hits)


def test_the_default_policy_holds_what_the_classifier_is_sure_of_and_flags_name_calling():
    # No rule fires on it; the classifier is sure it attacks a group: held under hate speech.
    verdict = default_engine().evaluate("Refugees not welcome, deport them all.")
    assert verdict.action is Action.HOLD
    assert verdict.clause.rule == "classifier" and verdict.clause.clause_id == "hate-speech"
    assert {h.rule for h in verdict.hits if h.action != "flag"} == {"classifier"}
    # Name-calling of a public figure scores above toxicity's hold, and the hold yields to the
    # insult rule's flag: published and flagged, as the civility clause says.
    scores = get_model().score("Trump is a stupid idiot.")
    assert scores.probability("insult") > 0.9 and scores.probability("toxicity") > 0.999255
    verdict = default_engine().evaluate("Trump is a stupid idiot.")
    assert verdict.action is Action.PUBLISH and verdict.flagged
    yielded = [h for h in verdict.hits if h.evidence.get("yielded_to") == "insult"]
    assert [(h.rule, h.clause_id, h.action, h.evidence["label"]) for h in yielded] == [
        ("classifier", "civility", "flag", "toxicity")
    ]
    # Said to another reader, the insult rule holds and nothing yields.
    verdict = default_engine().evaluate("You are an idiot.")
    assert verdict.action is Action.HOLD
    assert not any("yielded_to" in h.evidence for h in verdict.hits)


def test_every_label_flags_and_the_holds_are_the_documented_ones():
    actions: dict[str, set[str]] = {}
    for clause in default_policy().clauses:
        for spec in clause.rules:
            if spec.rule == "classifier":
                actions.setdefault(spec.params["label"], set()).add(spec.action)
    # Insult cannot tell who is called names, so it only flags; toxicity's hold yields to the
    # insult rule's flag for names aimed at public figures (docs/classifier.md).
    assert actions == {
        "toxicity": {"hold", "flag"},
        "insult": {"flag"},
        "severe_toxicity": {"hold"},
        "obscene": {"hold", "flag"},
        "threat": {"hold", "flag"},
        "identity_attack": {"hold", "flag"},
        # 52 validation positives (Civil Comments and Social Bias Frames): flagged only.
        "sexual_explicit": {"flag"},
    }
