"""Remark42 backup (`backup` in its container, or the daily files under var/backup): JSON lines,
usually gzipped. The first line is the meta record `{"version": 1, "users": [...], "posts":
[...]}`; every other line is one comment: `id`, `pid` (the parent's id, "" for none), `text`
(rendered HTML), `user` (`id` such as "github_abc", `name`, `picture`), `locator` (`site`,
`url`), `score`, `votes` ({user id: true for up, false for down}), `time` (RFC 3339), `delete`,
`pin`, `title` (the page's). Articles are the locators' URLs; ids are per remark42 site:
the source is "remark42:<locator.site>". The `ip` field (a hash) is not read.
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
    count,
    parse_time,
)
from .jsonlines import json_lines

S = CommentStatus


class Remark42Reader:
    format = "remark42"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = "remark42"
        self.done = 0
        self.total = path.stat().st_size

    def read(self) -> Iterator[Record]:
        articles: set[str] = set()
        titles: dict[str, str] = {}
        for number, value in json_lines(self.path, self):
            position = f"line {number}"
            if isinstance(value, BadRecord):
                yield Problem(position, str(value))
                continue
            if "version" in value and "id" not in value:
                for post in value.get("posts") or []:
                    if isinstance(post, dict) and post.get("url"):
                        titles[str(post["url"])] = str(post.get("title") or "")
                continue
            source_id = str(value.get("id") or "")
            try:
                if not source_id:
                    raise BadRecord("no id")
                comment = self._comment(value, source_id, position)
            except BadRecord as exc:
                yield Problem(position, str(exc), source_id)
                continue
            if comment.article_id not in articles:
                articles.add(comment.article_id)
                yield SourceArticle(
                    source_id=comment.article_id,
                    url=comment.article_id,
                    title=titles.get(comment.article_id) or str(value.get("title") or ""),
                    position=position,
                )
            yield comment
        self.done = self.total

    def _comment(self, value: dict, source_id: str, position: str) -> SourceComment:
        locator = _object(value, "locator")
        url = str(locator.get("url") or "")
        if not url:
            raise BadRecord("no locator.url")
        if locator.get("site"):
            self.source = f"remark42:{locator['site']}"
        user = _object(value, "user")
        user_id = str(user.get("id") or "")
        name = str(user.get("name") or "")
        if value.get("delete"):
            status, body = S.DELETED, ""
        else:
            status = S.PUBLISHED
            body = html_to_body(str(value.get("text") or ""))
            if not body:
                raise BadRecord("empty text")
        votes = _object(value, "votes")
        if votes:
            up = sum(1 for v in votes.values() if v is True)
            down = sum(1 for v in votes.values() if v is False)
        else:
            score = value["score"] if isinstance(value.get("score"), int) else 0
            up, down = count(score), count(-score)
        return SourceComment(
            source_id=source_id,
            article_id=url,
            parent_id=str(value.get("pid") or "") or None,
            author=SourceAuthor(
                name=name or "Anonymous",
                identity=f"user:{user_id}" if user_id else f"name:{name}",
                avatar_url=_absolute(str(user.get("picture") or "")),
            ),
            body=body,
            created_at=parse_time(str(value.get("time") or "")),
            status=status,
            position=position,
            upvotes=up,
            downvotes=down,
            featured=bool(value.get("pin")),
        )


def _absolute(url: str) -> str:
    """Remark42 serves its own avatars from relative paths, which mean nothing here."""
    return url[:2000] if url.startswith(("https://", "http://")) else ""


def _object(value: dict, name: str) -> dict:
    found = value.get(name)
    return found if isinstance(found, dict) else {}
