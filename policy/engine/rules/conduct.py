"""Rules against attacks on people: insults, threats, attacks on identity groups.

Patterns run on the canonical text (lower case, one space between tokens, so
"You're" is "you re").  Precision comes from targeting: most insult words only
count when aimed at someone ("you are a clown", "what a clown", "you clown"),
threats need a person as object ("I will kill you"; "kill the bill" stays
clean).  Each rule first checks, by set intersection, whether any trigger word
occurs at all, so ordinary comments never reach the regular expressions.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from itertools import accumulate
from operator import add
from types import MappingProxyType
from typing import Any

from policy.engine.document import Param
from policy.engine.lexicon import Matcher
from policy.engine.model import Context
from policy.engine.normalise import Analysis, canonical_entry
from policy.engine.rules.base import Evidence, Rule, words_param
from policy.engine.rules.words import inside_quotes, quoted_param, quoted_spans


def _w(text: str) -> list[str]:
    return text.split()


def _alt(words: Iterable[str]) -> str:
    return "|".join(
        sorted({re.escape(w).replace(r"\ ", " ") for w in words}, key=len, reverse=True)
    )


# --- insults ------------------------------------------------------------------

# Insulting wherever they appear.
ALWAYS = _w("""
idiot idiots moron morons imbecile imbeciles cretin cretins
dumbass dumbasses dumass jackass jackasses jackhole dimwit dimwits halfwit halfwits nitwit nitwits
numbskull numbskulls numbnuts nincompoop nincompoops ignoramus ignoramuses scumbag scumbags dirtbag
dirtbags sleazebag sleazebags libtard libtards trumptard trumptards demtard demtards repugnicans
rethuglicans dumbocrats democraps feminazi feminazis fatass lardass punkass buffoon buffoons bozo
bozos dunce dunces sheeple lowlife lowlifes scum scumbags knuckledragger knuckledraggers
mouthbreather
mouthbreathers nutjob nutjobs dipstick dingbat dumbo
""")
# Insulting when aimed at someone.
NOUNS = _w("""
fool fools clown clowns loser losers jerk jerks hypocrite hypocrites liar liars coward cowards
troll trolls twit twits git gits prat prats pillock plonker tool tools sheep lemming lemmings
hack hacks shill shills grifter grifters lunatic
lunatics nutcase nutcases psycho psychos weirdo weirdos creep creeps pig pigs swine rat rats snake
snakes parasite parasites leech leeches vermin scum trash garbage filth disgrace embarrassment joke
fraud frauds simpleton simpletons dope dopes dummy dummies crybaby crybabies whiner whiners
snowflake snowflakes cuck cucks hag cow degenerate degenerates traitor traitors bonehead boneheads
blockhead blockheads knucklehead knuckleheads airhead airheads numpty muppet muppets oaf oafs
goon goons stooge stooges hick hicks redneck rednecks hillbilly hillbillies yokel yokels
""")
# Political or factual in the third person ("he was a Nazi", "they are thugs"):
# insulting only when said to the reader's face.
NOUNS_2ND = _w("""
nazi nazis fascist fascists commie commies sociopath sociopaths racist racists bigot bigots
traitor traitors crook crooks thug thugs
""")
# Nouns that are also verbs: "you troll the comments", "you fool no one".
_VERB_LIKE = set(_w("fool fools troll hack tool rat snake creep cow joke trash leech shill cuck"))
STRONG_ADJ = [
    *_w("""
stupid dumb brainless pathetic moronic idiotic imbecilic cretinous retarded braindead delusional
deranged demented
worthless spineless gutless clueless ignorant inbred ugly fat disgusting despicable vile
"""),
    "brain dead",
]
WEAK_ADJ = _w("insane crazy useless naive dense thick gullible senile hypocritical evil dishonest")
_VOC_ADJ = STRONG_ADJ + _w("""
little old lying miserable sad sorry filthy dirty absolute complete total utter bloody fucking
damn freaking silly arrogant smug
""")
_MODS = _w("""
just such so really truly clearly obviously being totally completely absolutely simply an a the
one of most biggest real complete total absolute utter bloody fucking damn freaking little big
old sad sorry pathetic stupid dumb ignorant lying miserable worthless fat ugly filthy nothing but
more than bunch as like very pretty quite incredibly extremely seriously beyond kind sort some
too far way all and
""")
_ADVERB = r"(?: (?:really|truly|clearly|obviously|honestly|seriously|certainly|definitely))?"
_GROUP_ADJ = _w("""
stupid dumb ignorant brainless pathetic idiotic moronic clueless mindless deranged delusional
disgusting lying spineless gutless worthless hypocritical inbred retarded braindead
""")
_GROUPS_INSULTED = _w("""
people folks liberals libs lefties leftists conservatives cons tories democrats dems republicans
repubs trumpers trumpsters trumpkins maga voters supporters followers americans canadians men
women boomers millennials idiots morons fools clowns losers sheep hicks rednecks hillbillies
snowflakes bigots hypocrites commenters posters trolls cops politicians
""")
THIRD_PERSON = _w("""
he she they this_guy that_guy the_guy this_man that_man this_woman that_woman this_person
that_person the_author this_author the_writer this_writer the_reporter the_columnist
this_columnist the_poster this_poster the_commenter this_commenter these_people those_people
people_like_you people_like_him people_like_her people_like_that your_leader your_president
your_boy your_guy your_hero trump obama hillary clinton trudeau harper biden putin
""") + [
    # Institutions and office holders: "this government is stupid", "the mayor is an idiot".
    f"{det}_{body}"
    for det in ("the", "this", "our", "their", "that")
    for body in _w("""
