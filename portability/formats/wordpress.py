"""WordPress eXtended RSS (WXR: Tools > Export > All content), versions 1.0 to 1.2.

Each `<item>` is a post or page (`<wp:post_id>`, `<link>`, `<title>`, `<wp:post_date_gmt>`,
`<wp:comment_status>`) with its `<wp:comment>`s: `<wp:comment_id>`, `<wp:comment_parent>` (0
for none), `<wp:comment_author>`, `_email`, `_url`, `<wp:comment_user_id>` (0 for a guest),
`<wp:comment_date_gmt>` (UTC; `0000-00-00 00:00:00` when unknown, then `<wp:comment_date>` in
the blog's time zone is used), `<wp:comment_content>` (HTML where line breaks are breaks),
`<wp:comment_approved>` (1, 0, spam, trash) and `<wp:comment_type>` (pingbacks and trackbacks
are not reader comments and are left out). Ids are per blog: the source is
"wordpress:<wp:base_site_url>". Author IPs are in the file; they are not read.
"""

from collections.abc import Iterator
from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

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
from .xml import XMLError, elements, local, open_export, raw_text, text

S = CommentStatus

STATUSES = {
    "1": S.PUBLISHED,
    "approve": S.PUBLISHED,
    "0": S.HELD,
    "hold": S.HELD,
    "spam": S.REJECTED,
    "trash": S.REMOVED,
    "post-trashed": S.REMOVED,
}
NOT_COMMENTS = {"pingback", "trackback"}


class WordPressReader:
    format = "wordpress"

    def __init__(self, path: Path, *, local_tz: tzinfo | None = None) -> None:
        self.path = path
        self.source = "wordpress"
        self.local_tz = local_tz or ZoneInfo("UTC")
        self.done = 0
        self.total = path.stat().st_size
        self.left_out = 0

    def read(self) -> Iterator[Record]:
        items = 0
        with open_export(self.path) as (raw, stream):
            try:
                for element in elements(stream, {"item", "base_site_url"}, level=2):
                    self.done = raw.tell()
                    if local(element.tag) == "base_site_url":
                        self.source = f"wordpress:{text(element).rstrip('/')}"
                        continue
                    items += 1
                    yield from self._item(element, f"<item> #{items}")
            except XMLError as exc:
                raise UnreadableFile(f"{self.path.name} is not readable XML: {exc}") from exc
        self.done = self.total

    def _item(self, item, position: str) -> Iterator[Record]:
        post_id = text(item, "post_id")
        comments = [c for c in item if local(c.tag) == "comment"]
        if not post_id:
            if comments:
                yield Problem(position, "no <wp:post_id>: its comments are left out")
            return
        created = text(item, "post_date_gmt")
        try:
            created_at = parse_time(created) if created else None
        except BadRecord:
            created_at = None
        yield SourceArticle(
            source_id=post_id,
            url=text(item, "link"),
            title=text(item, "title"),
            created_at=created_at,
            is_open=text(item, "comment_status") != "closed",
            position=position,
        )
        for number, comment in enumerate(comments, 1):
            where = f"{position} <wp:comment> #{number}"
            comment_id = text(comment, "comment_id")
            try:
                if not comment_id:
                    raise BadRecord("no <wp:comment_id>")
                if text(comment, "comment_type") in NOT_COMMENTS:
                    self.left_out += 1
                    continue
                yield self._comment(comment, comment_id, post_id, where)
            except BadRecord as exc:
                yield Problem(where, str(exc), comment_id)

    def _comment(self, comment, comment_id: str, post_id: str, position: str) -> SourceComment:
        approved = text(comment, "comment_approved").lower()
        if approved not in STATUSES:
            raise BadRecord(f"unknown comment_approved {approved!r}")
        status = STATUSES[approved]
        gmt = text(comment, "comment_date_gmt")
        if gmt and not gmt.startswith("0000"):
            created_at = parse_time(gmt)
        else:
            created_at = parse_time(text(comment, "comment_date"), default_tz=self.local_tz)
        name = text(comment, "comment_author")
        email = text(comment, "comment_author_email").lower()
        user_id = text(comment, "comment_user_id")
        if user_id and user_id != "0":
            identity = f"user:{user_id}"
        elif email:
            identity = f"email:{email}"
        else:
            identity = f"name:{name}|{text(comment, 'comment_author_url')}"
        body = html_to_body(raw_text(comment, "comment_content"), newlines=True)
        if not body:
            raise BadRecord("empty comment_content")
        parent = text(comment, "comment_parent")
        return SourceComment(
            source_id=comment_id,
            article_id=post_id,
            parent_id=parent if parent and parent != "0" else None,
            author=SourceAuthor(name=name or "Anonymous", identity=identity, email=email),
            body=body,
            created_at=created_at,
            status=status,
            position=position,
        )
