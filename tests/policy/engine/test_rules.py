import pytest

from policy.engine import Context

from .support import one_rule_engine


def _fires(engine, text: str, context: Context | None = None) -> bool:
    return bool(engine.evaluate(text, context).hits)


PROFANITY_STRONG = one_rule_engine("profanity", "reject", tier="strong")
PROFANITY_MILD = one_rule_engine("profanity", "hold", tier="mild")


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("This is bullshit.", True),
        ("what the fuck", True),
        ("F U C K this", True),
        ("Motherf*cker", True),
        ("Shitake risotto", False),
        ("Scunthorpe", False),
        ("Matsushita Electric", False),
        ("cocktail hour", False),
        ("The murder trial", False),
        ("Rape charges were laid", False),
        ("455 and 717 and 80085", False),
        ("class analysis therapist", False),
    ],
)
def test_profanity_strong(text, fires):
    assert _fires(PROFANITY_STRONG, text) is fires


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("What a load of crap", False),
        ("what the hell is this", False),  # an expletive since 2026-12-06
        ("go to hell", True),
        ("pissed off", False),
        ("piss off", True),
        ("I agree with Dick on this", False),
        ("MP Dick voted against it", False),
        ("Said Sachin Shitole on Monday", False),
        ("you Dick", True),
        ("what a Dick", True),
        ("Hell's Kitchen", False),
        ("the hell of war", False),
        ("She graduated summa cum laude", False),
        ("cum", True),
        # Latin "with" joining two hyphenated words (profanity_allow.txt's "-cum-").
        ("the Liberal strategist-cum-apologist", False),
        ("a bar-cum-restaurant", False),
        ("cum-stained", True),
        ("the -cum- joke", True),
        ("Dick Cheney", False),
        ("Moby Dick", False),
        ("what a dick", True),
        ("assess", False),
        ("tit for tat", False),
        ("nice tits", True),
    ],
)
def test_profanity_mild(text, fires):
    assert _fires(PROFANITY_MILD, text) is fires


PROFANITY_EXPLETIVE = one_rule_engine("profanity", "flag", tier="expletive")


@pytest.mark.parametrize(
    ("quoted", "text", "fires"),
    [
        ("include", 'the novel "Shit Happens"', True),
        ("exclude", 'the novel "Shit Happens"', False),
        ("only", 'the novel "Shit Happens"', True),
        ("exclude", "this is shit", True),
        ("only", "this is shit", False),
        ("only", "f*ck this sh*t", False),
        ("only", "the film _Shit Storm_ flopped", True),
        ("only", "\u00abMerde\u00bb and \u00abShit\u00bb", True),
    ],
)
def test_profanity_quoted(quoted, text, fires):
    engine = one_rule_engine("profanity", "reject", tier="strong", quoted=quoted)
    hits = engine.evaluate(text).hits
    assert bool(hits) is fires
    if hits and quoted == "only":
        assert hits[0].evidence["quoted"] is True


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("damn it", True),
        ("Damn, this article is depressing.", True),
        ("Hell yeah, finally.", True),
        ("What the hell were they thinking?", True),
        ("what the hell is this", True),
        ("How the hell does that pass?", True),
        ("d4mn", True),
        ("What a load of crap", True),
        ("I'm pissed off about the ruling", True),
        ("A crappy week for the markets", True),
        ("The dam burst", False),
        ("Hell's Kitchen", False),
    ],
)
def test_profanity_expletive(text, fires):
    assert _fires(PROFANITY_EXPLETIVE, text) is fires
    # Not in the mild tier any more: the default policy publishes and flags them.
    assert not _fires(PROFANITY_MILD, text)


@pytest.mark.parametrize(
    "text",
    [
        "Damn, they raised taxes again.",
        "What the hell were they thinking?",
        "How in the hell did he only get charged with a misdemeanor?",
        "They want magical unicorns that fart sprinkles.",
    ],
)
def test_the_default_policy_flags_everyday_expletives_without_holding(text):
    from .support import default_engine

    verdict = default_engine().evaluate(text)

    assert (verdict.action.value, verdict.flagged) == ("publish", True)
    # The profanity rule flags; the classifier may flag too ("damn" is obscene to it), and
    # nothing holds.
    assert [(h.rule, h.action) for h in verdict.hits if h.rule != "classifier"] == [
        ("profanity", "flag")
    ]
    assert {h.action for h in verdict.hits} == {"flag"}


