"""Clean news comments the default policy must not hold, and the abuse it still must.

Each line paraphrases a kind of comment that was held on a real news site while
raters judged it not toxic (issue 15, item 6).  "Held" means hold or reject; a
``flag`` publishes the comment and puts it first in the moderators' queue.
"""

import pytest

from policy.engine import Action

from .support import default_engine

engine = default_engine()


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
