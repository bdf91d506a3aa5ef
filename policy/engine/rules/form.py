"""Rules about the form of a comment: links, shouting, length, repetition, personal data."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from policy.engine.document import Param
from policy.engine.model import Context
from policy.engine.normalise import Analysis
from policy.engine.rules.base import Evidence, Rule, words_param

_TLDS = (
    "com|net|org|info|biz|io|co|me|ly|gl|gd|cc|tv|xyz|top|site|online|shop|club|app|link|click|"
    "ru|cn|uk|de|fr|nl|ca|us|au|in|es|it|pl|br|jp|eu|news|live|store|tk|ml|ga|cf|gq|ws|to|pw|su"
)
# Explicit URLs, "www." hosts and bare domains with a known top-level domain.
# Bare domains need a letter before the dot and a word boundary, so "U.S." and
# "3.5" are not links; e-mail addresses are left to the personal_info rule.
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'()\[\]]+"
    rf"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?![@-])(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
# The lookahead makes sentence ends (". ") and decimals ("4.5") fail before the
# alternation is tried.
_TLD_GATE = re.compile(rf"\.(?=[a-z])(?:{_TLDS})\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
_HOST = re.compile(r"^(?:https?://)?([^/:?#\s]+)", re.IGNORECASE)


# Top-level domains that are also English words: "the end.in my view" is a missing space.
_WORD_TLDS = frozenset(["in", "it", "me", "to", "us", "co", "so", "is", "news", "live", "top"])


def _sentence_join(text: str, m: re.Match[str]) -> bool:
    """A bare "domain" that is two sentences with no space after the full stop.

    "the word.It goes on": the top-level domain is in Title Case (addresses are
    written in lower or upper case); "I agree.it is": a word-like top-level domain
    followed by another word, with no path.
    """
    found = m.group()
    if "/" in found or found[:4].lower() == "www.":
        return False
    tld = found.rsplit(".", 1)[1]
    if tld[0].isupper() and not tld.isupper():
        return True
    if tld.lower() in _WORD_TLDS:
        rest = text[m.end() : m.end() + 2]
        return len(rest) == 2 and rest[0] == " " and rest[1].isalpha()
    return False


def _find_links(a: Analysis) -> list[re.Match[str]]:
    lower = a.lower
    if "://" not in lower and "www." not in lower and not _TLD_GATE.search(lower):
        return []
    text = a.text
    return [m for m in _URL.finditer(text) if "://" in m.group() or not _sentence_join(text, m)]


def _links(a: Analysis) -> list[re.Match[str]]:
    """Links in the comment, found once per evaluation and shared by every links rule."""
    return a.shared("links", _find_links)


def _host(url: str) -> str:
    m = _HOST.match(url)
    host = m.group(1).lower().rstrip(".") if m else url.lower()
    return host[4:] if host.startswith("www.") else host


def _domain_in(host: str, domains: frozenset[str]) -> str | None:
    """The listed domain ``host`` belongs to ("news.example.com" is in "example.com")."""
    parts = host.split(".")
    for i in range(len(parts) - 1):
        candidate = ".".join(parts[i:])
        if candidate in domains:
            return candidate
    return None


class LinksRule(Rule):
    """Serves the "spam, advertising and links" clause.

    Fires when there are more than ``max_links`` links, when a link points to a
    ``deny_domains`` domain (or a subdomain), or, if ``allow_domains`` is set,
    when a link points anywhere else.  Links to ``uncounted_domains`` (news sites
    readers cite as sources) do not count towards ``max_links``.  Two sentences
    joined without a space ("the word.It goes on") are not a bare domain.
    """

    KIND = "links"
    PARAMS = {
        "max_links": Param("int", -1, "most links allowed; -1 = no limit", minimum=-1),
        "allow_domains": words_param("only these domains (and subdomains) may be linked"),
        "deny_domains": words_param("these domains (and subdomains) may never be linked"),
        "uncounted_domains": words_param(
            "links to these domains (and subdomains) do not count towards max_links"
        ),
    }

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.max_links = params["max_links"]
        self.allow = frozenset(d.lower().removeprefix("www.") for d in params["allow_domains"])
        self.deny = frozenset(d.lower().removeprefix("www.") for d in params["deny_domains"])
        self.uncounted = frozenset(
            d.lower().removeprefix("www.") for d in params["uncounted_domains"]
        )

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> str | None:
        if params["max_links"] < 0 and not params["allow_domains"] and not params["deny_domains"]:
            return "max_links: set max_links (>= 0), allow_domains or deny_domains"
        return None

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        found = _links(a)
        if not found:
            return None
        reasons = []
        denied, outside = [], []
        counted = 0
        for m in found:
            host = _host(m.group())
            if self.deny and _domain_in(host, self.deny):
                denied.append(host)
            elif self.allow and not _domain_in(host, self.allow):
                outside.append(host)
            if not (self.uncounted and _domain_in(host, self.uncounted)):
                counted += 1
        if denied:
            reasons.append("denied_domain")
        if outside:
            reasons.append("domain_not_allowed")
        if 0 <= self.max_links < counted:
            reasons.append("too_many_links")
        if not reasons:
            return None
        return {
            "reasons": reasons,
            "count": len(found),
            "counted": counted,
            "max_links": self.max_links,
            "matches": [[m.start(), m.end(), m.group()] for m in found[:20]],
            "denied_domains": sorted(set(denied)),
            "domains_not_allowed": sorted(set(outside)),
        }


_UPPER = re.compile(r"[A-ZÀ-ÖØ-ÞΑ-ΩА-Я]")
_LETTER = re.compile(r"[^\W\d_]")
_ASCII_UPPER = string.ascii_uppercase.encode("ascii")
_ASCII_LETTERS = string.ascii_letters.encode("ascii")


class ShoutingRule(Rule):
    """Serves the "no shouting" clause: too large a share of capital letters.

    Only texts with at least ``min_letters`` letters are judged, so "USA" or
    "OK" alone are not shouting.
    """

    KIND = "shouting"
    PARAMS = {
        "max_caps_ratio": Param("float", 0.7, "largest share of capitals", minimum=0, maximum=1),
        "min_letters": Param("int", 20, "shorter texts are never shouting", minimum=1),
    }

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.ratio = params["max_caps_ratio"]
        self.min_letters = params["min_letters"]
        self.enough_upper = self.ratio * self.min_letters

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        text = a.text
        if len(text) < self.min_letters or text == a.lower:
            return None
        data = a.data
        # For ASCII text both classes are plain A-Z / A-Za-z: count by deleting them.
        if data is not None:
            upper = len(data) - len(data.translate(None, _ASCII_UPPER))
        else:
            upper = len(_UPPER.findall(text))
        # upper/letters > ratio needs upper > ratio * min_letters whenever letters >= min_letters.
        if upper <= self.enough_upper:
            return None
        if data is not None:
            letters = len(data) - len(data.translate(None, _ASCII_LETTERS))
        else:
            letters = len(_LETTER.findall(text))
        if letters < self.min_letters or upper / letters <= self.ratio:
            return None
        return {
            "caps_ratio": round(upper / letters, 3),
            "max_caps_ratio": self.ratio,
            "letters": letters,
            "capitals": upper,
        }


class LengthRule(Rule):
    """Serves the "length" clause: empty or too short comments, or walls of text.

    Length counts characters of the text with surrounding whitespace removed.
    """

    KIND = "length"
    PARAMS = {
        "min_chars": Param("int", 1, "fewest characters", minimum=0),
        "max_chars": Param("int", 0, "most characters; 0 = no limit", minimum=0),
    }

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> str | None:
        if params["max_chars"] and params["max_chars"] < params["min_chars"]:
            return "max_chars: must be 0 or >= min_chars"
        return None

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.min_chars = params["min_chars"]
        self.max_chars = params["max_chars"]

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        n = len(a.text.strip())
        lo, hi = self.min_chars, self.max_chars
        if n < lo:
            return {"reason": "too_short", "chars": n, "min_chars": lo}
        if hi and n > hi:
            return {"reason": "too_long", "chars": n, "max_chars": hi}
        return None


_VOWELS = frozenset("aeiouy")
# ASCII consonants of RepetitionRule.mash (either case: it reads the lower-cased
# text) become "c", everything else a space.
_CONSONANT_MARKS = bytes(
    ord("c") if chr(b).lower() in "bcdfghjklmnpqrstvxz" and b < 0x80 else ord(" ")
    for b in range(256)
)


class RepetitionRule(Rule):
    """Serves the "shouting and formatting" clause: character floods and keyboard mashing.

    A letter repeated more than ``max_repeat`` times in a row ("soooooooo",
    "hahahaaaaaaaa"); with ``punctuation = true`` also other symbols ("!!!!!!!!",
    "???????").  Punctuation runs are off by default: in news comments they are
    emphasis, not spam.  Digits, dots, dashes and other rulers are never counted,
    so "1000000000" and "......" pass.  Gibberish is a word of Latin letters with a
    run of more than ``max_consonant_run`` consonants ("asdfghjkl"); links and
    e-mail addresses are skipped, "y" and "w" count as vowels ("rhythms",
    "Llanfairpwllgwyngyll").
    """

    KIND = "repetition"
    PARAMS = {
        "max_repeat": Param("int", 6, "longest run of one character", minimum=2),
        "max_consonant_run": Param("int", 6, "longest run of consonants in a word", minimum=3),
        "gibberish": Param("bool", True, "also look for keyboard mashing"),
        "punctuation": Param("bool", False, "also count runs of punctuation ('!!!!!!!')"),
    }

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.max_repeat = params["max_repeat"]
        self.punctuation = params["punctuation"]
        flooding = r"[^\d\s.\-_=*~#+/\\|]" if self.punctuation else r"[^\W\d_]"
        self.flood = re.compile(rf"({flooding})\1{{{self.max_repeat},}}")
        # Symbol floods start with a rare character, so this scan is cheap; letter
        # floods imply a run of three letters, which the analysis already knows about.
        symbols = "!?,:;$%&@^<>'\"()[]{}`"
        self.symbol_runs = tuple(ch * (self.max_repeat + 1) for ch in symbols)
        # Deleting every other byte leaves the symbols; fewer than a run's length
        # of them (nearly always) means no run, without fourteen substring scans.
        self.not_symbols = bytes(b for b in range(256) if chr(b) not in symbols)
        self.gibberish = params["gibberish"]
        run = params["max_consonant_run"] + 1
        self.mash = re.compile(rf"[bcdfghjklmnpqrstvxz]{{{run},}}")
        self.mash_run = b"c" * run

    def _symbol_run(self, a: Analysis) -> bool:
        data = a.data
        if data is not None and len(data.translate(None, self.not_symbols)) <= self.max_repeat:
            return False
        text = a.text
        return any(run in text for run in self.symbol_runs)

    def _may_mash(self, a: Analysis) -> bool:
        """Cheap test of ``mash.search(a.lower)``: exact for ASCII, the regex otherwise."""
        data = a.data
        if data is None:
            return self.mash.search(a.lower) is not None
        return self.mash_run in data.translate(_CONSONANT_MARKS)

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        floods = []
        if a.has_run3 or not a.ascii or (self.punctuation and self._symbol_run(a)):
            floods = list(self.flood.finditer(a.text))
        mashed = []
        if self.gibberish and self._may_mash(a):
            skip = [m.span() for m in _links(a)]
            if "@" in a.text:
                skip += [m.span() for m in _EMAIL.finditer(a.text)]
            for m in self.mash.finditer(a.lower):
                if not any(s <= m.start() < e for s, e in skip):
                    mashed.append(m)
        if not floods and not mashed:
            return None
        return {
            "matches": [[m.start(), m.end(), a.text[m.start() : m.end()]] for m in floods + mashed][
                :20
            ],
            "floods": len(floods),
            "gibberish": len(mashed),
            "max_repeat": self.max_repeat,
        }


_SPELLED_EMAIL = re.compile(
    r"\b[\w.+-]+\s*(?:\[at\]|\(at\)|\sat\s)\s*[\w-]+\s*(?:\[dot\]|\(dot\)|\sdot\s)\s*[a-z]{2,}\b",
    re.IGNORECASE,
)
# North American numbers: "(555) 123-4567", "555-123-4567", "555.123.4567", "+1 555 123 4567".
# Area code and exchange start with 2-9; a number glued to "$", digits or commas is not a phone.
_NANP = re.compile(
    r"(?<![\w$€£.,/-])(?:\+?1[ .-]?)?(?:\([2-9]\d\d\)|[2-9]\d\d)[ .-]?[2-9]\d\d[ .-]\d{4}"
    r"(?![\w,/-]|\.\d)"
)
_NANP_GATE = re.compile(r"\d{3}[ .)-]{0,2}\d{3}[ .-]\d{4}")
# National numbers outside North America start with a trunk "0": "07700 900123",
# "020 7946 0958", "01 23 45 67 89"; 10 or 11 digits in groups.
_NATIONAL = re.compile(r"(?<![\w$€£.,/+-])0[1-9]\d{0,3}(?:[ .-]?\d{2,4}){2,4}(?![\w,/-]|\.\d)")
# International: "+44 20 7946 0958", "+33 1 23 45 67 89", "0044 20 7946 0958".
_INTL_GATE = re.compile(r"(?:\+|00)[1-9]")
_DIGITS = string.digits.encode("ascii")
# Local parts of role accounts an organisation publishes for anyone to write to
# ("privacy@", "optout@", "press@"): quoting one exposes nobody.
_ROLE_TEXT = """
    info information contact contactus enquiries enquiry inquiries inquiry hello office
    reception press media news newsroom newsdesk tips editor editors letters publiceditor
    feedback comments support help helpdesk service services customerservice customercare
    care privacy dataprotection dpo gdpr legal compliance ethics complaints ombudsman optout
    unsubscribe remove abuse security webmaster postmaster hostmaster admin sales marketing
    communications comms pr partnerships careers jobs recruitment hr billing accounts
    investors ir donations membership subscriptions noreply donotreply mail
