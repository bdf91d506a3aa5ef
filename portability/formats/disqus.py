"""Disqus XML export (Admin > Community > Export: `<disqus>` with `<thread>` and `<post>`).

A `<thread dsq:id>` is a page: `<id>` is the identifier the site gave Disqus (may be empty),
`<link>` its URL. A `<post dsq:id>` is a comment: `<message>` (HTML), `<createdAt>` (UTC),
`<isDeleted>`, `<isSpam>`, `<author>` (name, e-mail, username, isAnonymous), `<thread
dsq:id>` and, for a reply, `<parent dsq:id>`. Disqus ids are global, so the source is "disqus".
IP addresses are in the file; they are not read.
"""

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

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
from .xml import XMLError, attribute, children, elements, local, open_export

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
        with open_export(self.path) as (raw, stream):
            try:
                for element in elements(stream, {"thread", "post"}, level=1):
                    self.done = raw.tell()
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


def _text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _thread(element: Element, source_id: str, position: str) -> SourceArticle:
    fields = children(element)
    created = _text(fields.get("createdAt"))
    return SourceArticle(
        source_id=source_id,
        key=_text(fields.get("id")),
        url=_text(fields.get("link")),
        title=_text(fields.get("title")),
        created_at=parse_time(created) if created else None,
        is_open=not _flag(_text(fields.get("isClosed"))),
        position=position,
    )


def _post(element: Element, source_id: str, position: str) -> SourceComment:
    fields = children(element)
    thread = attribute(fields.get("thread"), "id")
    if not thread:
        raise BadRecord("no <thread dsq:id>")
    author = children(fields.get("author"))
    name = _text(author.get("name"))
    username = _text(author.get("username"))
    email = _text(author.get("email")).lower()
    anonymous = _flag(_text(author.get("isAnonymous")))
    if username and not anonymous:
        identity = f"user:{username}"
    elif email:
        identity = f"email:{email}"
    else:
        identity = f"name:{name}"
    if _flag(_text(fields.get("isDeleted"))):
        status, body = S.DELETED, ""
    else:
        status = S.REJECTED if _flag(_text(fields.get("isSpam"))) else S.PUBLISHED
        if _text(fields.get("isApproved")).lower() == "false" and status == S.PUBLISHED:
            status = S.HELD
        message = fields.get("message")
        body = html_to_body(message.text or "" if message is not None else "")
        if not body:
            raise BadRecord("empty message")
    parent = attribute(fields.get("parent"), "id") or None
    return SourceComment(
        source_id=source_id,
        article_id=thread,
        parent_id=parent,
        author=SourceAuthor(name=name or username or "Anonymous", identity=identity, email=email),
        body=body,
        created_at=parse_time(_text(fields.get("createdAt"))),
        status=status,
        position=position,
    )
