"""Isso's SQLite database (the file its `[general] dbpath` names), read-only.

Tables `threads` (`id`, `uri`, `title`) and `comments` (`tid`, `id`, `parent`, `created` and
`modified` as Unix times, `mode`: 1 accepted, 2 waiting for moderation, 4 deleted with replies
kept; `text` as the reader typed it, Markdown; `author`, `email`, `website`, `likes`,
`dislikes`). Isso knows pages by path (`uri`): give `--base-url` to store full URLs. The
source is "isso". `remote_addr` is not read.
"""

import sqlite3
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
    from_unix,
)

S = CommentStatus
MODES = {1: S.PUBLISHED, 2: S.HELD, 4: S.DELETED}


def _text(value: bytes) -> str:
    # Isso stores UTF-8; a byte that is not becomes U+FFFD instead of stopping the import.
    return value.decode("utf-8", "replace")


class IssoReader:
    format = "isso"

    def __init__(self, path: Path, *, base_url: str = "") -> None:
        self.path = path
        self.source = "isso"
        self.base_url = base_url.rstrip("/")
        self.done = 0
        self.total = 0

    def read(self) -> Iterator[Record]:
        try:
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise UnreadableFile(f"{self.path.name}: {exc}") from exc
        db.text_factory = _text
        try:
            self.total = db.execute("SELECT count(*) FROM comments").fetchone()[0]
            for tid, uri, title in db.execute("SELECT id, uri, title FROM threads ORDER BY id"):
                yield SourceArticle(
                    source_id=str(tid),
                    key=uri or "",
                    url=f"{self.base_url}{uri}" if self.base_url and uri else "",
                    title=title or "",
                    position=f"threads id {tid}",
                )
            rows = db.execute(
                "SELECT tid, id, parent, created, modified, mode, text, author, email, website,"
                " likes, dislikes FROM comments ORDER BY id"
            )
            for row in rows:
                self.done += 1
                position = f"comments id {row[1]}"
                try:
                    yield self._comment(row, position)
                except BadRecord as exc:
                    yield Problem(position, str(exc), str(row[1]))
        except sqlite3.Error as exc:
            raise UnreadableFile(f"{self.path.name} is not an Isso database: {exc}") from exc
        finally:
            db.close()

    def _comment(self, row: tuple, position: str) -> SourceComment:
        tid, cid, parent, created, modified, mode, text, author, email, website, up, down = row
        if mode not in MODES:
            raise BadRecord(f"unknown mode {mode!r}")
        status = MODES[mode]
        body = "" if status == S.DELETED else (text or "").strip()
        if status != S.DELETED and not body:
            raise BadRecord("empty text")
        email = (email or "").strip().lower()
        name = (author or "").strip()
        identity = f"email:{email}" if email else f"name:{name}|{website or ''}"
        return SourceComment(
            source_id=str(cid),
            article_id=str(tid),
            parent_id=str(parent) if parent is not None else None,
            author=SourceAuthor(name=name or "Anonymous", identity=identity, email=email),
            body=body,
            created_at=from_unix(created),
            edited_at=from_unix(modified) if modified else None,
            status=status,
            position=position,
            upvotes=count(up),
            downvotes=count(down),
        )
