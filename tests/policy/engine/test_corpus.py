"""The development corpus: false positives, evasions and quality figures.

Run with ``-s`` to see the figures quoted in docs/policy-format.md.
"""

import pytest

from policy.engine import Action
from policy.engine.lexicon import better_profanity_words, read_lexicon
from policy.engine.normalise import canonical_entry

from .support import corpus_lines, default_engine

engine = default_engine()

ABUSIVE = [
    "abusive_obscene.txt",
    "abusive_insult.txt",
    "abusive_threat.txt",
    "abusive_identity.txt",
]


@pytest.mark.parametrize("text", corpus_lines("news_false_positives.txt"))
def test_news_vocabulary_publishes(text):
    verdict = engine.evaluate(text)
    assert verdict.action is Action.PUBLISH, verdict.to_dict()["hits"]


@pytest.mark.parametrize("text", corpus_lines("group_mentions.txt"))
def test_neutral_and_positive_mentions_of_groups_publish(text):
    verdict = engine.evaluate(text)
    assert verdict.action is Action.PUBLISH, verdict.to_dict()["hits"]


@pytest.mark.parametrize("text", corpus_lines("evasions.txt"))
def test_evasions_are_caught(text):
    assert engine.evaluate(text).action is not Action.PUBLISH


def _flagged(engine, lines: list[str]) -> int:
    """Comments held or rejected."""
    return sum(engine.evaluate(t).action is not Action.PUBLISH for t in lines)


def _seen(engine, lines: list[str]) -> int:
    """Comments held, rejected or published with a flag: a moderator sees each of them."""
    return sum((v := engine.evaluate(t)).action is not Action.PUBLISH or v.flagged for t in lines)


def test_quality_targets_on_dev_corpus():
    clean = corpus_lines("clean.txt") + corpus_lines("news_false_positives.txt")
    abusive = [line for name in ABUSIVE for line in corpus_lines(name)]
    clean_flagged = _flagged(engine, clean)
    caught = _flagged(engine, abusive)
    obscene = corpus_lines("abusive_obscene.txt")
    obscene_caught = _flagged(engine, obscene)
    # Mild vulgarity ("crap", "pissed off") and name-calling of public figures are published
    # with a flag since issue 15: moderators still see every such line first.
    obscene_seen = _seen(engine, obscene)
    abusive_seen = _seen(engine, abusive)
    precision = caught / (caught + clean_flagged) if caught else 0.0
    recall = caught / len(abusive)
    clean_rate = clean_flagged / len(clean)
    print(
        f"\nclean flagged {clean_flagged}/{len(clean)} ({clean_rate:.2%}); "
        f"abusive caught {caught}/{len(abusive)} (recall {recall:.1%}); "
        f"precision {precision:.1%}; obscene caught {obscene_caught}/{len(obscene)}; "
        f"seen by a moderator (flag included): abusive {abusive_seen}/{len(abusive)}, "
        f"obscene {obscene_seen}/{len(obscene)}"
    )
    for name in ABUSIVE:
        lines = corpus_lines(name)
        print(f"  {name}: {_flagged(engine, lines)}/{len(lines)}")
    assert clean_rate <= 0.005
    assert precision >= 0.95
    assert recall >= 0.75
    assert obscene_seen / len(obscene) >= 0.95
    assert abusive_seen / len(abusive) >= 0.95


def test_better_profanity_words_are_all_classified():
    """Every base-list word is in exactly one list, so nothing falls through by accident."""
    from policy.engine.rules.conduct import BASE_LIST_INSULTS

    roots = [
        canonical_entry(e.strip("*"))
        for name in ("profanity_strong", "slurs_strong")
        for e in read_lexicon(name)
        if e.startswith("*") and e.endswith("*")
    ]
    lists = {
        name: {canonical_entry(e.strip("*")) for e in read_lexicon(name)}
        for name in (
            "profanity_strong",
            "profanity_mild",
            "profanity_expletive",
            "profanity_news",
            "slurs_strong",
            "slurs_ambiguous",
        )
    }
    lists["insult"] = set(BASE_LIST_INSULTS)
    unclassified, doubly = [], []
    for word in better_profanity_words():
        canon = canonical_entry(word.rstrip("*"))
        homes = [name for name, words in lists.items() if canon in words]
        if not homes and any(root in canon for root in roots):
            continue
        if not homes:
            unclassified.append(word)
        elif len(homes) > 1 and not (set(homes) <= {"profanity_strong", "profanity_mild"}):
            doubly.append((word, homes))
    assert unclassified == []
    assert doubly == []


def test_better_profanity_words_outside_news_list_are_flagged():
    """What better-profanity flags, we flag too - except the news vocabulary. Everyday
    expletives ("damn") count when the policy flags them for moderators without holding."""
    from policy.engine.rules.conduct import ALWAYS, BASE_LIST_INSULTS

    news = {canonical_entry(w) for w in read_lexicon("profanity_news")}
    # "stupid", "scum", "inbred", "retarded": insults only when aimed at someone.
    targeted_only = BASE_LIST_INSULTS - set(ALWAYS)
    missed = []
    for word in better_profanity_words():
        if canonical_entry(word.rstrip("*")) in news or word in targeted_only:
            continue
        verdict = engine.evaluate(f"well {word} then")
        if verdict.action is Action.PUBLISH and not verdict.flagged:
            missed.append(word)
    assert missed == []


def test_holdout_figures_do_not_regress():
    """The hold-out set measures how the rules generalise; its floor is what the default policy
    achieved when the set was written (21 / 30 caught, 1 / 20 clean held), not a target. Do not
    tune the rules against these lines: add new lines to the development corpus instead.

    Since issue 15 the default policy flags (publishes, moderators first) name-calling of
    public figures and mild vulgarity instead of holding it: 8 of the 21 are held, the other
    13 flagged; recall on such insults is the classifier's job."""
    abusive = corpus_lines("holdout_abusive.txt")
    clean = corpus_lines("holdout_clean.txt")
    caught, clean_flagged = _flagged(engine, abusive), _flagged(engine, clean)
    seen = _seen(engine, abusive)
    print(
        f"\nhold-out: held {caught}/{len(abusive)} (with flags {seen}), "
        f"clean held {clean_flagged}/{len(clean)}"
    )
    assert (len(abusive), len(clean)) == (30, 20)
    assert caught >= 8
    assert seen >= 21
    assert clean_flagged <= 1