def test_profanity_extra_words_and_allow():
    engine = one_rule_engine("profanity", "reject", extra_words=["frak"], allow=["bullshit"])
    assert _fires(engine, "oh frak")
    assert _fires(engine, "oh fr4k")
    assert not _fires(engine, "bullshit")
    assert _fires(engine, "fuck")


@pytest.mark.parametrize(
    ("tier", "text", "fires"),
    [
        ("strong", "dirty kike", True),
        ("strong", "n1gger", True),
        ("strong", "the word niggardly", False),
        ("strong", "Niger and Nigeria", False),
        ("strong", "spick and span", False),
        ("ambiguous", "you retard", True),
        ("ambiguous", "chink in the armour", False),
        ("ambiguous", "Homo sapiens", False),
        ("ambiguous", "Squaw Valley", False),
        ("ambiguous", "Dick Van Dyke", False),
    ],
)
def test_slurs(tier, text, fires):
    engine = one_rule_engine("slurs", "reject", tier=tier)
    assert _fires(engine, text) is fires


BANNED = one_rule_engine("banned_words", "reject", words=["crypto scam", "acme*", "badword"])


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("This is a crypto scam", True),
        ("CRYPTO   SCAM!!", True),
        ("crypto is a scam", False),
        ("Acmecorp rocks", True),
        ("b4dw0rd", True),
        ("b a d w o r d", True),
        ("badwords", False),
    ],
)
def test_banned_words(text, fires):
    assert _fires(BANNED, text) is fires


INSULT = one_rule_engine("insult", "hold")


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("You are an idiot", True),
        ("you moron", True),
        ("what a clown", True),
        ("Shut up, you fool", True),
        ("you're so stupid", True),
        ("He is a liar", True),
        ("stupid people", True),
        ("bunch of hypocrites", True),
        ("Couldn't happen to a better group of jerks.", True),
        ("Why dont you go crawl under a rock?", True),
        ("A group of students visited the council.", False),
        ("Rescuers helped a man crawl under a rock ledge.", False),
        ("That was a stupid decision", False),
        ("You are right about the budget", False),
        ("He was ignorant of the rules", False),
        ("He was a Nazi", False),
        ("They told her to shut up", False),
        ("The clown show at the circus", False),
        ("Don't fool yourself", False),
        ("You fool no one", False),
    ],
)
def test_insult(text, fires):
    assert _fires(INSULT, text) is fires


INSULT_READER = one_rule_engine("insult", "hold", target="reader")
INSULT_OTHERS = one_rule_engine("insult", "flag", target="third_party")


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("You're an idiot.", "reader"),
        ("you are a moron", "reader"),
        ("You idiot.", "reader"),
        ("Hey dimwit, check the facts.", "reader"),
        ("Idiots like you are the problem.", "reader"),
        ("Shut up, you fool.", "reader"),
        ("Learn to read.", "reader"),
        ("The author is an idiot.", "reader"),
        ("The idiots in parliament did it again.", "third_party"),
        ("What a buffoon.", "third_party"),
        ("What a joke.", "third_party"),
        ("Get a life.", "third_party"),
        ("Trudeau is a clown.", "third_party"),
        ("Bunch of idiots running this country.", "third_party"),
        ("You know, the idiots in charge never learn.", "third_party"),
        ("The council met on Tuesday.", None),
        # Institutions and office holders are third parties.
        ("This government is stupid.", "third_party"),
        ("The mayor is an idiot.", "third_party"),
        ("Our council is clueless.", "third_party"),
        ("The government announced a new plan.", None),
        ("The court is expected to rule on Friday.", None),
    ],
)
def test_insult_target(text, target):
    reader = INSULT_READER.evaluate(text).hits
    others = INSULT_OTHERS.evaluate(text).hits
    assert bool(reader) is (target == "reader")
    assert bool(others) is (target == "third_party")
    for hit in reader + others:
        assert hit.evidence["target"] == target


