"""Disguised banned words (issue 15, item 7): each must be caught as the word itself.

The second table holds ordinary text the same folds could misread: it must publish.
"""

import pytest

from policy.engine import Action

from .support import rules_engine

# The rules alone: the classifier's decisions are tested with the classifier.
engine = rules_engine()


def _terms(text: str) -> set[str]:
    verdict = engine.evaluate(text)
    return {t for hit in verdict.hits for t in hit.evidence.get("terms", ())}


@pytest.mark.parametrize(
    ("text", "word"),
    [
        # symbol leetspeak
        ("this is sh!t", "shit"),
        ("what a load of sh|t", "shit"),
        ("@sshole", "asshole"),
        ("$hit happens", "shit"),
        ("$h!t", "shit"),
        # compatibility folding: Roman numeral one, full-width, mathematical letters
        ("you \u2170diot", "idiot"),
        ("\uff53\uff48\uff49\uff54", "shit"),
        ("\U0001d42c\U0001d421\U0001d422\U0001d42d", "shit"),
        ("\U0001d4fc\U0001d4f1\U0001d4f2\U0001d4fd", "shit"),
        # parenthesised letters
        ("\u24ae\u24a3\u24a4\u24af", "shit"),
        ("\U0001f115\U0001f124\U0001f112\U0001f11a", "fuck"),
        ("(s)(h)(i)(t)", "shit"),
        # tag characters, variation selectors, bidi controls
        ("s\U000e0001h\U000e0020it", "shit"),
        ("sh\ufe0fit", "shit"),
        ("sh\U000e0100it", "shit"),
        ("\u202etihs", "shit"),
        ("oh sh\u202eti\u202c now", "shit"),
        ("f\u2066u\u2069ck", "fuck"),
        ("sh\u200fit", "shit"),
        # HTML inside a word
        ("sh<b></b>it", "shit"),
        ("sh<span class='x'>i</span>t", "shit"),
        ("sh&#105;t", "shit"),
        ("sh&#x69;t", "shit"),
        ("f&uuml;ck", "fuck"),
        # a word split by one space or one symbol
        ("oh sh it", "shit"),
        ("fu ck off", "fuck"),
        ("you bi tch", "bitch"),
        ("cu nt", "cunt"),
        ("sh\U0001f4a9it", "shit"),
        ("f\U0001f600u\U0001f600c\U0001f600k", "fuck"),
        # hashtags and camel case
        ("#FuckThis", "fuck"),
        ("ThisIsAShitShow", "shit"),
        ("#YouAreAnIdiot", "idiot"),
        ("StupidMoron", "moron"),
        # filler letters and an ampersand for a vowel
        ("fuxck", "fuck"),
        ("sxhxixt", "shit"),
        ("f&ck you", "fuck"),
        ("sh&t", "shit"),
        # a sign for a vowel, or inside the word
        ("f-ck off", "fuck"),
        ("sh.t", "shit"),
        ("f#ck", "fuck"),
        ("c-nt", "cunt"),
        ("f-uck", "fuck"),
        ("sh_it", "shit"),
        # single letters and a fragment; spellings missing from the base list
        ("f u ck off", "fuck"),
        ("s h it", "shit"),
        ("oh fu c k you", "fuck"),
        ("fcking hell", "fcking"),
        ("sheeit", "sheeit"),
        ("what a biatch", "biatch"),
        # stacked
        ("\uff53<i></i>h&#105;\u200bt", "shit"),
        ("$\U000e0041h!\ufe0ft", "shit"),
        ("#F\u00fc\u200bck\U0001f600This", "fuck"),
        ("s h &#105; t", "shit"),
    ],
)
def test_disguised_word_is_caught_as_itself(text, word):
    verdict = engine.evaluate(text)
    assert verdict.action is not Action.PUBLISH or verdict.flagged, text
    # The word itself, alone or in the phrase that caught it ("stupid moron").
    assert any(word == term or word in term.split() for term in _terms(text)), _terms(text)


@pytest.mark.parametrize(
    "text",
    [
        "It costs $5 and @reuters reported it first.",
        "She writes C# and F# for a bank.",
        "AT&T, P&G and the S&P 500 all fell; H&M and R&D too.",
        "Prices: $4.99, \u20ac3 and \u00a32 a litre.",
        "Write to press@example.com for a copy.",
        "Tom &amp; Jerry, and x &lt; y in HTML.",
        "McDonald's, iPhone, YouTube and PlayStation sales rose.",
        "The DeSantis and McConnell camps disagree.",
        "It's hit the markets hard, as the mayor's pic shows.",
        "The pen is mightier than the sword.",
        "She is bi. Tch, tch, said her aunt.",
        "Great work \U0001f44d thanks, \U0001f1e8\U0001f1e6 Canada.",
        "Use <b>bold</b> for the title & keep it short.",
        "5 < 6 and 7 > 3, as everyone knows.",
        "USAToday and the NYTimes covered it.",
        "Senate hearings on the #SCOTUSpick start today.",
        "The U S ambassador had a Plan B a bit late; I s it?",
        "A long-time co-op member sent an e-mail at 9 a.m. to the U.S. office; push-it week.",
        "The x-ray and the re-do were a cock-up, tit-for-tat.",
        "Thanks @MaryTripleTit and @BigCockburnFan for the tip.",
        "Photos at http://t.co/CkBS6WcZu1 and www.example.com/TripleTitleWins",
    ],
)
def test_folds_leave_ordinary_text_alone(text):
    verdict = engine.evaluate(text)
    assert verdict.action is Action.PUBLISH and not verdict.flagged, verdict.to_dict()["hits"]


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ('I read "Go the Fuck to Sleep" to my kids.', Action.HOLD),
        ("Have you read \u201cShit My Dad Says\u201d?", Action.HOLD),
        ("The book *Fuck Yeah* was odd.", Action.HOLD),
        ("fuck this", Action.REJECT),
        ("f*ck this sh*t", Action.REJECT),
        ('"Fine," he said, "fuck it all" - and then fuck you too.', Action.REJECT),
    ],
)
def test_a_quoted_title_is_held_not_rejected(text, action):
    verdict = engine.evaluate(text)
    assert verdict.action is action
    if action is Action.HOLD:
        assert verdict.clause.evidence["quoted"] is True
