"""The reactions a site may turn on, beyond the one up-vote every site has.

A fixed vocabulary, so that every widget and every API client knows each kind's picture and
words; a site chooses which of them it offers, and in what order (reactions.models).
"""

from typing import NamedTuple


class Kind(NamedTuple):
    kind: str
    emoji: str
    label: str


KINDS: dict[str, Kind] = {
    k.kind: k
    for k in (
        Kind("like", "👍", "Like"),
        Kind("insightful", "💡", "Insightful"),
        Kind("agree", "🤝", "Agree"),
        Kind("funny", "😄", "Funny"),
        Kind("surprised", "😮", "Surprised"),
        Kind("sad", "😢", "Sad"),
        Kind("angry", "😠", "Angry"),
    )
}

MAX_PER_SITE = 6