INSULT_SAID = one_rule_engine("insult", "hold", target="reader", quoted="exclude")
INSULT_QUOTED = one_rule_engine("insult", "flag", target="reader", quoted="only")


@pytest.mark.parametrize(
    ("text", "said", "quoted"),
    [
        ("You're an idiot.", True, False),
        # Reported speech: words outside the quotation report it.
        (
            "The candidate's response: \u201cYou're ugly and your mother dresses you funny\u201d."
            " More sensationalist headlines.",
            False,
            True,
        ),
        ('He said "you are an idiot" to me.', False, True),
        ('You are an idiot, and "that" is all.', True, False),
        # Nothing but the quotation, or one word beside it: said, not reported.
        ('"You\'re an idiot"', True, False),
        ('"You\'re an idiot" lol', True, False),
        ("The council met on Tuesday.", False, False),
    ],
)
def test_insult_quoted(text, said, quoted):
    assert bool(INSULT_SAID.evaluate(text).hits) is said
    assert bool(INSULT_QUOTED.evaluate(text).hits) is quoted


THREAT = one_rule_engine("threat", "reject", tier="explicit")


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("I will kill you", True),
        ("I'm going to shoot you", True),
        ("you should be shot", True),
        ("hope you die", True),
        ("kill them all", True),
        ("someone should shoot him", True),
        ("Kill the bill", False),
        ("I would kill for a coffee", False),
        ("The battery died", False),
        ("He was shot by police", False),
        ("They will be executed at dawn, the state announced", False),
        ("I could die laughing", False),
        # Against a group: a word between, one member for all, "death to", "deserve".
        ("we need to hang all the illegal vermin", True),
        ("kill every last one of the filthy muslims", True),
        ("shoot every immigrant you see", True),
        ("every muslim should be shot", True),
        ("all immigrants deserve to die", True),
        ("Death to all jews", True),
        ("the only good immigrant is a dead one", True),
        ("gays deserve a bullet", True),
        ("Every immigrant should be welcomed.", False),
        ("Death to the tyrant, the crowd chanted in 1793.", False),
        ("The only good news is the weather.", False),
        ("Police said they would shoot every looter on sight in 1968.", False),
        ("Refugees deserve a fair hearing.", False),
        # Harm to the reader's family or body.
        ("i will rape your wife", True),
        ("I will kill your family", True),
        ("I will kill your plan in committee", False),
    ],
)
def test_threat(text, fires):
    assert _fires(THREAT, text) is fires


def test_veiled_threat_tier():
    engine = one_rule_engine("threat", "hold", tier="veiled")
    assert _fires(engine, "I know where you live")
    assert not _fires(engine, "I know where you went wrong")


IDENTITY = one_rule_engine("identity_attack", "hold")


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("Muslims are animals", True),
        ("immigrants are vermin", True),
        ("go back to where you came from", True),
        ("Muslims are our neighbours", False),
        ("Immigrants are a fair topic for debate", False),
        ("We should go back to the drawing board", False),
        # A group named by a term of abuse; the words news puts before a group stay clean.
        ("Typical filthy immigrants, taking everything.", True),
        ("Israel should wipe out the terrorist muslims", True),
        ("Illegal immigrants were detained at the border.", False),
        ("Radical Muslims were behind the attack, police said.", False),
        ("Violent criminals and refugees are not the same people.", False),
        # A group to be removed.
        ("Muslims should all be deported.", True),
        ("gays should be banned from teaching", True),
        ("Refugees should be housed in the old barracks.", False),
        ("Immigrants must be registered within 30 days, the law says.", False),
        ("wipe those muslims off the face of the earth", True),
        ("The flood wiped the village off the map.", False),
        # The stereotype as nature; shut out of the country.
        ("blacks Love being victims.", True),
        ("women always love playing the victim card", True),
        ("immigrants breed like rabbits", True),
        ("Muslims don't belong in this country", True),
        ("Women love being mothers, the survey found.", False),
        ("Refugees belong to the most vulnerable groups.", False),
        # Stereotypes said of a whole group; hatred of a group.
        ("Muslims are violent", True),
        ("immigrants are a burden and a drain", True),
        ("women are all the same", True),
        ("I hate immigrants", True),
        ("i really can't stand muslims", True),
        ("Most immigrants are not violent, the study found.", False),
        ("Refugees are the largest group in the camp.", False),
        ("I hate Mondays", False),
        # Orientation as an insult.
        ("lol that's so gay", True),
        ("The senator, who is gay, spoke first.", False),
    ],
)
def test_identity_attack(text, fires):
    assert _fires(IDENTITY, text) is fires