"""
_ROLE_LOCALS = frozenset(_ROLE_TEXT.split())


def _role_address(address: str) -> bool:
    """ "privacy@bank.com", "opt-out@firm.ca", "press.office@x.org": a role account."""
    local = address.split("@", 1)[0].lower()
    return local.replace("-", "").replace("_", "").replace(".", "") in _ROLE_LOCALS


_INTL = re.compile(r"(?<![\w+])(?:\+|00)[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,5}(?![\w-])")


class PersonalInfoRule(Rule):
    """Serves the "personal information" (doxxing) clause: e-mail addresses and phone numbers.

    Years, prices, ordinary figures and ranges do not look like phone numbers:
    a North American number needs its 3-3-4 grouping with a separator before
    the last four digits; a national number elsewhere starts with a trunk "0"
    and has 10 or 11 digits; an international number needs a leading "+" or
    "00" and 8 to 15 digits.  With ``allow_role_addresses`` (the default), the
    published role accounts of organisations ("info@", "privacy@", "optout@",
    "press@") are not personal information; a person's address still is.
    """

    KIND = "personal_info"
    PARAMS = {
        "emails": Param("bool", True, "look for e-mail addresses"),
        "phones": Param("bool", True, "look for phone numbers"),
        "allow_role_addresses": Param(
            "bool", True, "organisations' role addresses (info@, privacy@, press@) are fine"
        ),
    }

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.emails = params["emails"]
        self.allow_roles = params["allow_role_addresses"]
        self.phones = params["phones"]

    def check(self, a: Analysis, ctx: Context) -> Evidence | None:
        text = a.text
        found: list[tuple[str, re.Match[str]]] = []
        if self.emails:
            if "@" in text:
                found += [
                    ("email", m)
                    for m in _EMAIL.finditer(text)
                    if not (self.allow_roles and _role_address(m.group()))
                ]
            lower = a.lower
            if "@" not in text and (" dot " in lower or "[dot]" in lower or "(dot)" in lower):
                found += [("email", m) for m in _SPELLED_EMAIL.finditer(text)]
        # A plain text (every token letters only) has no digits, so no phone number.
        if self.phones and not a.alpha:
            data = a.data
            # ASCII text: a North American number has 10 digits, an international one
            # at least 8; counting them spares the regexes' digit scans.
            digits = 99 if data is None else len(data) - len(data.translate(None, _DIGITS))
            if digits >= 10 and _NANP_GATE.search(text):
                found += [("phone", m) for m in _NANP.finditer(text)]
            if digits >= 10 and " 0" in f" {text}":
                for m in _NATIONAL.finditer(text):
                    if 10 <= sum(c.isdigit() for c in m.group()) <= 11:
                        found.append(("phone", m))
            if digits >= 8 and ("+" in text or "00" in text) and _INTL_GATE.search(text):
                for m in _INTL.finditer(text):
                    digits = sum(c.isdigit() for c in m.group())
                    if 8 <= digits <= 15:
                        found.append(("phone", m))
        if not found:
            return None
        seen: list[tuple[int, int]] = []
        matches, kinds = [], set()
        for kind, m in sorted(found, key=lambda f: (f[1].start(), -f[1].end())):
            if any(s <= m.start() < e for s, e in seen):
                continue
            seen.append(m.span())
            kinds.add(kind)
            matches.append([m.start(), m.end(), m.group()])
        return {"kinds": sorted(kinds), "matches": matches[:20], "count": len(matches)}
