"""What every format's reader produces: articles, comments with their authors, and problems.

A reader turns one export file into these records, in file order, with each record's position
in the file (a line number, or the ordinal of an XML element) so that a skipped record can be
found again. Readers validate each record whole: a record is either complete or a `Problem`,
never half of one. The writer (portability.services) decides what becomes of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SourceArticle:
    source_id: str
    key: str = ""
    url: str = ""
    title: str = ""
    created_at: datetime | None = None
    is_open: bool = True
    position: str = ""


@dataclass(frozen=True, slots=True)
class SourceAuthor:
    """Who wrote a comment in the source system. `identity` names them there (a user id or
    username; else their e-mail; else their name): one commenter per identity."""

    name: str
    identity: str
    email: str = ""
    avatar_url: str = ""
    digest: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", hashlib.sha256(self.identity.encode()).hexdigest())


@dataclass(frozen=True, slots=True)
class SourceComment:
    source_id: str
    article_id: str
    parent_id: str | None
    author: SourceAuthor
    # Parley's body format (the Markdown subset readers type); rendered and sanitised on import.
    body: str
    created_at: datetime
    status: str
    position: str
    edited_at: datetime | None = None
    upvotes: int = 0
    downvotes: int = 0
    featured: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """A record skipped (or, with `repaired`, imported differently from the source) and why."""

    position: str
    reason: str
    source_id: str = ""
    repaired: bool = False

    def __str__(self) -> str:
        what = f" {self.source_id}" if self.source_id else ""
        return f"{self.position}{what}: {self.reason}"


Record = SourceArticle | SourceComment | Problem


class BadRecord(Exception):
    """Raised inside a reader for one record that cannot be imported; becomes a `Problem`."""


class Reader(Protocol):
    """A format's reader: `format` names it (`--format`); `read` yields records; `source`
    names the namespace of the source's ids (final once `read` is exhausted: a file may say
    which installation it comes from); `done` and `total` measure the progress through the
    file (bytes)."""

    format: str
    source: str
    done: int
    total: int

    def read(self) -> Iterator[Record]: ...


def parse_time(value: str, *, default_tz: tzinfo = UTC) -> datetime:
    """An ISO 8601 or `YYYY-MM-DD HH:MM:SS` time; one without an offset is in `default_tz`.
    Raises BadRecord for anything else (WordPress writes 0000-00-00 00:00:00 for "unknown")."""
    text = (value or "").strip()
    if not text or text.startswith("0000-00-00"):
        raise BadRecord(f"no usable date ({text!r})")
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadRecord(f"unreadable date {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed.astimezone(UTC)


def from_unix(value: object) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError):
        raise BadRecord(f"unreadable timestamp {value!r}") from None


def count(value: object) -> int:
    """A vote count from the source: never negative, at most what the column holds."""
    try:
        return min(max(0, int(value)), 2**31 - 1)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


class UnreadableFile(Exception):
    """The file as a whole cannot be read (not well-formed, unsafe XML, not this format):
    nothing is imported from it."""