@pytest.mark.parametrize(
    ("params", "text", "fires"),
    [
        ({"max_links": 2}, "see http://a.com and https://b.org", False),
        ({"max_links": 2}, "see a.com, b.org and www.c.net", True),
        ({"max_links": 0}, "Read example.com/story", True),
        ({"max_links": 0}, "The U.S. and 3.5 percent", False),
        ({"max_links": 0}, "write to me@example.com", False),
        ({"deny_domains": ["spam.ru"]}, "go to https://news.spam.ru/x", True),
        ({"deny_domains": ["spam.ru"]}, "go to https://notspam.ru/x", False),
        ({"allow_domains": ["cbc.ca"]}, "source: https://www.cbc.ca/news", False),
        ({"allow_domains": ["cbc.ca"]}, "source: https://evil.com/news", True),
    ],
)
def test_links(params, text, fires):
    engine = one_rule_engine("links", "hold", **params)
    assert _fires(engine, text) is fires


def test_links_evidence():
    engine = one_rule_engine("links", "hold", max_links=1)
    hit = engine.evaluate("a http://x.com b http://y.com").hits[0]
    assert hit.evidence["reasons"] == ["too_many_links"]
    assert hit.evidence["matches"] == [[2, 14, "http://x.com"], [17, 29, "http://y.com"]]


SHOUTING = one_rule_engine("shouting", "hold", max_caps_ratio=0.7, min_letters=20)


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("THIS IS ABSOLUTELY OUTRAGEOUS AND WRONG", True),
        ("NO WAY", False),
        ("The USA, NATO and the UN met in NYC today", False),
        ("I AGREE WITH the author on most points here", False),
        ("ЭТО ПРОСТО УЖАСНО И НЕПРИЕМЛЕМО", True),
    ],
)
def test_shouting(text, fires):
    assert _fires(SHOUTING, text) is fires


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("", True),
        ("   ", True),
        ("k", True),
        ("ok", False),
        ("x" * 100, False),
        ("x" * 101, True),
    ],
)
def test_length(text, fires):
    engine = one_rule_engine("length", "reject", min_chars=2, max_chars=100)
    assert _fires(engine, text) is fires


REPETITION = one_rule_engine("repetition", "hold", max_repeat=6, max_consonant_run=6)
REPETITION_PUNCT = one_rule_engine(
    "repetition", "hold", max_repeat=6, max_consonant_run=6, punctuation=True
)


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("This is great!!!!!!!!!!", True),
        ("Look here ((((((((((", True),
        ("[[[[[[[[[[ spam ]]]]]]]]]]", True),
        ("soooooooooo good", True),
    ],
)
def test_repetition_of_punctuation_when_asked(text, fires):
    assert _fires(REPETITION_PUNCT, text) is fires


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("This is great!!!!!!!!!!", False),
        ("Really???????? Again?", False),
        ("and then,,,,,,,, nothing", False),
        ("Look here ((((((((((", False),
        ("A list (a) (b) [c] {d}", False),
        ("soooooooooo good", True),
        ("asdfghjkl", True),
        ("Nooooo!", False),
        ("It cost 1000000000 dollars", False),
        ("Wait..........what", False),
        ("strengths and rhythms", False),
        ("Llanfairpwllgwyngyll", False),
        ("see https://example.com/xkcdqwrtzplkjh", False),
        ("mail bcdfghjklm@example.com", False),
    ],
)
def test_repetition(text, fires):
    assert _fires(REPETITION, text) is fires


