"""Clean news comments the default policy must not hold, and the abuse it still must.

Each line paraphrases a kind of comment that was held on a real news site while
raters judged it not toxic (issue 15, item 6).  "Held" means hold or reject; a
``flag`` publishes the comment and puts it first in the moderators' queue.
"""

import pytest

from policy.engine import Action

from .support import rules_engine

# The rules alone: the classifier's decisions are tested with the classifier.
engine = rules_engine()


def _verdict(text: str) -> tuple[Action, bool]:
    v = engine.evaluate(text)
    return v.action, v.flagged


@pytest.mark.parametrize(
    "text",
    [
        # links: a full stop without a space is not a bare domain
        "The minister never used the word.It goes on like that for pages.",
        "Read the bill before you comment.In the end it changes very little.",
        "I agree.it is a bad deal for the province.",
        "They promised a review.Me, I doubt it will happen.",
        # links: citing a few news articles
        "See https://www.cbc.ca/news/a-story and https://www.theglobeandmail.com/b-story "
        "and https://www.reuters.com/c-story for the background.",
        "Two sources: https://example.org/report and https://stats.example.ca/table-1 .",
        "Three reports say so: https://a.example.com/1, https://b.example.net/2 and "
        "https://c.example.org/3.",
        # repetition: punctuation is emphasis, not spam
        "Ten years and nothing built!!!!!!!!!!",
        "Who approved this???????",
        "and then,,,,,,,, silence from the council",
        # personal information: published role addresses
        "You can opt out by writing to optout@bigbank.com, it took me a week.",
        "Complaints go to privacy@telco.ca, not to the call centre.",
        "The firm's address is info@smithandjones.com if you want to ask them.",
    ],
)
def test_clean_news_comment_is_published(text):
    action, _ = _verdict(text)
    assert action is Action.PUBLISH, engine.evaluate(text).to_dict()["hits"]


@pytest.mark.parametrize(
    "text",
    [
        "Buy now at cheap-pills.example.com, best-pills.example.net, pills.example.org "
        "and www.example.biz today",
        "Call me at 555-234-5678 tonight",
        "Her address is jane.doe@gmail.com, go tell her what you think",
        "soooooooooooo boring",
    ],
)
def test_form_rules_still_hold(text):
    action, _ = _verdict(text)
    assert action is Action.HOLD


@pytest.mark.parametrize(
    "text",
    [
        # name-calling of public figures and bodies: published, moderators see it first
        "The idiots at city hall approved it anyway.",
        "What a buffoon the minister turned out to be.",
        "This budget is a joke, what a joke.",
        "Get a life, senator, and read the report.",
        # mild vulgarity
        "Another crappy week for the markets.",
        "I'm pissed off about the ruling, frankly.",
        "The whole plan is crap and everybody knows it.",
    ],
)
def test_mild_words_about_others_are_flagged_not_held(text):
    assert _verdict(text) == (Action.PUBLISH, True), engine.evaluate(text).to_dict()["hits"]


@pytest.mark.parametrize(
    "text",
    [
        # names that equal or contain a listed word
        "I agree with Dick on this one, the numbers do not add up.",
        "Dominic Cummings broke the rules he wrote.",
        "Matt Hancock resigned after the video.",
        "Gerald Butts testified before the committee.",
        "Former chief minister Sheila Dikshit died in 2019.",
        "The MLA, Sachin Shitole, said the road would be fixed.",
        "Claud Cockburn was a famous British journalist.",
    ],
)
def test_names_are_published_unflagged(text):
    assert _verdict(text) == (Action.PUBLISH, False), engine.evaluate(text).to_dict()["hits"]


@pytest.mark.parametrize(
    "text",
    [
        "You're an idiot.",
        "You are a moron if you believe that.",
        "Idiots like you are the problem.",
        "Learn to read, genius.",
        "piss off",
    ],
)
def test_personal_attacks_are_still_held(text):
    assert _verdict(text)[0] is Action.HOLD