government council administration party ministry minister premier president mayor senator
governor congress parliament senate court judge police media press cabinet board company
management team coach referee ref club league regime establishment opposition
""")
]
PHRASES = [
    "piece of garbage", "piece of trash", "piece of shit", "piece of crap", "piece of work",
    "piece of filth", "piece of dirt", "piece of human garbage", "waste of space",
    "waste of oxygen", "waste of skin", "waste of air", "waste of a human being",
    "scum of the earth", "lowest of the low", "crawl back under your rock",
    "crawl back under a rock", "go crawl under a rock", "back under your bridge",
    "go back under your bridge",
    "mom s basement", "mother s basement", "moms basement", "grow a brain", "get a brain",
    "no brain cells", "single brain cell", "two brain cells", "room temperature iq", "low iq",
    "mouth breather", "mouth breathers", "knuckle dragger", "knuckle draggers",
    "knuckle dragging", "trailer trash", "get a life", "nobody cares what you think",
    "no one cares what you think", "you make me sick", "you disgust me", "learn to read",
    "learn how to read", "kool aid drinkers", "brain dead liberals", "brain dead conservatives",
    "you people are", "shut your mouth", "shut your trap", "shut your pie hole",
    "people like you are", "should have aborted you", "should have been aborted",
    "pea brain", "pea brained", "brain the size of a pea", "shut your face",
]  # fmt: skip
# better-profanity words the insult rule owns (so the profanity rule leaves them alone).
BASE_LIST_INSULTS = frozenset(
    [
        "dumass",
        "dumbass",
        "dumbasses",
        "fatass",
        "inbred",
        "jackass",
        "jackhole",
        "moron",
        "numbnuts",
        "punkass",
        "stupid",
        "scum",
        "retarded",
    ]
)


Gated = tuple[tuple[frozenset[str], ...], re.Pattern[str]]


def _subject(first: str, subjects: Iterable[str]) -> str:
    """Regex for the subjects starting with ``first``, led by that literal word."""
    rests = [s[len(first) + 1 :] for s in subjects if s.startswith(first + " ")]
    if not rests:
        return re.escape(first)
    optional = "?" if first in subjects else ""
    return f"{re.escape(first)}(?: (?:{_alt(rests)})){optional}"


def _insult_patterns(extra_targets: Iterable[str]) -> list[Gated]:
    """(gates, regex) pairs; a regex runs only when every gate has a word in the comment.

    Each regex starts with a literal word (" you", " he", " what ") so the regex
    engine jumps from occurrence to occurrence instead of trying every position.
    """
    nouns = _alt(NOUNS + ALWAYS + NOUNS_2ND)
    nouns3 = _alt(NOUNS + ALWAYS)
    voc_nouns = _alt([n for n in NOUNS if n not in _VERB_LIKE] + ALWAYS + NOUNS_2ND)
    adj_all = _alt(STRONG_ADJ + WEAK_ADJ)
    adj_strong = _alt(STRONG_ADJ)
    mods = f"(?: (?:{_alt(_MODS)}))*"
    voc_adj = f"(?: (?:{_alt(_VOC_ADJ)}))"
    # "ignorant of the facts", "naive about", "fat for a reason" are not insults.
    not_about = r"(?! (?:of|about|to|for)\b)"
    target2 = rf"(?:{nouns}|(?:{adj_all}){not_about})(?= )"
    target3 = rf"(?:{nouns3}|(?:{adj_strong}){not_about})(?= )"
    cop2 = (
        "(?:re|are|r|were|will always be|ll always be|have become|ve become|sound like|"
        "look like|act like|seem|must be|have to be)"
    )
    cop3 = (
        "(?:is|s|are|re|has always been|will always be|has become|remains|sounds like|"
        "looks like|acts like|must be|seems like|seems)"
    )
    out: list[tuple[list[Iterable[str]], str]] = []
    second = ["you", "you all", "you guys", "you people", "you lot", "you two"]
    for lit in ("you", "u", "ya", "yah", "yall"):
        subject = _subject(lit, second) if lit == "you" else lit
        vocative = lit != "yall"
        # "you are an idiot" | vocative "you idiot", "you pathetic loser"
        # "you are an idiot"; vocative "you idiot", "you pathetic loser".  One regex per
        # literal, so the text is scanned once for " you".
        # "you really are clueless": one adverb may stand between the subject and the verb.
        forms = [rf"{subject[len(lit) :]}{_ADVERB} {cop2}{mods} {target2}"]
        if vocative:
            forms += [rf"(?:{voc_adj})* (?:{voc_nouns})(?= )", rf"{voc_adj}+ (?:{nouns})(?= )"]
        out.append(([[lit]], rf" {lit}(?:{'|'.join(forms)})"))
    out.append(([["youre"]], rf" youre{mods} {target2}"))
    out.append(([["ur"]], rf" ur(?= (?:a|an|such|so|just) ){mods} {target2}"))
    out.append(
        (
            [["your"]],
            rf" your(?= (?:a|an|such|so|just|the|one|nothing|total|complete|absolute) ){mods} "
            rf"{target2}",
        )
    )
    third = [t.replace("_", " ") for t in THIRD_PERSON] + [
        canonical_entry(t) for t in extra_targets
    ]
    for first in sorted({t.split()[0] for t in third}):
        out.append(([[first]], rf" {_subject(first, third)} {cop3}{mods} {target3}"))
    out += [
        # "Loser!", "Idiot.", "Pathetic moron.": a comment that is nothing but the insult.
        (
            [[n for n in NOUNS if n not in _VERB_LIKE] + ALWAYS + NOUNS_2ND],
            rf"^(?:{voc_adj})* (?:{voc_nouns}) $",
        ),
        # "what a clown", "what an absolute moron"
        (
            [["what"]],
            rf" what (?:a|an)(?:{voc_adj}|(?: (?:complete|total|absolute|utter)))* "
            rf"(?:{nouns})(?= )",
        ),
        # "bunch of idiots", "pack of liars", "a better group of jerks"
        (
            [_w("bunch pack band gang load lot herd flock collection nest group crowd horde")],
            rf" (?:bunch|pack|band|gang|load|lot|herd|flock|collection|nest|group|crowd|horde) "
            rf"of(?:{voc_adj})* (?:{nouns})(?= )",
        ),
        # "stupid people", "ignorant liberals"
        (
            [_GROUP_ADJ, _GROUPS_INSULTED],
            rf" (?:{_alt(_GROUP_ADJ)}) (?:{_alt(_GROUPS_INSULTED)})(?= )",
        ),
        # "liberals are mentally ill", "conservatives are all idiots"
        (
            [_GROUPS_INSULTED],
            rf" (?:{_alt(_GROUPS_INSULTED)}) (?:are|r){mods} "
            rf"(?:{nouns3}|{adj_strong}|mentally ill|insane|crazy|sick in the head)(?= )",
        ),
        # "how stupid can you be"
        (
            [["how"]],
            r" how (?:stupid|dumb|ignorant|pathetic|clueless|dense|thick|moronic|idiotic|gullible|"
            r"brainless|deluded|delusional) (?:can|are|is|must|could|do) (?:you|u|ya|he|she|they|"
            r"people|one|someone|anyone|these people|those people)(?= )",
        ),
        # "are you stupid"
        (
            [["are", "r"], ["you", "u", "ya"]],
            rf" (?:are|r) (?:you|u|ya)(?: (?:just|really|seriously|actually|that|this|so|an|a|"
            rf"some|kind|sort|of|completely|totally|always))* (?:{nouns}|{adj_strong})(?= )",
        ),
        # "shut up, you ...", "just shut up"; not "they told her to shut up"
        (
            [["shut"]],
            r"(?:^ | (?:just|so|oh|please|now|and|you|u|ya|simply|go|pls|plz|dont you|don t you) )"
            r"shut (?:the (?:fuck|hell|f|heck|fk|fck) )?up(?= )"
            r"| shut (?:the (?:fuck|hell|heck) )?up "
            r"(?:you|u|ya|already|idiot|moron|fool|troll)(?= )",
        ),
    ]
    return [
        (
            tuple(frozenset(w for word in gate for w in word.split()) for gate in gates),
            re.compile(p),
        )
        for gates, p in out
    ]


def _spans_in_ctext(a: Analysis, found: list[re.Match[str]]) -> list[list[Any]]:
    """Map matches in :attr:`Analysis.ctext` back to spans of the original text.

    A match covers the tokens that end after it starts and start before it ends;
    token starts and ends in ``ctext`` increase, so two bisections find them.
    """
    if not found:
        return []
    lengths = list(map(len, a.canon))
    # ctext is " " + tokens joined by " " + " ": token i starts at 1 + sum(len + 1) before it.
    starts = list(accumulate(map((1).__add__, lengths), initial=1))[:-1]
    ends = list(map(add, starts, lengths))
    out = []
    for m in found:
        first = bisect_right(ends, m.start())
        last = bisect_left(starts, m.end()) - 1
        if first <= last:
            out.append(a.token_span(first, last + 1))
    return out


def _token_ranges(a: Analysis, found: list[re.Match[str]]) -> list[tuple[int, int] | None]:
    """Token ranges ``(first, stop)`` of matches in :attr:`Analysis.ctext` (None: no token)."""
    if not found:
        return []
    lengths = list(map(len, a.canon))
    starts = list(accumulate(map((1).__add__, lengths), initial=1))[:-1]
    ends = list(map(add, starts, lengths))
    out: list[tuple[int, int] | None] = []
    for m in found:
        first = bisect_right(ends, m.start())
        last = bisect_left(starts, m.end()) - 1
        out.append((first, last + 1) if first <= last else None)
    return out


def _insult_evidence(found: list[tuple[str, list[Any]]], target: str) -> Evidence | None:
    if not found:
        return None
    spans = sorted((span for _, span in found), key=lambda s: s[0])
    return {
        "matches": spans[:20],
        "terms": sorted({term for term, _ in found}),
        "count": len(spans),
        "target": target,
    }


class _PatternRule(Rule):
    """Shared machinery: trigger-word gate, one combined regex, spans on the original text."""

    triggers: frozenset[str]
    pattern: re.Pattern[str] | None = None
    gated: tuple[Gated, ...] = ()
    always: frozenset[str] = frozenset()
    phrases: Matcher | None = None
    # Word of a pattern's first gate -> indices in ``gated`` of the patterns it opens.
    gate_index: Mapping[str, tuple[int, ...]] = MappingProxyType({})

    def vocabulary(self) -> frozenset[str]:
        words = set(self.triggers) | self.always
        for gates, _ in self.gated:
            words.update(*gates)
        if self.phrases is not None:
            words |= self.phrases.vocabulary
        return frozenset(words)

    def _matches(self, a: Analysis) -> list[re.Match[str]]:
        if self.pattern is not None:
            return list(self.pattern.finditer(a.ctext))
        words = a.relevant_canon
        out: list[re.Match[str]] = []
        # Patterns whose first gate has a word in the comment, in policy order.
        index = self.gate_index
        chosen = sorted({i for w in words.intersection(index) for i in index[w]})
        for i in chosen:
            gates, regex = self.gated[i]
            if all(not gate.isdisjoint(words) for gate in gates[1:]):
                out.extend(regex.finditer(a.ctext))
        return out

    def _found(
        self, a: Analysis
    ) -> tuple[list[re.Match[str]], Iterable[str], list[tuple[str, list[Any]]]] | None:
        """Pattern matches, always-words and phrases in the comment, or None when nothing."""
        found = self.phrases.find(a) if self.phrases is not None else []
        if self.triggers.isdisjoint(a.relevant):
            if not found:
                return None
            return [], (), found
        matches = self._matches(a)
        words = self.always.intersection(a.relevant_canon) if self.always else ()
        if not matches and not words and not found:
            return None
        return matches, words, found

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        got = self._found(a)
        if got is None:
            return None
        return _pattern_evidence(a, *got)


def _word_spans(a: Analysis, words: Iterable[str]) -> list[list[Any]]:
    return [a.token_span(i, i + 1) for i, tok in enumerate(a.canon) if tok in words]


def _pattern_evidence(
    a: Analysis,
    matches: list[re.Match[str]],
    words: Iterable[str],
    found: list[tuple[str, list[Any]]],
    word_spans: list[list[Any]] | None = None,
    **extra: Any,
) -> Evidence:
    spans = _spans_in_ctext(a, matches) + [span for _, span in found]
    terms = {m.group().strip() for m in matches} | set(words) | {t for t, _ in found}
    if words:
        spans += word_spans if word_spans is not None else _word_spans(a, words)
    spans.sort(key=lambda s: s[0])
    return {"matches": spans[:20], "terms": sorted(terms), "count": len(spans), **extra}


# Words that make an insult a reply to another reader ("you are an idiot", "shut up, you").
_SECOND_PERSON = re.compile(r" (?:you|u|ya|yah|yall|youre|ur|your|yourself|yourselves)(?= )")
# Phrases said to another commenter even without "you": trolling and reading lessons.
READER_PHRASES = frozenset(
    [
        "learn to read",
        "learn how to read",
        "grow a brain",
        "get a brain",
        "crawl back under a rock",
        "go crawl under a rock",
        "crawl back under your rock",
        "back under your bridge",
        "go back under your bridge",
        "mom s basement",
        "mother s basement",
        "moms basement",
        "shut your mouth",
        "shut your trap",
        "shut your pie hole",
        "shut your face",
    ]
)


_SECOND_WORDS = frozenset(["you", "u", "ya", "yah", "yall", "youre", "ur", "your", "yourself"])
# "you know", "thank you", "mind you": a second-person word that addresses nobody in particular.
_NOT_ADDRESS = frozenset(["know", "see", "thank", "mind", "if", "as", "when"])
# "hey dimwit", "listen, moron": an insult word right after these is said to someone.
_VOCATIVE_OPENERS = frozenset(["hey", "listen", "look", "dear", "ok", "okay", "sorry", "oi"])
_NEAR = 3


# Participants of the discussion: attacking them is a personal attack, as on a reader.
_PARTICIPANT = re.compile(
    r" (?:the|this|that) (?:author|writer|reporter|columnist|journalist|poster|commenter|"
    r"commentator)(?= )"
)


def _at_reader(text: str) -> bool:
    text = f" {text.strip()} "
    return _SECOND_PERSON.search(text) is not None or _PARTICIPANT.search(text) is not None


def _near_reader(ctext: str, start: int, end: int) -> bool:
    """An insult within three words of "you"/"your" ("idiots like you", "you have two brain
    cells") or right after "hey" ("hey dimwit") is said to the reader."""
    # A window of characters, not the whole text: three words fit in 80 of them.
    before = ctext[max(0, start - 80) : start].split()[-_NEAR:]
    after = ctext[end : end + 80].split()[:_NEAR]
    if before and before[-1] in _VOCATIVE_OPENERS:
        return True
    words = before + after
    for i, w in enumerate(words):
        if w in _SECOND_WORDS:
            prev = words[i - 1] if i else ""
            nxt = words[i + 1] if i + 1 < len(words) else ""
            if prev not in _NOT_ADDRESS and nxt not in _NOT_ADDRESS:
                return True
    return False


_WORD = re.compile(r"[^\W\d_]+")


def _reported_spans(text: str) -> list[tuple[int, int]]:
    """The quoted spans of ``text``, when words outside them report the quotation ("He said
    "..." to me"); none for a comment that is nothing but a quotation ("\"You're an idiot\""),
    which says it."""
    spans = quoted_spans(text)
    if not spans:
        return spans
    outside, last = [], 0
    for start, end in spans:
        outside.append(text[last:start])
        last = end
    outside.append(text[last:])
    return spans if len(_WORD.findall(" ".join(outside))) >= 2 else []


def _ctext_span(ctext: str, term: str) -> tuple[int, int]:
    i = ctext.find(f" {term} ")
    return (i, i + len(term) + 1) if i >= 0 else (0, 0)


class InsultRule(_PatternRule):
    """Serves the "civility and personal attacks" clause.

    Always-insulting words (idiot, moron, imbecile, libtard ...) plus insult
    words aimed at someone: second person ("you are a clown", "you clown"),
    named or third-person targets ("he is a liar"), "what a ...", "bunch of ...",
    insulted groups ("stupid people"), "shut up".

    ``target`` says whose insults the rule reports: ``reader`` - insults said to
    another reader or about the article's author or a commenter (a second-person
    pattern, an insult within three words of "you", "hey dimwit", "shut up", a
    phrase such as "learn to read");
    ``third_party`` - everything else: name-calling of people in the story, public
    figures and groups ("what a buffoon", "idiots", "get a life"); ``any`` - both.
    A policy gives the two their own actions (hold a personal attack, flag the rest).

    ``quoted`` works as for the word lists: ``"exclude"`` leaves out insults inside a quoted
    span ("…", “…”, «…», *…*), ``"only"`` keeps only those. A reader who quotes a candidate's
    "You're ugly and your mother dresses you funny" reports it rather than says it; a policy
    holds the personal attack and flags the quotation. A comment that is nothing but the
    quotation (fewer than two words outside it) says it: its insults count as unquoted.
    """

    KIND = "insult"
    PARAMS = {
        "extra_words": words_param("words insulting wherever they appear"),
        "extra_targets": words_param("people often insulted on this site, e.g. local politicians"),
        "target": Param(
            "str",
            "any",
            "whose insults: reader (said to another reader), third_party (anyone else) or any",
            choices=("any", "reader", "third_party"),
        ),
        "quoted": quoted_param(),
    }

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        target = self.target
        if target == "any" and self.quoted == "include":
            return super().check(a, ctx)
        relevant = a.relevant
        if self.triggers.isdisjoint(relevant) and self.phrase_words.isdisjoint(relevant):
            return None
        # A policy has a "reader" and a "third_party" rule with the same words: the
        # matching and the split are done once per comment and shared between them.
        parts = a.shared(self.share_key, self._split)
        if parts is None:
            return None
        if target == "any":
            found = parts[0] + parts[1]
        else:
            found = parts[0] if target == "reader" else parts[1]
        if found and self.quoted != "include":
            spans = _reported_spans(a.text)
            inside = self.quoted == "only"
            found = [(term, span) for term, span in found if inside_quotes(span, spans) is inside]
        return _insult_evidence(found, target)

    def _split(
        self, a: Analysis
    ) -> tuple[list[tuple[str, list[Any]]], list[tuple[str, list[Any]]]] | None:
        """The insults said to a reader and the others, as (term, span) pairs."""
        got = self._found(a)
        if got is None:
            return None
        matches, words, found = got
        ctext = a.ctext
        # Token ranges of the matches, computed once for both sides.
        ranges = _token_ranges(a, matches)
        reader: list[tuple[str, list[Any]]] = []
        others: list[tuple[str, list[Any]]] = []
        taken: list[tuple[int, int]] = []
        for m, rng in zip(matches, ranges, strict=True):
            if rng is None:
                continue
            text = m.group()
            term = text.strip()
            # A comment that is nothing but the insult ("Loser!", the one pattern anchored at
            # the start) is said to someone there.
            alone = m.re.pattern.startswith("^")
            if (
                alone
                or _at_reader(text)
                or " shut " in text + " "
                or _near_reader(ctext, *m.span())
            ):
                reader.append((term, a.token_span(*rng)))
                taken.append(rng)
            else:
                others.append((term, a.token_span(*rng)))
        for term, span in found:
            if (
                term in READER_PHRASES
                or _at_reader(term)
                or _near_reader(ctext, *_ctext_span(ctext, term))
            ):
                reader.append((term, span))
                taken.append(self._phrase_range(a, span))
            else:
                others.append((term, span))
        if words:
            canon = a.canon
            for i, tok in enumerate(canon):
                if tok not in words:
                    continue
                if _near_reader(ctext, *_ctext_span(ctext, tok)):
                    reader.append((tok, a.token_span(i, i + 1)))
                elif not any(lo <= i < hi for lo, hi in taken):
                    # "you idiot" is a personal attack: its "idiot" is not also a
                    # third-party insult.
                    others.append((tok, a.token_span(i, i + 1)))
        return reader, others

    @staticmethod
    def _phrase_range(a: Analysis, span: list[Any]) -> tuple[int, int]:
        """Token range of a phrase match given as a span of the original text."""
        spans = a.token_spans
        lo = hi = -1
        for i, (s, _) in enumerate(spans):
            start = a.offset(s)
            if start >= span[0] and lo < 0:
                lo = i
            if start < span[1]:
                hi = i + 1
        return (lo, hi)

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.target = params["target"]
        self.quoted = params["quoted"]
        self.share_key = f"insult:{params['extra_words']!r}:{params['extra_targets']!r}"
        extra = [canonical_entry(w) for w in params["extra_words"]]
        self.always = frozenset(ALWAYS + extra)
        self.gated = tuple(_insult_patterns(params["extra_targets"]))
        index: dict[str, list[int]] = {}
        for i, (gates, _) in enumerate(self.gated):
            for word in gates[0]:
                index.setdefault(word, []).append(i)
        self.gate_index = MappingProxyType({w: tuple(ix) for w, ix in index.items()})
        trigger_words = set(NOUNS + NOUNS_2ND + ALWAYS + STRONG_ADJ + WEAK_ADJ + _GROUP_ADJ + extra)
        trigger_words.add("shut")
        self.triggers = frozenset(w for phrase in trigger_words for w in phrase.split())
        self.phrases = Matcher(PHRASES)
        # The phrases matcher has no wildcard roots: its vocabulary gates it exactly.
        self.phrase_words = self.phrases.vocabulary


# --- threats ------------------------------------------------------------------

_VIOLENT = _w("""
kill murder shoot stab strangle choke hang lynch punch hurt slit gut behead burn bomb rape slap
execute skin torture waste drown
""")
_PASSIVE = _w("""
shot killed hanged lynched executed murdered raped stabbed gassed exterminated slaughtered
beheaded tortured drowned castrated eradicated eliminated massacred
""")
_OBJ = "you|u|ya|yall|you all|him|her|them|em|every one of you|each of you|all of you"
_BODY = (
    "face|head|neck|skull|legs|arms|teeth|throat|family|kids|children|wife|husband|mother|"
    "mom|dog|house|ass"
)
_GROUPS = _w("""
muslims moslems jews blacks whites gays homosexuals lesbians immigrants illegals refugees migrants
mexicans asians arabs africans indians natives aboriginals christians catholics hindus sikhs women
liberals conservatives republicans democrats cops police leftists libs traitors bastards scum
vermin pigs animals trannies transgenders bisexuals foreigners aliens latinos hispanics somalis
pakistanis syrians africans gypsies cripples retards feminists
""")
# Singular members of a group, for "every immigrant should be shot", "the only good muslim...".
_MEMBER = _w("""
muslim jew black gay immigrant illegal refugee migrant mexican asian arab african indian native
christian catholic hindu sikh woman foreigner alien latino hispanic liberal conservative
republican democrat cop leftist traitor tranny cripple
""")
EXPLICIT = [
    # "I will kill you", "I'm going to find you and shoot you"
    rf" (?:i|we|ill|im|id) (?:(?:will|ll|m|am|are|re|would|d|should|shall|can|could|want|wanna|"
    rf"gonna|going|to|love|like|really|personally|just|gladly|happily|come|go|and|find|you|hunt|"
    rf"track|down|over|there|fucking|literally|not|hesitate) )*"
    rf"(?:{_alt(_VIOLENT)}|beat up|beat the shit out of|beat the crap out of) (?:{_OBJ})(?= )",
    rf" (?:i|we|ill|im|id) (?:(?:will|ll|m|am|are|re|would|d|should|gonna|going|to|want|wanna|"
    rf"just|personally) )*(?:break|smash|cut|slit|bash|beat|punch|kick|burn|shoot|stab|rape|"
    rf"kill|murder|strangle|hurt) (?:your|ur|his|her|their) (?:\w+ )?(?:{_BODY})(?= )",
    # "you should be shot", "you will die", "he deserves to be hanged"
    rf" (?:you|u|ya|yall|you all|you people) (?:will|ll|are going to|re going to|gonna|are gonna|"
    rf"re gonna|should|ought to|deserve to|need to|must|better|d better|had better|shall)"
    rf"(?: all)? (?:be |get )?(?:{_alt(_PASSIVE)}|die|rot|burn|bleed|hang)(?= )",
    rf" (?:he|she|they|him|her|them|these people|those people|all of them|people like you|"
    rf"{_alt(_GROUPS)}) (?:should|ought to|deserve to|deserves to|needs to|need to|must)"
    rf"(?: all)? (?:be |get )?(?:{_alt(_PASSIVE)}|die|hang|burn in hell|rot in hell|"
    rf"be put down|be strung up|be lined up and shot|be taken out and shot)(?= )",
    # "I hope you die", "hope he gets cancer"
    r" (?:hope|hoping|wish|pray|praying) (?:that )?(?:you|u|ya|he|she|they|all of you|yall|"
    r"them|him|her|your(?: \w+){1,2}) (?:all )?(?:will |ll )?"
    r"(?:die|dies|get killed|gets killed|get shot|"
    r"gets shot|get cancer|gets cancer|get raped|gets raped|rot|rots|burn|burns|choke|chokes|"
    r"drown|drowns|suffer|suffers|get murdered|gets murdered|get hanged|gets hanged|get aids|"
    r"get hit by a|gets hit by a|die in a fire|dies in a fire)(?= )",
    # "someone should shoot him", "kill them all", "gas the jews"
    rf" (?:someone|somebody|we|people) (?:should|needs to|need to|ought to|has to|have to|must)"
    rf" (?:just )?(?:(?:{_alt(_VIOLENT)}|string up) (?:{_OBJ}|that \w+|this \w+)|"
    rf"(?:take|string) (?:him|her|them|you) (?:out|up))(?= )",
    rf" (?:{_alt(_VIOLENT)}|nuke|gas) (?:them|em|those|these|you) all(?= )",
    rf" (?:kill|shoot|hang|lynch|gas|nuke|bomb|exterminate|behead|execute|murder|burn) "
    rf"(?:all )?(?:the |these |those )?(?:{_alt(_GROUPS)})(?= )",
    # "hang all the illegal vermin", "kill every last one of the filthy muslims",
    # "shoot every immigrant": a word between, or one member for all.
    rf" (?:kill|shoot|hang|lynch|gas|nuke|exterminate|behead|execute|murder|slaughter|massacre) "
    rf"(?:all (?:of )?(?:the |these |those )?|every (?:last |single )?(?:one of (?:the |these |"
    rf"those )?)?)(?:\w+ )?(?:{_alt(_GROUPS)}|{_alt(_MEMBER)})(?= )",
    # "every immigrant should be shot", "all muslims deserve to die"
    rf" (?:every|each|any|all) (?:(?:\w+ )?(?:{_alt(_MEMBER)})|(?:\w+ )?(?:{_alt(_GROUPS)})) "
    rf"(?:should|must|needs to|need to|deserves to|deserve to|ought to)(?: all)? "
    rf"(?:be |get )?(?:{_alt(_PASSIVE)}|die|hang|burn)(?= )",
    # "death to muslims", "the only good immigrant is a dead one"
    rf" death to (?:all )?(?:the |these |those )?(?:\w+ )?(?:{_alt(_GROUPS)})(?= )",
    rf" (?:the )?only good (?:{_alt(_MEMBER)}|{_alt(_GROUPS)}) (?:is|are) (?:a )?dead(?= )",
    # "muslims deserve a bullet", "immigrants deserve death"
    rf" (?:{_alt(_GROUPS)}) (?:all )?deserve (?:a bullet|bullets|death|to be shot|to be killed|"
    rf"to be hanged|to be gassed|to hang|to burn)(?= )",
    # "I hope the senator gets hit by a bus": a named target, with harms that have no other sense
    # ("hope the storm dies down" stays published).
    r" (?:hope|hoping|wish|pray|praying) (?:that )?(?:the|that|this) (?:\w+ )?\w+ "
    r"(?:will |ll )?(?:get killed|gets killed|get shot|gets shot|get cancer|gets cancer|"
    r"get raped|gets raped|get murdered|gets murdered|get hanged|gets hanged|get hit by a|"
    r"gets hit by a|dies in a fire|die in a fire)(?= )",
    # "I wish someone would kill the mayor"
    rf" (?:wish|hope|pray) (?:someone|somebody|somebody would|someone would)(?: would| will| d)?"
    rf" (?:{_alt(_VIOLENT)}) (?:{_OBJ}|(?:the|that|this) \w+)(?= )",
    # "hang every last one of those traitors", "shoot them on sight", "burn down their mosque"
    rf" (?:{_alt(_VIOLENT)}) (?:(?:every last one|every single one) of (?:them|em|those|these|the)|"
    rf"(?:every one|each one|all|each) of (?:them|em|those|these))(?= )",
    rf" (?:should|must|needs to|need to|ought to|have to|has to) (?:just )?(?:{_alt(_VIOLENT)})"
    rf" (?:(?:them|em|these|those|the|\w+) ){{1,2}}on sight(?= )",
    r" (?:burn down|torch|firebomb|blow up) (?:their|every|all (?:the|their)) "
    r"(?:mosques?|synagogues?|churches|church|temples?)(?= )",
    r" (?:put|line) (?:them|em|those people|these people|all of them)(?: all)? "
    r"(?:up )?against (?:a|the) wall(?= )",
    r" (?:die in a fire|kill yourself|kill urself|kill yourselves|kys|go kill yourself|"
    r"hang yourself|neck yourself|drink bleach|rope tree|put a bullet in|"
    r"bullet (?:in|between|through) (?:your|his|her|their|the) (?:head|eyes|brain|skull)|"
    r"string (?:him|her|them) up|slit your throat|slit his throat|slit her throat)(?= )",
]
VEILED = [
    r" (?:i|we) know where (?:you|u|he|she|they) (?:live|lives|work|works|sleep|sleeps)(?= )",
    r" (?:watch your back|watch yourself|better watch out|d better watch out|sleep with one eye "
    r"open|you will pay for this|you ll pay for this|you will regret this|you ll regret this|"
    r"your days are numbered|coming for you|come for you|i will find you|i ll find you|"
    r"get my hands on you|accidents happen|be a shame if something|bullet with your name|"
    r"drop dead|you re dead|you are dead|you re a dead man|you are a dead man|dead man walking)"
    r"(?! gorgeous)(?= )",
]
_THREAT_TRIGGERS = set(
    _VIOLENT
    + _PASSIVE
    + _w("""
die dies rot burn bleed hang gas nuke kys yourself yourselves bleach rope bullet string slit
know watch pay regret days coming come find hands accidents shame dead hope hoping wish pray
praying suffer cancer break smash cut bash beat punch kick someone somebody take kys
sight torch firebomb blow wall line put death slaughter massacre
""")
)


class ThreatRule(_PatternRule):
    """Serves the "threats and incitement to violence" clause.

    ``explicit``: threats and wishes of violence aimed at a person or group
    ("I will kill you", "you should be shot", "hope you die", "kill them all").
    ``veiled``: intimidation that a moderator should read ("I know where you live").
    """

    KIND = "threat"
    PARAMS = {
        "tier": Param("str", "explicit", "explicit or veiled", choices=("explicit", "veiled")),
        "extra_phrases": words_param("threatening phrases added to the tier"),
    }

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        patterns = EXPLICIT if params["tier"] == "explicit" else VEILED
        self.pattern = re.compile("|".join(f"(?:{p})" for p in patterns))
        self.triggers = frozenset(_THREAT_TRIGGERS)
        if params["extra_phrases"]:
            self.phrases = Matcher(params["extra_phrases"], variants=True)


# --- identity attacks ------------------------------------------------------------

IDENTITY_GROUPS = [
    *_w("""
muslims moslems muzzies jews blacks whites gays homosexuals lesbians transgenders trannies
immigrants illegals refugees migrants mexicans asians chinese arabs africans indians natives
aboriginals christians catholics hindus sikhs women females mormons gypsies roma latinos
hispanics somalis pakistanis syrians
"""),
    "jewish people",
    "black people",
    "white people",
    "gay people",
    "trans people",
    "transgender people",
    "native people",
    "indigenous people",
    "first nations",
]
IDENTITY_SINGULAR = _w("""
muslim jewish jew black white gay tranny trans mexican chinese arab african indian native immigrant
refugee christian catholic hindu sikh asian
""")
_DEHUMANISING = [
    *_w("""
animals vermin scum subhuman parasites savages barbarians cockroaches roaches rats pigs dogs apes
monkeys filth filthy garbage trash inferior evil terrorists rapists criminals pedophiles
paedophiles degenerates disgusting perverts perverted freaks abominations stupid idiots morons
lazy thieves leeches invaders primitive uncivilized brainless dirty
"""),
    "a disease",
    "a cancer",
    "a plague",
    "a virus",
    "mentally ill",
    "an abomination",
    "sub human",
    # Stereotypes that, said of a whole group, attack it (held for a moderator, who may
    # publish a sentence reporting such a claim).
    *_w("""
snakes ignorant violent dangerous liars crooks cheats freeloaders greedy sneaky ugly repulsive
vile deviants predators inbreds worthless useless
"""),
    "a menace",
    "a burden",
    "a drain",
    "a threat to",
    "the problem",
    "all the same",
    "not human",
    "less than human",
    "not real people",
]
# Unfit by nature, whatever the group ("too weak to walk" after a crossing is news, not this).
_UNFIT = _w("stupid dumb lazy hysterical primitive irrational")
# Attributes that, put before a group ("filthy immigrants", "terrorist muslims"), make the
# group a term of abuse; the words news writes before a group ("illegal", "radical",
# "violent", "criminal") are left out.
_ATTRIBUTES = _w("""
filthy dirty lazy stupid dumb disgusting savage subhuman inbred worthless useless smelly
stinking stinky greedy sneaky backward backwards retarded terrorist parasitic uncivilized
uncivilised barbaric degenerate godless
""")
# What a group "should be" in a call to remove it.
_REMOVED = _w("""
deported banned expelled exterminated eliminated eradicated sterilized sterilised gassed
kicked thrown shipped rounded purged
""")
_VICTIMHOOD = ["victims", "victim", "victim card", "race card"]
_SLUR_NOUNS = _w(
    "scum vermin pigs animals savages filth trash rats apes monkeys terrorists bastards"
)


class IdentityAttackRule(_PatternRule):
    """Serves the "hate speech" clause: attacks on people for who they are, without slurs.

    Dehumanising generalisations ("muslims are animals", "immigrants are
    vermin"), calls to expel or wipe out a group, "go back to where you came
    from", "jewish pigs", and the control-of-the-world tropes.
    """

    KIND = "identity_attack"
    PARAMS = {"extra_groups": words_param("more group names (plural) to protect")}

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        extra = [canonical_entry(g) for g in params["extra_groups"]]
        groups = _alt(IDENTITY_GROUPS + extra)
        patterns = [
            rf" (?:all )?(?:the |these |those |most |many )?(?:{groups}) (?:are|r|is)"
            rf"(?: (?:all|just|nothing|but|basically|simply|a|bunch|of|such|so|like|no|better|than|"
            rf"worse|literally|truly|really))* (?:{_alt(_DEHUMANISING)})(?= )",
            rf" (?:ban all|deport all|get rid of all|kick out all|round up|wipe out|exterminate|"
            rf"eradicate|purge|get rid of the|exterminate all) (?:the |these |those |all )?"
            rf"(?:{groups})(?= )",
            r" go back to (?:your (?:own )?(?:country|cave|desert|reservation|hut|village|tribe|"
            r"jungle|shithole|shit hole)|where (?:you|they) came from|africa|the jungle)(?= )",
            rf" (?:{_alt(IDENTITY_SINGULAR)}) (?:{_alt(_SLUR_NOUNS)})(?= )",
            r" (?:the )?(?:jews|zionists|jewish people) (?:control|own|run|controls|owns|runs) "
            r"(?:the |our |all )?(?:media|banks|world|money|government|hollywood|press)(?= )",
            # "women are too emotional to lead": a group unfit by nature.
            rf" (?:all )?(?:the |most )?(?:{groups}) (?:are|r) (?:just |simply |all )?too "
            rf"(?:{_alt(_UNFIT)}) to(?= )",
            r" (?:women|females) (?:are|r) (?:just |simply |all )?too emotional to(?= )",
            # "islam is a cancer": a religion as a disease.
            r" (?:islam|judaism|sharia) is (?:a |an |nothing but a )?(?:cancer|disease|plague|"
            r"virus|poison|death cult|cult of death)(?= )",
            # "get back in the kitchen": the sexist trope, said to a woman.
            r" (?:get|go|get back|go back|belongs?|stay) (?:back )?(?:in|into|to) (?:the|your) "
            r"kitchen(?= )",
            # "send them back to africa": the expulsion trope with an insulting destination.
            r" send (?:them|em|these people|those people|all of them)(?: all)? back to "
            r"(?:africa|the jungle|where they came from|their shithole|their own country|"
            r"their country|their caves?|the desert)(?= )",
            # "filthy immigrants", "terrorist muslims": a group named by a slur-like attribute.
            rf" (?:{_alt(_ATTRIBUTES)}) (?:{groups})(?= )",
            # "muslims should all be deported", "gays should be banned": a group to be removed.
            rf" (?:all )?(?:the |these |those )?(?:{groups}) (?:should|must|need to|needs to|"
            rf"ought to|have to)(?: all| just| simply)* (?:be )?(?:{_alt(_REMOVED)})(?= )",
            # "wipe those muslims off the face of the earth"
            rf" wipe (?:the |these |those |all |all the |all of the )?(?:\w+ )?(?:{groups}) "
            r"off (?:the face of )?(?:the )?(?:earth|planet|map)(?= )",
            # "blacks love being victims", "women breed like rabbits": the stereotype as nature.
            rf" (?:all )?(?:the |these |those |most )?(?:{groups}) (?:(?:all|just|always) )*"
            rf"(?:love|loves|like|likes|enjoy|enjoys) (?:being|playing) (?:the )?"
            rf"(?:{_alt(_VICTIMHOOD)})(?= )",
            rf" (?:{groups}) (?:breed|multiply|reproduce) like (?:rats|rabbits|cockroaches|roaches|"
            r"flies|vermin|animals)(?= )",
            # "muslims don't belong in this country": a group shut out.
            rf" (?:{groups}) (?:do not|don t|dont|does not|doesn t) belong (?:here|in (?:this|our|"
            r"the|a civilized|a civilised|any) (?:country|nation|society|world))(?= )",
            # "I hate muslims", "i can't stand immigrants": hatred of a whole group.
            rf" (?:i|we) (?:(?:really|just|fucking|truly|absolutely|all) )*(?:hate|despise|detest|"
            rf"loathe|can t stand|cant stand|cannot stand) (?:all )?(?:the |these |those )?"
            rf"(?:{groups})(?= )",
            # "that's so gay": orientation used as an insult.
            r" (?:that s|thats|that is|how|you re|youre|ur|you are|your) so gay(?= )",
        ]
        self.pattern = re.compile("|".join(f"(?:{p})" for p in patterns))
        # Multi-word groups trigger on their last word ("first nations" on "nations").
        trig = {g.split()[-1] for g in IDENTITY_GROUPS + extra} | set(IDENTITY_SINGULAR)
        trig |= set(
            _w("""came country cave desert reservation hut village tribe jungle shithole
            africa zionists kitchen islam judaism sharia gay""")
        )
        self.triggers = frozenset(trig)
