"""Parley's own export (portability.selectors, documented in docs/migrating.md), for moving
a site between Parley installations. The source is "parley:<the exporting site's slug>"."""

from collections.abc import Iterator
from pathlib import Path

from comments.models import CommentStatus

from ..records import (
    BadRecord,
    Problem,
    Record,
    SourceArticle,
    SourceAuthor,
    SourceComment,
    UnreadableFile,
    count,
    parse_time,
)
from ..selectors import FORMAT, VERSION
from .jsonlines import json_lines

STATUSES = set(CommentStatus.values)


def _time(value: object) -> str:
    if not isinstance(value, str):
        raise BadRecord(f"a time must be a string, not {value!r}")
    return value


class ParleyReader:
    format = "parley"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = "parley"
        self.done = 0
        self.total = path.stat().st_size

    def read(self) -> Iterator[Record]:
        authors: dict[str, SourceAuthor] = {}
        header = ended = False
        for number, value in json_lines(self.path, self):
            position = f"line {number}"
            if number == 1 or not header:
                if isinstance(value, BadRecord) or value.get("type") != FORMAT:
                    raise UnreadableFile(f"{self.path.name} does not start with a {FORMAT} line")
                if value.get("version") != VERSION:
                    raise UnreadableFile(
                        f"{self.path.name} is version {value.get('version')!r} of the export "
                        f"format; this Parley reads version {VERSION}"
                    )
                site = value.get("site")
                slug = site.get("slug") if isinstance(site, dict) else ""
                self.source = f"parley:{slug or ''}"
                header = True
                continue
            if isinstance(value, BadRecord):
                yield Problem(position, str(value))
                continue
            kind = value.get("type")
            source_id = str(value.get("id") or "")
            try:
                if kind == "article":
                    yield _article(value, source_id, position)
                elif kind == "commenter":
                    if not source_id:
                        raise BadRecord("no id")
                    name = str(value.get("display_name") or "Anonymous")
                    authors[source_id] = SourceAuthor(
                        name=name,
                        identity=f"parley:{source_id}",
                        avatar_url=str(value.get("avatar_url") or ""),
                    )
                elif kind == "comment":
                    yield _comment(value, source_id, position, authors)
                elif kind == "end":
                    ended = True
                else:
                    raise BadRecord(f"unknown type {kind!r}")
            except BadRecord as exc:
                yield Problem(position, str(exc), source_id)
        if header and not ended:
            yield Problem("end of file", "no end line: the export may be cut short", repaired=True)
        self.done = self.total


def _article(value: dict, source_id: str, position: str) -> SourceArticle:
    if not source_id:
        raise BadRecord("no id")
    key = str(value.get("key") or "")
    if not key:
        raise BadRecord("no key")
    created = value.get("created_at")
    return SourceArticle(
        source_id=source_id,
        key=key,
        url=str(value.get("url") or ""),
        title=str(value.get("title") or ""),
        created_at=parse_time(_time(created)) if created else None,
        is_open=value.get("is_open") is not False,
        position=position,
    )


def _comment(
    value: dict, source_id: str, position: str, authors: dict[str, SourceAuthor]
) -> SourceComment:
    if not source_id:
        raise BadRecord("no id")
    author = authors.get(str(value.get("author") or ""))
    if author is None:
        raise BadRecord(f"author {value.get('author')!r} is not among the commenters above")
    status = value.get("status")
    if status not in STATUSES:
        raise BadRecord(f"unknown status {status!r}")
    body = value.get("body")
    if not isinstance(body, str):
        raise BadRecord("no body")
    body = body.strip()
    if not body and status != CommentStatus.DELETED:
        raise BadRecord("empty body")
    parent = value.get("parent")
    edited = value.get("edited_at")
    return SourceComment(
        source_id=source_id,
        article_id=str(value.get("article") or ""),
        parent_id=str(parent) if parent not in (None, "") else None,
        author=author,
        body=body,
        created_at=parse_time(_time(value.get("created_at"))),
        edited_at=parse_time(_time(edited)) if edited else None,
        status=status,
        position=position,
        upvotes=count(value.get("upvotes")),
        downvotes=count(value.get("downvotes")),
        featured=value.get("featured") is True,
    )
