"""Disqus XML export (Admin > Community > Export: `<disqus>` with `<thread>` and `<post>`).

A `<thread dsq:id>` is a page: `<id>` is the identifier the site gave Disqus (may be empty),
`<link>` its URL. A `<post dsq:id>` is a comment: `<message>` (HTML), `<createdAt>` (UTC),
`<isDeleted>`, `<isSpam>`, `<author>` (name, e-mail, username, isAnonymous), `<thread
dsq:id>` and, for a reply, `<parent dsq:id>`. Disqus ids are global, so the source is "disqus".
IP addresses are in the file; they are not read.
"""

from collections.abc import Iterator
from pathlib import Path

from comments.models import CommentStatus

from ..bodies import html_to_body
from ..records import (
    BadRecord,
    Problem,
    Record,
    SourceArticle,
    SourceAuthor,
    SourceComment,
    UnreadableFile,
    parse_time,
)
from .xml import XMLError, attribute, child, elements, local, raw_text, text

S = CommentStatus


def _flag(value: str) -> bool:
    return value.strip().lower() in ("true", "1")


class DisqusReader:
    format = "disqus"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = "disqus"
        self.done = 0
        self.total = path.stat().st_size

    def read(self) -> Iterator[Record]:
        counts = {"thread": 0, "post": 0}
        with self.path.open("rb") as stream:
            try:
                for element in elements(stream, {"thread", "post"}, level=1):
                    self.done = stream.tell()
                    kind = local(element.tag)
                    counts[kind] += 1
                    position = f"<{kind}> #{counts[kind]}"
                    source_id = attribute(element, "id")
                    try:
                        if not source_id:
                            raise BadRecord("no dsq:id")
                        if kind == "thread":
                            yield _thread(element, source_id, position)
                        else:
                            yield _post(element, source_id, position)
                    except BadRecord as exc:
                        yield Problem(position, str(exc), source_id)
            except XMLError as exc:
                raise UnreadableFile(f"{self.path.name} is not readable XML: {exc}") from exc
        self.done = self.total


def _thread(element, source_id: str, position: str) -> SourceArticle:
    created = text(element, "createdAt")
    return SourceArticle(
        source_id=source_id,
        key=text(element, "id"),
        url=text(element, "link"),
        title=text(element, "title"),
        created_at=parse_time(created) if created else None,
        is_open=not _flag(text(element, "isClosed")),
        position=position,
    )


def _post(element, source_id: str, position: str) -> SourceComment:
    thread = attribute(child(element, "thread"), "id")
    if not thread:
        raise BadRecord("no <thread dsq:id>")
    author = child(element, "author")
    name = text(author, "name")
    username = text(author, "username")
    email = text(author, "email").lower()
    anonymous = _flag(text(author, "isAnonymous"))
    if username and not anonymous:
        identity = f"user:{username}"
    elif email:
        identity = f"email:{email}"
    else:
        identity = f"name:{name}"
    if _flag(text(element, "isDeleted")):
        status, body = S.DELETED, ""
    else:
        status = S.REJECTED if _flag(text(element, "isSpam")) else S.PUBLISHED
        if text(element, "isApproved").lower() == "false" and status == S.PUBLISHED:
            status = S.HELD
        body = html_to_body(raw_text(element, "message"))
        if not body:
            raise BadRecord("empty message")
    parent = attribute(child(element, "parent"), "id") or None
    return SourceComment(
        source_id=source_id,
        article_id=thread,
        parent_id=parent,
        author=SourceAuthor(name=name or username or "Anonymous", identity=identity, email=email),
        body=body,
        created_at=parse_time(text(element, "createdAt")),
        status=status,
        position=position,
    )