PERSONAL = one_rule_engine("personal_info", "hold")


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("Write to jane.doe@example.com", True),
        ("jane dot doe at example dot com", True),
        ("We met at the station at noon", False),
        ("jane [at] example [dot] com", True),
        ("Opt out by writing to optout@bigbank.com", False),
        ("Their privacy office (privacy@telco.ca) never answered", False),
        ("Send tips to press@lawfirm.com or info@lawfirm.com", False),
        ("Write to john.smith@lawfirm.com directly", True),
        ("Call (555) 234-5678", True),
        ("Call 555-234-5678", True),
        ("Call 555.234.5678", True),
        ("+1 555 234 5678", True),
        ("+44 20 7946 0958", True),
        ("0033 1 23 45 67 89", True),
        ("Call me on 07700 900123", True),
        ("ring 020 7946 0958 after six", True),
        ("tel. 01 23 45 67 89", True),
        ("The vote was 0 to 12 in 2023 and 2024", False),
        ("Rates rose 0.25 points to 5.33 percent", False),
        ("Order 0123456 was delivered", False),
        ("In 1999, 2,000 people paid $1,234,567", False),
        ("The 2019-2020 season", False),
        ("Route 455 and area code 717", False),
        ("The score was 3-1", False),
        ("ISBN 978-3-16-148410-0", False),
    ],
)
def test_personal_info(text, fires):
    assert _fires(PERSONAL, text) is fires


DUPLICATE = one_rule_engine("duplicate", "reject", similarity=0.9, min_chars=20)


@pytest.mark.parametrize(
    ("recent", "text", "fires"),
    [
        (("The council should resign over this.",), "The council should resign over this.", True),
        (("The council should resign over this.",), "THE COUNCIL should resign, over this!", True),
        (
            ("Something else entirely was said here.",),
            "The council should resign over this.",
            False,
        ),
        (("Agreed.",), "Agreed.", False),
        ((), "The council should resign over this.", False),
    ],
)
def test_duplicate(recent, text, fires):
    assert _fires(DUPLICATE, text, Context(recent_bodies=recent)) is fires


def test_duplicate_near_identical_long_text():
    base = " ".join(f"word{i}" for i in range(60))
    near = base.replace("word30", "word30x")
    assert _fires(DUPLICATE, near, Context(recent_bodies=(base,)))


@pytest.mark.parametrize(
    ("approved", "first_n", "fires"),
    [(0, 0, False), (0, 1, True), (1, 1, False), (2, 3, True)],
)
def test_new_commenter(approved, first_n, fires):
    engine = one_rule_engine("new_commenter", "hold", first_n=first_n)
    assert _fires(engine, "hi there", Context(author_approved_count=approved)) is fires


@pytest.mark.parametrize(
    ("standing", "fires"),
    [
        ("active", False),
        ("warned", False),
        ("premoderated", False),
        ("suspended", True),
        ("banned", True),
    ],
)
def test_standing(standing, fires):
    engine = one_rule_engine("standing", "reject", standings=["banned", "suspended"])
    assert _fires(engine, "hi there", Context(author_standing=standing)) is fires


@pytest.mark.parametrize(
    ("states", "context", "fires"),
    [
        (["closed"], Context(article_open=False), True),
        (["closed"], Context(article_premoderated=True), False),
        (["premoderated"], Context(article_premoderated=True), True),
        (["premoderated"], Context(), False),
    ],
)
def test_article_state(states, context, fires):
    engine = one_rule_engine("article_state", "hold", states=states)
    assert _fires(engine, "hi there", context) is fires


def test_a_site_allow_entry_between_hyphens_allows_the_word_only_where_it_joins_two_words():
    engine = one_rule_engine("profanity", "reject", extra_words=["frak"], allow=["-frak-"])
    assert not _fires(engine, "the ship-frak-drive")
    assert _fires(engine, "oh frak")
    assert _fires(engine, "frak-drive")


def test_an_allow_phrase_also_covers_the_words_joined():
    # "gay sex" joined is a listed word ("gaysex"); the allow phrase covers the pair, and the
    # word spelled out letter by letter is still found.
    engine = one_rule_engine("profanity", "hold", tier="mild")
    assert not _fires(engine, "The church's teaching on gay sex has not changed.")
    assert _fires(engine, "g a y s e x")
    assert _fires(one_rule_engine("profanity", "hold", tier="mild", allow=[]), "you gaysex")
